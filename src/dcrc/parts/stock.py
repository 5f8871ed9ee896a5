"""Every change of stock: receiving, requisition, return, reservation, back-orders.

Stock never goes negative, even when two people issue the same part at the same moment:
each service locks the part's stock levels in the warehouse (SELECT … FOR UPDATE, ordered
by pk so that two transactions always lock in the same order and cannot deadlock), reads
what is there and what is promised, and only then writes. The check constraint
`stock_not_negative` stands behind it. SQLite serialises writing transactions anyway.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import MovementKind, ReservationState
from .models import Part, Reservation, StockLevel, StockMovement, Warehouse

if TYPE_CHECKING:
    from dcrc.core.models import User
    from dcrc.service.models import Appointment, PartLine, RepairOrder

ZERO = Decimal("0")
MAX_QUANTITY = Decimal("99999999")


def quantity_check(quantity: Decimal | None, field: str = "quantity") -> Decimal:
    if quantity is None or not ZERO < quantity <= MAX_QUANTITY:
        raise ValidationError({field: [_("Enter a quantity above zero.")]})
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValidationError({field: [_("Quantities have at most two decimals.")]})
    return quantity


def levels_locked(part: Part, warehouse: Warehouse) -> list[StockLevel]:
    """The part's stock levels in the warehouse, row-locked in pk order (the one lock order)."""
    return list(
        StockLevel.objects.select_for_update().filter(part=part, warehouse=warehouse).order_by("pk")
    )


def promised(
    part: Part,
    warehouse: Warehouse,
    *,
    exclude_order: RepairOrder | None = None,
) -> Decimal:
    """Quantity of the part reserved (in stock, not yet issued) for appointments and orders."""
    reservations = Reservation.objects.filter(
        part=part, warehouse=warehouse, state=ReservationState.RESERVED
    )
    if exclude_order is not None:
        reservations = reservations.exclude(repair_order=exclude_order)
        if exclude_order.appointment_id:
            reservations = reservations.exclude(appointment_id=exclude_order.appointment_id)
    return reservations.aggregate(total=Sum("quantity"))["total"] or ZERO


def available(part: Part, warehouse: Warehouse) -> Decimal:
    """On hand less promised; a read for screens (services lock before they read)."""
    on_hand = StockLevel.objects.filter(part=part, warehouse=warehouse).aggregate(
        total=Sum("on_hand")
    )["total"]
    return (on_hand or ZERO) - promised(part, warehouse)


def _movement(
    level: StockLevel,
    *,
    kind: str,
    quantity: Decimal,
    by: User,
    at: datetime.datetime,
    **fields,
) -> StockMovement:
    """Apply a signed quantity to a locked level and record why."""
    level.on_hand += quantity
    if level.on_hand < 0:  # callers check first; this guards the invariant itself
        raise ValidationError({"quantity": [_("Stock cannot go below zero.")]})
    level.save(update_fields=["on_hand"])
    return StockMovement.objects.create(
        dealer_id=level.dealer_id,
        part=level.part,
        warehouse=level.warehouse,
        bin=level.bin,
        kind=kind,
        quantity=quantity,
        by=by,
        at=at,
        **fields,
    )


def _level(part: Part, warehouse: Warehouse, bin: str) -> StockLevel:
    level, _created = StockLevel.objects.get_or_create(
        part=part, warehouse=warehouse, bin=bin, defaults={"dealer_id": part.dealer_id}
    )
    return StockLevel.objects.select_for_update().get(pk=level.pk)


def _same_dealer(part: Part, warehouse: Warehouse) -> None:
    if part.dealer_id != warehouse.dealer_id:
        raise ValidationError({"warehouse": [_("Choose a warehouse of this dealer.")]})


