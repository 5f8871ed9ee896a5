"""Parts for appointments: what booked visits need, reserved or back-ordered (B/O).

A reservation is made in the dealer's default warehouse; when not enough is free it is a
back-order that the next receipt of the part fills (parts.stock, earliest need first).
The repair order opened from the appointment uses up its reservations when parts are issued.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.service.choices import AppointmentState

from . import stock
from .choices import OPEN_RESERVATION_STATES, ReservationState
from .models import Part, Reservation, Warehouse

if TYPE_CHECKING:
    from dcrc.core.models import User
    from dcrc.service.models import Appointment

UPCOMING_DAYS = 3
MAX_UPCOMING_DAYS = 14


def default_warehouse(dealer_id: int) -> Warehouse:
    try:
        return Warehouse.objects.get(dealer_id=dealer_id, is_default=True)
    except Warehouse.DoesNotExist:
        raise ValidationError(
            {"warehouse": [_("Set up a default warehouse for requisitions first.")]}
        ) from None


@transaction.atomic
def appointment_part_reserve(
    *,
    appointment: Appointment,
    part: Part,
    quantity: Decimal,
    by: User,
    warehouse: Warehouse | None = None,
    supplier_order_no: str = "",
    expected_on: datetime.date | None = None,
) -> Reservation:
    """预留: promise parts to a booked appointment; back-ordered (缺件) when not in stock."""
    if appointment.state != AppointmentState.BOOKED:
        raise ValidationError({"part": [_("Parts are reserved for booked appointments only.")]})
    if part.dealer_id != appointment.dealer_id:
        raise ValidationError({"part": [_("Choose a part of this dealer.")]})
    return stock.stock_reserve(
        part=part,
        warehouse=warehouse or default_warehouse(appointment.dealer_id),
        quantity=quantity,
        by=by,
        appointment=appointment,
        supplier_order_no=supplier_order_no,
        expected_on=expected_on,
    )


@transaction.atomic
def backorder_update(
    *,
    reservation: Reservation,
    by: User,
    supplier_order_no: str,
    expected_on: datetime.date | None,
) -> Reservation:
    """Note the supplier order and the expected date of a back-order."""
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.state != ReservationState.BACKORDERED:
        raise ValidationError({"state": [_("This part is no longer back-ordered.")]})
    reservation.supplier_order_no = supplier_order_no.strip()[:40]
    reservation.expected_on = expected_on
    reservation.save(update_fields=["supplier_order_no", "expected_on", "updated_at"])
    return reservation


# --- reads ---------------------------------------------------------------------------------


def appointment_reservations(appointment: Appointment) -> list[Reservation]:
    return list(
        Reservation.objects.filter(appointment_id=appointment.pk)
        .exclude(state=ReservationState.RELEASED)
        .select_related("part")
        .order_by("pk")
    )


def upcoming_appointments(
    *, dealer_ids: list[int], now: datetime.datetime, days: int = UPCOMING_DAYS
) -> QuerySet[Appointment]:
    """Booked appointments of the next days that need parts (expected or reserved)."""
    from django.db.models import Q

    from dcrc.service.models import Appointment

    days = max(1, min(days, MAX_UPCOMING_DAYS))
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    open_reservations = (
        Reservation.objects.filter(state__in=OPEN_RESERVATION_STATES)
        .select_related("part")
        .order_by("pk")
    )
    return (
        Appointment.objects.filter(
            dealer_id__in=dealer_ids,
            state=AppointmentState.BOOKED,
            scheduled_at__gte=start,
            scheduled_at__lt=start + datetime.timedelta(days=days),
        )
        .filter(~Q(expected_parts="") | Q(reservations__state__in=OPEN_RESERVATION_STATES))
        .distinct()
        .select_related("vehicle", "customer")
        .prefetch_related(
            Prefetch("reservations", queryset=open_reservations, to_attr="open_reservations")
        )
        .order_by("scheduled_at", "pk")
    )


def backorders(*, dealer_ids: list[int]) -> QuerySet[Reservation]:
    """Back-orders (缺件) waiting for a receipt, the earliest need first."""
    return (
        Reservation.objects.filter(dealer_id__in=dealer_ids, state=ReservationState.BACKORDERED)
        .select_related("part", "warehouse", "appointment", "appointment__vehicle", "repair_order")
        .order_by("needed_by", "pk")
    )


def appointment_panel(*, appointment: Appointment, user: User) -> dict[str, Any]:
    """The warehouse's part of the appointment page (templates/parts/partials/
    appointment_panel.html): what it needs beyond `appointment`, in a fixed number of queries."""
    from .forms import ReserveForm

    return {
        "parts_reservations": appointment_reservations(appointment),
        "parts_reserve_form": ReserveForm(
            dealer_ids=[appointment.dealer_id], auto_id=f"id_ap{appointment.pk}_%s"
        ),
        "parts_can_keep": user.has_perm("parts.keep"),
        "parts_can_reserve": appointment.state == AppointmentState.BOOKED,
    }
