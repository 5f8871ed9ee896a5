"""Entry point of the process that reads and parses a large import file (see imports.py).

A module of its own because a spawned process imports its target before Django is set up;
nothing here may import models at module level.
"""

from typing import Any


def parse_worker(spec: dict[str, Any], channel) -> None:
    import django

    django.setup()
    from .imports import parse_in_worker

    parse_in_worker(spec, channel)
