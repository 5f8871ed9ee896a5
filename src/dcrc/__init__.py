"""DCRC: the dealer customer relationship center and after-sales system."""

from .celery import app as celery_app

__all__ = ["celery_app"]
