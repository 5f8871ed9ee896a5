"""Parts against a repair order: requisition, return, exchange, old-parts return.

The warehouse issues parts once the customer has confirmed the estimate (confirmed and beyond,
until the vehicle is ready); returns and exchanges are possible in the same states. The stock
itself moves in parts.stock, under its row locks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.service.choices import OrderState

from . import stock
from .choices import MovementKind, OldPartDisposition, ReservationState
from .models import OldPartReturn, Reservation, StockLevel, StockMovement

if TYPE_CHECKING:
    from dcrc.core.models import User
    from dcrc.service.models import PartLine, RepairOrder

# Parts are issued from the customer's confirmation until the vehicle is ready for delivery.
ISSUE_STATES = (
    OrderState.CONFIRMED,
    OrderState.DISPATCHED,
    OrderState.IN_WORK,
    OrderState.QC,
    OrderState.REWORK,
    OrderState.READY,
)
# Old parts are recorded until the vehicle leaves.
OLD_PART_STATES = (*ISSUE_STATES, OrderState.SETTLED, OrderState.RELEASED)
ZERO_QUANTITY = Value(Decimal("0"), output_field=DecimalField(max_digits=10, decimal_places=2))


def _issuable(line: PartLine) -> None:
    """The order's state read now (the line may carry an old copy of its order)."""
    from dcrc.service.models import RepairOrder

    order = RepairOrder.objects.only("state").get(pk=line.order_id)
    if order.state not in ISSUE_STATES:
        raise ValidationError(
            {
                "quantity": [
                    _("Parts are issued once the estimate is confirmed; the order is “%(state)s”.")
                    % {"state": order.get_state_display()}
                ]
            }
        )


@transaction.atomic
def requisition_issue(
    *, line: PartLine, quantity: Decimal, by: User, at: datetime.datetime | None = None
) -> list[StockMovement]:
    """领料: issue parts of a confirmed order's line (never more than the stock that is free)."""
    _issuable(line)
    return stock.stock_issue(line=line, quantity=quantity, by=by, at=at)


@transaction.atomic
def requisition_return(
    *, line: PartLine, quantity: Decimal, reason: str, by: User, at: datetime.datetime | None = None
) -> StockMovement:
    """退料: parts not used go back on the shelf."""
    _issuable(line)
    return stock.stock_return(line=line, quantity=quantity, reason=reason, by=by, at=at)


@transaction.atomic
def requisition_exchange(
    *,
    line: PartLine,
    quantity: Decimal,
    reason: str,
    by: User,
    new_line: PartLine | None = None,
    at: datetime.datetime | None = None,
) -> tuple[StockMovement, list[StockMovement]]:
    """换件: take issued parts of `line` back and issue the same quantity on `new_line`
    (another unit of the same part when `new_line` is not given: a faulty new part)."""
    from dcrc.service.models import PartLine

    _issuable(line)
    new_line = new_line or line
    if new_line.order_id != line.order_id:
        raise ValidationError({"new_line": [_("Exchange within the same repair order.")]})
    # Both lines locked in pk order before any stock: two exchanges cannot deadlock.
    list(
        PartLine.objects.select_for_update(of=("self",))
        .filter(pk__in={line.pk, new_line.pk})
        .order_by("pk")
    )
    now = at or timezone.now()
    back = stock.stock_return(
        line=line,
        quantity=quantity,
        reason=reason,
        by=by,
        at=now,
        kind=MovementKind.EXCHANGE_IN,
    )
    out = stock.stock_issue(
        line=new_line, quantity=quantity, by=by, at=now, kind=MovementKind.EXCHANGE_OUT
    )
    return back, out


