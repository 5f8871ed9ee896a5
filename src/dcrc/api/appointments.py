"""Appointments (预约) over the REST API: the list, a day's slots, one appointment, booking and
cancellation.

Reads go through Appointment.objects.for_user(): another dealer's appointment answers 404.
Writes go through service.appointments; a full slot, a time outside the opening hours or any
other refusal answers 422 with a message per field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, ConfigDict

from dcrc.care.models import ContactTask
from dcrc.core.forms import date_in_range
from dcrc.core.models import User
from dcrc.core.selectors import dealers_for_user
from dcrc.customers import normalize
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle
from dcrc.service import appointments as booking
from dcrc.service.choices import AppointmentState, ReminderMethod
from dcrc.service.models import Appointment, Station

from .auth import api_user
from .customers import _dealer_filter
from .errors import forbidden
from .pagination import PageParams, page_of_queryset
from .schemas import BIGINT_MAX, READ_ERRORS, WRITE_ERRORS, Choice, Date, Id, PageOut, Text

appointments = Router(tags=["appointments"])

APPOINTMENT_ID = Path(..., ge=1, le=BIGINT_MAX, description="Appointment id")
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def _day_in_range(value: datetime.date) -> datetime.date:
    try:
        date_in_range(value)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    return value


def _moment_in_range(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError("Give the time with its offset, e.g. 2026-12-08T10:00:00+08:00.")
    _day_in_range(value.date())
    return value


Day = Annotated[Date, AfterValidator(_day_in_range)]
Moment = Annotated[datetime.datetime, AfterValidator(_moment_in_range)]


class AppointmentListParams(PageParams):
    dealer: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="Only this dealer (code or id) of the ones you may see."
    )
    day: Day | None = Field(None, description="Only this local day (YYYY-MM-DD).")
    state: Choice(AppointmentState) | None = None  # type: ignore[valid-type]
    advisor_id: Id | None = None


class SlotParams(Schema):
    dealer: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="The dealer (code or id); your only one when left out."
    )
    day: Day = Field(description="The local day (YYYY-MM-DD).")
    station_id: Id | None = Field(None, description="Also the free bays of this station.")


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class BookIn(_In):
    vehicle_id: Annotated[Id, Field(strict=True)]
    scheduled_at: Moment = Field(description="The appointment time, with its UTC offset.")
    requested_work: Text(300, min_length=1)  # type: ignore[valid-type]
    source_task_id: Annotated[Id, Field(strict=True)] | None = Field(
        None, description="The reminder task the booking comes from (proactive)."
    )
    station_id: Annotated[Id, Field(strict=True)] | None = None
    advisor_id: Annotated[Id, Field(strict=True)] | None = None
    reminder_method: Choice(ReminderMethod) = ReminderMethod.PHONE.value  # type: ignore[valid-type]
    visit_type: Choice(VisitType, blank=True) = ""  # type: ignore[valid-type]
    estimate_amount: Money = Decimal("0")
    expected_parts: Text(300) = ""  # type: ignore[valid-type]
    contact_name: Text(50) = ""  # type: ignore[valid-type]
    contact_phone: Text(20) = ""  # type: ignore[valid-type]
    remarks: Text(300) = ""  # type: ignore[valid-type]


class CancelIn(_In):
    reason: Text(200, min_length=1)  # type: ignore[valid-type]


class PersonOut(Schema):
    id: int
    name: str


class AppointmentOut(Schema):
    id: int
    dealer_id: int
    number: str
    state: str
    source: str
    scheduled_at: datetime.datetime
    customer_id: int
    customer_name: str
    vehicle_id: int
    plate: str
    vin: str
    contact_name: str
    contact_phone: str
    requested_work: str
    visit_type: str
    station_id: int | None
    advisor: PersonOut | None
    reminder_method: str


class AppointmentDetailOut(AppointmentOut):
    source_task_id: int | None
    reminder_task_id: int | None
    estimate_amount: Decimal
    expected_parts: str
    remarks: str
    cancel_reason: str
    accepted_by: PersonOut
    accepted_at: datetime.datetime


class AppointmentPage(PageOut):
    items: list[AppointmentOut]


class SlotOut(Schema):
    start: datetime.datetime
    end: datetime.datetime
    capacity: int
    taken: int
    free: int
    bookable: bool
    station_capacity: int | None
    station_taken: int


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


def _out(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "dealer_id": a.dealer_id,
        "number": a.number,
        "state": a.state,
        "source": a.source,
        "scheduled_at": a.scheduled_at,
        "customer_id": a.customer_id,
        "customer_name": a.customer.name,
        "vehicle_id": a.vehicle_id,
        "plate": a.vehicle.plate,
        "vin": a.vehicle.vin,
        "contact_name": a.contact_name,
        "contact_phone": normalize.mask_phone(a.contact_phone),
        "requested_work": a.requested_work,
        "visit_type": a.visit_type,
        "station_id": a.station_id,
        "advisor": _person(a.advisor),
        "reminder_method": a.reminder_method,
    }


def _detail_out(a: Appointment) -> dict[str, Any]:
    return _out(a) | {
        "source_task_id": a.source_task_id,
        "reminder_task_id": a.reminder_task_id,
        "estimate_amount": a.estimate_amount,
        "expected_parts": a.expected_parts,
        "remarks": a.remarks,
        "cancel_reason": a.cancel_reason,
        "accepted_by": _person(a.accepted_by),
        "accepted_at": a.accepted_at,
    }


def _require(user: User, permission: str) -> None:
    if not user.has_perm(permission):
        raise forbidden(_("Your role may not do this with appointments."))


def _appointment(user: User, pk: int) -> Appointment:
    appointment = booking.appointments_for_user(user).filter(pk=pk).first()
    if appointment is None:
        raise HttpError(404, "Not Found")
    return appointment


@appointments.get("", response={200: AppointmentPage, **READ_ERRORS}, summary="List appointments")
def appointment_list(request: HttpRequest, params: Query[AppointmentListParams]) -> dict:
    """Appointments by time; phone numbers masked."""
    user = api_user(request)
    _require(user, "service.view")
    rows = booking.appointments_for_user(user, _dealer_filter(user, params.dealer))
    if params.day:
        rows = booking.on_day(rows, params.day)
    if params.state:
        rows = rows.filter(state=params.state)
    if params.advisor_id:
        rows = rows.filter(advisor_id=params.advisor_id)
    count, page = page_of_queryset(rows.order_by("scheduled_at", "pk"), params)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_out(a) for a in page],
    }


@appointments.get("/slots", response={200: list[SlotOut], **READ_ERRORS}, summary="Slots of a day")
def appointment_slots(request: HttpRequest, params: Query[SlotParams]) -> list[dict]:
    """The day's slots with their capacity and free places (of a station too)."""
    user = api_user(request)
    _require(user, "service.view")
    dealer = _dealer_filter(user, params.dealer)
    if dealer is None:
        dealers = list(dealers_for_user(user)[:2])
        if len(dealers) != 1:
            raise ValidationError({"dealer": [_("Say which dealer.")]})
        dealer = dealers[0]
    station = None
    if params.station_id is not None:
        station = Station.objects.filter(dealer=dealer, pk=params.station_id).first()
        if station is None:
            raise HttpError(404, "Not Found")
    return [
        {
            "start": slot.start,
            "end": slot.end,
            "capacity": slot.capacity,
            "taken": slot.taken,
            "free": slot.free,
            "bookable": slot.bookable,
            "station_capacity": slot.station_capacity,
            "station_taken": slot.station_taken,
        }
        for slot in booking.appointment_slots(dealer=dealer, day=params.day, station=station)
    ]