@transaction.atomic
def stock_receive(
    *,
    part: Part,
    warehouse: Warehouse,
    quantity: Decimal,
    by: User,
    bin: str = "",
    unit_cost: Decimal | None = None,
    reference: str = "",
    note: str = "",
    at: datetime.datetime | None = None,
) -> StockMovement:
    """Put received parts on a shelf; back-orders waiting for the part are filled first come."""
    quantity = quantity_check(quantity)
    _same_dealer(part, warehouse)
    if unit_cost is not None and unit_cost < 0:
        raise ValidationError({"unit_cost": [_("The cost cannot be negative.")]})
    at = at or timezone.now()
    levels_locked(part, warehouse)
    level = _level(part, warehouse, (bin or part.default_bin).strip())
    movement = _movement(
        level,
        kind=MovementKind.RECEIVE,
        quantity=quantity,
        by=by,
        at=at,
        unit_cost=part.cost_price if unit_cost is None else unit_cost,
        reference=reference.strip()[:50],
        note=note.strip()[:200],
    )
    _backorders_fill(part, warehouse)
    return movement


def _backorders_fill(part: Part, warehouse: Warehouse) -> int:
    """Turn back-orders into reservations while stock allows, the earliest need first."""
    on_hand = (
        StockLevel.objects.filter(part=part, warehouse=warehouse).aggregate(total=Sum("on_hand"))[
            "total"
        ]
        or ZERO
    )
    free = on_hand - promised(part, warehouse)
    filled = 0
    waiting = Reservation.objects.filter(
        part=part, warehouse=warehouse, state=ReservationState.BACKORDERED
    ).order_by("needed_by", "pk")
    for reservation in waiting:
        if reservation.quantity > free:
            break
        reservation.state = ReservationState.RESERVED
        reservation.save(update_fields=["state", "updated_at"])
        free -= reservation.quantity
        filled += 1
    return filled


@transaction.atomic
def stock_reserve(
    *,
    part: Part,
    warehouse: Warehouse,
    quantity: Decimal,
    by: User,
    appointment: Appointment | None = None,
    order: RepairOrder | None = None,
    needed_by: datetime.datetime | None = None,
    supplier_order_no: str = "",
    expected_on: datetime.date | None = None,
) -> Reservation:
    """Promise parts to an appointment or order; back-ordered (B/O) when not enough is free."""
    quantity = quantity_check(quantity)
    _same_dealer(part, warehouse)
    if appointment is None and order is None:
        raise ValidationError({"appointment": [_("Reserve for an appointment or an order.")]})
    levels = levels_locked(part, warehouse)
    free = sum((level.on_hand for level in levels), ZERO) - promised(part, warehouse)
    state = ReservationState.RESERVED if free >= quantity else ReservationState.BACKORDERED
    return Reservation.objects.create(
        dealer_id=part.dealer_id,
        part=part,
        warehouse=warehouse,
        appointment=appointment,
        repair_order=order,
        quantity=quantity,
        state=state,
        needed_by=needed_by or (appointment.scheduled_at if appointment else None),
        supplier_order_no=supplier_order_no.strip()[:40],
        expected_on=expected_on,
        created_by=by,
    )


@transaction.atomic
def reservation_release(*, reservation: Reservation, by: User) -> Reservation:
    """Give promised parts back to free stock (an appointment cancelled, a line removed)."""
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.state not in (ReservationState.RESERVED, ReservationState.BACKORDERED):
        raise ValidationError({"state": [_("This reservation is no longer open.")]})
    was_reserved = reservation.state == ReservationState.RESERVED
    reservation.state = ReservationState.RELEASED
    reservation.save(update_fields=["state", "updated_at"])
    if was_reserved:
        levels_locked(reservation.part, reservation.warehouse)
        _backorders_fill(reservation.part, reservation.warehouse)
    return reservation


def _order_reservations(line: PartLine, warehouse: Warehouse):
    order = line.order
    own = Q(repair_order=order)
    if order.appointment_id:
        own |= Q(appointment_id=order.appointment_id)
    reservations = Reservation.objects.select_for_update().filter(
        own, part_id=line.part_id, warehouse=warehouse, state=ReservationState.RESERVED
    )
    return list(reservations.order_by("pk"))