@transaction.atomic
def old_part_record(
    *,
    order: RepairOrder,
    description: str,
    quantity: Decimal,
    disposition: str,
    by: User,
    part_line: PartLine | None = None,
    claim_no: str = "",
    note: str = "",
    at: datetime.datetime | None = None,
) -> OldPartReturn:
    """旧件回收: where a part taken off the car went (customer, manufacturer, store, scrap)."""
    from dcrc.service.models import RepairOrder

    order = RepairOrder.objects.get(pk=order.pk)  # its state now
    errors: dict[str, list[str]] = {}
    description = description.strip() or (f"{part_line.code} {part_line.name}" if part_line else "")
    if not description:
        errors["description"] = [_("Say which part came off the car.")]
    if disposition not in OldPartDisposition.values:
        errors["disposition"] = [_("Choose where the old part goes.")]
    claim_no = claim_no.strip()
    if disposition == OldPartDisposition.TO_MANUFACTURER and not claim_no:
        errors["claim_no"] = [_("A part returned to the manufacturer needs the warranty claim no.")]
    try:
        stock.quantity_check(quantity)
    except ValidationError as error:
        errors.update(error.message_dict)
    if order.state not in OLD_PART_STATES:
        errors["order"] = [
            _("Old parts are recorded once work is confirmed; the order is “%(state)s”.")
            % {"state": order.get_state_display()}
        ]
    if part_line is not None and part_line.order_id != order.pk:
        errors["part_line"] = [_("Choose a part line of this order.")]
    elif part_line is not None and not errors:
        recorded = OldPartReturn.objects.filter(part_line=part_line).aggregate(
            total=Sum("quantity")
        )["total"] or Decimal("0")
        if recorded + quantity > part_line.quantity:
            errors["quantity"] = [
                _("The line has %(quantity)s; %(recorded)s already recorded.")
                % {"quantity": part_line.quantity, "recorded": recorded}
            ]
    if errors:
        raise ValidationError(errors)
    return OldPartReturn.objects.create(
        dealer_id=order.dealer_id,
        repair_order=order,
        part_line=part_line,
        description=description[:100],
        quantity=quantity,
        disposition=disposition,
        claim_no=claim_no[:40],
        note=note.strip()[:200],
        by=by,
        at=at or timezone.now(),
    )


# --- reads ---------------------------------------------------------------------------------


def _sum_subquery(queryset: QuerySet, field: str) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("part_id").annotate(total=Sum(field)).values("total")[:1]
        ),
        ZERO_QUANTITY,
    )


def on_hand_in_default_warehouse() -> Coalesce:
    """Annotation for rows with a `part`: on hand in the dealer's default warehouse."""
    return _sum_subquery(
        StockLevel.objects.filter(part_id=OuterRef("part_id"), warehouse__is_default=True),
        "on_hand",
    )


def order_part_lines(order: RepairOrder) -> QuerySet[PartLine]:
    """The order's part lines with what is reserved and back-ordered for them and on hand."""
    from dcrc.service.models import PartLine

    own = Q(repair_order_id=order.pk)
    if order.appointment_id:
        own |= Q(appointment_id=order.appointment_id)
    reservations = Reservation.objects.filter(own, part_id=OuterRef("part_id"))
    return (
        PartLine.objects.filter(order_id=order.pk)
        .select_related("part")
        .annotate(
            reserved=_sum_subquery(
                reservations.filter(state=ReservationState.RESERVED), "quantity"
            ),
            backordered=_sum_subquery(
                reservations.filter(state=ReservationState.BACKORDERED), "quantity"
            ),
            on_hand=on_hand_in_default_warehouse(),
            to_issue=F("quantity") - F("issued_quantity"),
        )
        .order_by("pk")
    )


def requisition_queue(*, dealer_ids: list[int]) -> QuerySet[PartLine]:
    """The warehouse's queue (领料): lines of confirmed orders not yet issued in full."""
    from dcrc.service.models import PartLine

    return (
        PartLine.objects.filter(
            dealer_id__in=dealer_ids,
            order__state__in=ISSUE_STATES,
            issued_quantity__lt=F("quantity"),
        )
        .select_related("order", "order__vehicle", "part")
        .annotate(
            on_hand=on_hand_in_default_warehouse(), to_issue=F("quantity") - F("issued_quantity")
        )
        .order_by("order__promised_at", "order__opened_at", "order_id", "pk")
    )


def order_panel(*, order: RepairOrder, user: User) -> dict[str, Any]:
    """The warehouse's part of the repair-order page (templates/parts/partials/
    order_panel.html): what it needs beyond `order`, read with a fixed number of queries."""
    lines = list(order_part_lines(order))
    return {
        "parts_lines": lines,
        "parts_old": list(order.old_parts.all().select_related("part_line")),
        "parts_can_keep": user.has_perm("parts.keep"),
        "parts_can_issue": order.state in ISSUE_STATES,
        "parts_can_record_old": order.state in OLD_PART_STATES,
        "parts_dispositions": OldPartDisposition.choices,
    }