@appointments.get("/{appointment_id}", response={200: AppointmentDetailOut, **READ_ERRORS})
def appointment_get(request: HttpRequest, appointment_id: int = APPOINTMENT_ID) -> dict:
    user = api_user(request)
    _require(user, "service.view")
    return _detail_out(_appointment(user, appointment_id))


@appointments.post("", response={201: AppointmentDetailOut, **WRITE_ERRORS}, summary="Book")
def appointment_create(request: HttpRequest, payload: BookIn) -> Status:
    """Book a visit; refused (422) when the slot or station is full or the time is closed."""
    user = api_user(request)
    _require(user, "service.book")
    vehicle = (
        Vehicle.objects.for_user(user).select_related("owner").filter(pk=payload.vehicle_id).first()
    )
    if vehicle is None:
        raise ValidationError({"vehicle_id": [_("No such vehicle at your dealers.")]})
    errors: dict[str, list[str]] = {}
    task = station = advisor = None
    if payload.source_task_id is not None:
        task = ContactTask.objects.filter(
            dealer_id=vehicle.dealer_id, pk=payload.source_task_id
        ).first()
        if task is None:
            errors["source_task_id"] = [_("No such task at this dealer.")]
    if payload.station_id is not None:
        station = Station.objects.filter(dealer_id=vehicle.dealer_id, pk=payload.station_id).first()
        if station is None:
            errors["station_id"] = [_("No such station at this dealer.")]
    if payload.advisor_id is not None:
        advisor = (
            booking.dealer_advisors(dealer_id=vehicle.dealer_id)
            .filter(pk=payload.advisor_id)
            .first()
        )
        if advisor is None:
            errors["advisor_id"] = [_("Choose a service advisor of this dealer.")]
    if errors:
        raise ValidationError(errors)
    appointment = booking.appointment_book(
        vehicle=vehicle,
        by=user,
        scheduled_at=payload.scheduled_at,
        requested_work=payload.requested_work,
        source_task=task,
        station=station,
        advisor=advisor,
        reminder_method=payload.reminder_method,
        visit_type=payload.visit_type,
        estimate_amount=payload.estimate_amount,
        expected_parts=payload.expected_parts,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        remarks=payload.remarks,
        at=timezone.now(),
    )
    return Status(201, _detail_out(_appointment(user, appointment.pk)))


@appointments.post(
    "/{appointment_id}/cancel",
    response={200: AppointmentDetailOut, **WRITE_ERRORS},
    summary="Cancel",
)
def appointment_cancel(
    request: HttpRequest, payload: CancelIn, appointment_id: int = APPOINTMENT_ID
) -> dict:
    user = api_user(request)
    _require(user, "service.book")
    appointment = _appointment(user, appointment_id)
    booking.appointment_cancel(appointment=appointment, by=user, reason=payload.reason)
    return _detail_out(_appointment(user, appointment_id))