@transaction.atomic
def stock_issue(
    *,
    line: PartLine,
    quantity: Decimal,
    by: User,
    warehouse: Warehouse | None = None,
    at: datetime.datetime | None = None,
    kind: str = MovementKind.ISSUE,
) -> list[StockMovement]:
    """Requisition: issue parts of a repair-order line from the warehouse's bins.

    Stock promised to other orders and appointments is not issued; what this order (or its
    appointment) reserved is used up first. Returns one movement per bin taken from.
    """
    from dcrc.service.models import PartLine

    quantity = quantity_check(quantity)
    # The line first, then the levels (the one lock order): two requisitions of the same
    # line cannot both read the same issued quantity.
    line = (
        PartLine.objects.select_for_update(of=("self",))
        .select_related("order", "part")
        .get(pk=line.pk)
    )
    warehouse = warehouse or Warehouse.objects.get(dealer_id=line.dealer_id, is_default=True)
    _same_dealer(line.part, warehouse)
    at = at or timezone.now()
    if line.issued_quantity + quantity > line.quantity:
        raise ValidationError(
            {
                "quantity": [
                    _("The line needs %(left)s more; %(quantity)s is more than that.")
                    % {"left": line.quantity - line.issued_quantity, "quantity": quantity}
                ]
            }
        )
    levels = levels_locked(line.part, warehouse)
    on_hand = sum((level.on_hand for level in levels), ZERO)
    free = on_hand - promised(line.part, warehouse, exclude_order=line.order)
    if free < quantity:
        raise ValidationError(
            {
                "quantity": [
                    _("Only %(free)s %(unit)s of %(part)s can be issued from %(warehouse)s.")
                    % {
                        "free": max(free, ZERO),
                        "unit": line.part.unit,
                        "part": line.part.code,
                        "warehouse": warehouse.name,
                    }
                ]
            }
        )
    movements, left = [], quantity
    for level in sorted(levels, key=lambda level: (level.bin, level.pk)):
        take = min(level.on_hand, left)
        if take <= 0:
            continue
        movements.append(
            _movement(
                level,
                kind=kind,
                quantity=-take,
                by=by,
                at=at,
                unit_cost=line.part.cost_price,
                repair_order=line.order,
                part_line=line,
                reference=line.order.number,
            )
        )
        left -= take
        if left == 0:
            break
    for reservation in _order_reservations(line, warehouse):
        used = min(reservation.quantity, quantity)
        if used == reservation.quantity:
            reservation.state = ReservationState.ISSUED
        else:
            reservation.quantity -= used
        reservation.save(update_fields=["state", "quantity", "updated_at"])
        quantity -= used
        if quantity == 0:
            break
    PartLine.objects.filter(pk=line.pk).update(
        issued_quantity=line.issued_quantity + sum((-m.quantity for m in movements), ZERO)
    )
    return movements


@transaction.atomic
def stock_return(
    *,
    line: PartLine,
    quantity: Decimal,
    by: User,
    reason: str,
    warehouse: Warehouse | None = None,
    bin: str | None = None,
    at: datetime.datetime | None = None,
    kind: str = MovementKind.RETURN,
) -> StockMovement:
    """Take issued parts of a line back onto the shelf (not used, wrong part)."""
    from dcrc.service.models import PartLine

    quantity = quantity_check(quantity)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the part comes back.")]})
    line = (
        PartLine.objects.select_for_update(of=("self",))
        .select_related("order", "part")
        .get(pk=line.pk)
    )
    if quantity > line.issued_quantity:
        raise ValidationError(
            {
                "quantity": [
                    _("Only %(issued)s were issued on this line.")
                    % {"issued": line.issued_quantity}
                ]
            }
        )
    warehouse = warehouse or Warehouse.objects.get(dealer_id=line.dealer_id, is_default=True)
    _same_dealer(line.part, warehouse)
    levels_locked(line.part, warehouse)
    level = _level(line.part, warehouse, line.part.default_bin if bin is None else bin.strip())
    movement = _movement(
        level,
        kind=kind,
        quantity=quantity,
        by=by,
        at=at or timezone.now(),
        unit_cost=line.part.cost_price,
        repair_order=line.order,
        part_line=line,
        reference=line.order.number,
        note=reason[:200],
    )
    line.issued_quantity -= quantity
    line.save(update_fields=["issued_quantity"])
    _backorders_fill(line.part, warehouse)
    return movement
