"""The workshop (domain §8): dispatch of job lines to stations and technicians, the kanban,
quality control and rework, tools and equipment."""

from __future__ import annotations

from typing import Any

from dcrc.core.models import User

from .models import RepairOrder


def order_panel(*, order: RepairOrder, user: User) -> dict[str, Any]:
    """The workshop's part of the repair-order page (templates/service/workshop/partials/
    order_panel.html): what it needs beyond `order`, read with a fixed number of queries."""
    return {}
