"""Settlement (domain §8): fees, pre-settlement by the advisor, settlement by the cashier,
payments split across methods, the invoice; printouts of order, estimate and settlement."""

from __future__ import annotations

from typing import Any

from dcrc.core.models import User

from .models import RepairOrder


def order_panel(*, order: RepairOrder, user: User) -> dict[str, Any]:
    """The settlement's part of the repair-order page (templates/service/settlement/partials/
    order_panel.html): what it needs beyond `order`, read with a fixed number of queries."""
    return {}
