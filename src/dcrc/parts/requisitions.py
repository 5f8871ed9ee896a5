"""Parts against a repair order: requisition, return, exchange, old-parts return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dcrc.core.models import User
    from dcrc.service.models import RepairOrder


def order_panel(*, order: RepairOrder, user: User) -> dict[str, Any]:
    """The warehouse's part of the repair-order page (templates/parts/partials/
    order_panel.html): what it needs beyond `order`, read with a fixed number of queries."""
    return {}
