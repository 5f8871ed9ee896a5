"""Complaints (domain §6) over the REST API: the list, one complaint with its log, intake from an
external system and the moves of a complaint.

Every read goes through Complaint.objects.visible_to(): another dealer's complaint answers 404,
and manufacturer staff see escalated complaints only. Writes go through the complaint services;
their field errors answer 422, a move the state machine refuses answers 409.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator, ConfigDict

from dcrc.complaints import choices
from dcrc.complaints.choices import Action
from dcrc.complaints.models import Complaint
from dcrc.complaints.services import (
    ESCALATIONS,
    complaint_actions,
    complaint_move,
    complaint_register,
    manufacturer_staff,
)
from dcrc.core.forms import date_in_range
from dcrc.core.models import Dealer, User
from dcrc.customers import normalize
from dcrc.customers.models import Customer, Vehicle

from .audit import unmask_allowed, unmasked_reads_record
from .auth import api_user
from .customers import _dealer_filter, _dealer_of_new_customer
from .errors import forbidden
from .pagination import PageParams, page_of_queryset
from .schemas import (
    BIGINT_MAX,
    READ_ERRORS,
    WRITE_ERRORS,
    Choice,
    Date,
    DealerOut,
    Id,
    PageOut,
    Text,
)

complaints = Router(tags=["complaints"])

COMPLAINT_ID = Path(..., ge=1, le=BIGINT_MAX, description="Complaint id")
# The moves a client may ask for; registration, assignment and notes have their own ways.
MOVES = [a for a in Action.values if a not in (Action.REGISTER, Action.ASSIGN, Action.NOTE)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def _day_in_range(value: datetime.date) -> datetime.date:
    try:
        date_in_range(value)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    return value


# A day to filter by: a year far off would overflow once shifted to UTC.
Day = Annotated[Date, AfterValidator(_day_in_range)]


# --- parameters and inputs -----------------------------------------------------------------


class ComplaintListParams(PageParams):
    dealer: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="Only this dealer (code or id) of the ones you may see."
    )
    state: Choice(choices.State) | None = None  # type: ignore[valid-type]
    category: Choice(choices.Category) | None = None  # type: ignore[valid-type]
    severity: Choice(choices.Severity) | None = None  # type: ignore[valid-type]
    important: bool | None = Field(None, description="Only important (or only other) ones.")
    escalated: bool | None = Field(None, description="Only escalated (or only other) ones.")
    registered_from: Day | None = Field(
        None, description="Registered on or after this local day (YYYY-MM-DD)."
    )
    registered_to: Day | None = Field(
        None, description="Registered on or before this local day (YYYY-MM-DD)."
    )
    unmask: bool = Field(
        False,
        description="Show the contact's full phone number (needs customers.reveal_phone). "
        "Every unmasked read is logged.",
    )


class UnmaskParams(Schema):
    unmask: bool = Field(
        False,
        description="Show the contact's full phone number (needs customers.reveal_phone). "
        "Every unmasked read is logged.",
    )


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class ComplaintCreateIn(_In):
    """A complaint from an external system; its channel is "api"."""

    dealer: Annotated[Id, Field(strict=True)] | Text(20, min_length=1) | None = Field(  # type: ignore[valid-type]
        None,
        description="The dealer (id or code); may be left out by a user of exactly one dealer.",
    )
    category: Choice(choices.Category)  # type: ignore[valid-type]
    department: Choice(choices.Department)  # type: ignore[valid-type]
    severity: Choice(choices.Severity) = Field(  # type: ignore[valid-type]
        choices.Severity.MEDIUM.value, description="Default: medium."
    )
    typical_case: Choice(choices.TypicalCase, blank=True) = ""  # type: ignore[valid-type]
    subject: Text(200, min_length=1)  # type: ignore[valid-type]
    description: Text(4000, min_length=1)  # type: ignore[valid-type]
    customer_demand: Text(2000) = ""  # type: ignore[valid-type]
    customer_id: Annotated[Id, Field(strict=True)] | None = Field(
        None, description="The archive customer; or give contact_name and contact_phone."
    )
    vehicle_id: Annotated[Id, Field(strict=True)] | None = None
    vehicle_plate: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="The vehicle by its plate (e.g. 粤A12345) instead of its id."
    )
    contact_name: Text(100) = ""  # type: ignore[valid-type]
    contact_phone: Text(30) = ""  # type: ignore[valid-type]
    repair_order_no: Text(30) = ""  # type: ignore[valid-type]
    important_flags: list[Choice(choices.ImportantFlag)] = Field(  # type: ignore[valid-type]
        default_factory=list,
        max_length=len(choices.ImportantFlag.values),
        description="Safety, large loss, media, …: the complaint is escalated at once.",
    )
    loss_amount: Money | None = Field(None, description="Claimed loss in CNY.")


class MoveIn(_In):
    action: Literal[tuple(MOVES)] = Field(description="The step to take.")  # type: ignore[valid-type]
    note: Text(2000) = Field(  # type: ignore[valid-type]
        "", description="Why; required to reject, reopen and escalate."
    )
    solution: Text(4000) | None = Field(None, description="With propose.")  # type: ignore[valid-type]
    resolution: Text(4000) | None = Field(None, description="With resolve.")  # type: ignore[valid-type]
    root_cause: Text(4000) | None = Field(None, description="With close.")  # type: ignore[valid-type]
    prevention: Text(4000) | None = Field(None, description="With close.")  # type: ignore[valid-type]
    owner: Annotated[Id, Field(strict=True)] | None = Field(
        None, description="With an escalation: the manufacturer's person who takes it."
    )


# --- outputs -------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str


class ComplaintOut(Schema):
    id: int
    dealer: DealerOut
    number: str
    channel: str
    category: str
    department: str
    severity: str
    typical_case: str
    state: str
    escalation: str
    is_important: bool
    important_flags: list[str]
    subject: str
    customer_id: int | None
    vehicle_id: int | None
    plate: str
    contact_name: str
    contact_phone: str
    phone_masked: bool
    owner: PersonOut | None
    registered_at: datetime.datetime
    first_response_due: datetime.datetime
    first_response_at: datetime.datetime | None
    resolution_due: datetime.datetime
    escalated_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    reopen_count: int
    overdue: bool


class EventOut(Schema):
    id: int
    action: str
    from_state: str
    to_state: str
    escalation: str
    by: PersonOut | None
    at: datetime.datetime
    note: str


class ComplaintDetailOut(ComplaintOut):
    description: str
    customer_demand: str
    repair_order_no: str
    loss_amount: Decimal | None
    solution: str
    resolution: str
    root_cause: str
    prevention: str
    actions: list[str] = Field(description="The moves possible now.")
    events: list[EventOut]


class ComplaintPage(PageOut):
    items: list[ComplaintOut]


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


def _complaint_out(complaint: Complaint, unmask: bool, now: datetime.datetime) -> dict[str, Any]:
    computed = ("owner", "plate", "contact_phone", "phone_masked", "overdue")
    data = {
        name: getattr(complaint, name)
        for name in ComplaintOut.model_fields
        if name not in computed and hasattr(complaint, name)
    }
    phone = complaint.contact_phone
    data["contact_phone"] = phone if unmask else normalize.mask_phone(phone)
    data["phone_masked"] = not unmask
    data["plate"] = complaint.vehicle.plate if complaint.vehicle else ""
    data["owner"] = _person(complaint.owner)
    data["overdue"] = complaint.is_overdue(now)
    return data


def _detail_out(complaint: Complaint, unmask: bool) -> dict[str, Any]:
    data = _complaint_out(complaint, unmask, timezone.now())
    for name in ComplaintDetailOut.model_fields:
        if name not in data and hasattr(complaint, name) and name not in ("events", "actions"):
            data[name] = getattr(complaint, name)
    data["actions"] = complaint_actions(complaint)
    data["events"] = [
        {
            "id": event.pk,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "escalation": event.escalation,
            "by": _person(event.by),
            "at": event.at,
            "note": event.note,
        }
        for event in complaint.events.select_related("by").order_by("at", "pk")
    ]
    return data


# --- helpers: permission, masking, audit, tenancy ------------------------------------------


def _require(user: User, permission: str, message: str) -> None:
    if not user.has_perm(permission):
        raise forbidden(message)


def _record_reads(request: HttpRequest, unmask: bool, rows: list[Complaint]) -> None:
    unmasked_reads_record(request, unmask, rows, object_type="complaint", fields="contact_phone")


def _visible(user: User, dealer: Dealer | None = None):
    return Complaint.objects.visible_to(user, dealer).select_related("dealer", "vehicle", "owner")


def _complaint(user: User, pk: int) -> Complaint:
    complaint = _visible(user).filter(pk=pk).first()
    if complaint is None:
        raise HttpError(404, "Not Found")
    return complaint


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


# --- endpoints -----------------------------------------------------------------------------


@complaints.get("", response={200: ComplaintPage, **READ_ERRORS}, summary="List complaints")
def complaint_list(request: HttpRequest, params: Query[ComplaintListParams]) -> dict[str, Any]:
    """Complaints, newest first. Manufacturer staff see escalated complaints only."""
    user = api_user(request)
    _require(user, "complaints.view", _("Your role may not see complaints."))
    unmask = unmask_allowed(user, params.unmask)
    rows = _visible(user, _dealer_filter(user, params.dealer))
    if params.state:
        rows = rows.filter(state=params.state)
    if params.category:
        rows = rows.filter(category=params.category)
    if params.severity:
        rows = rows.filter(severity=params.severity)
    if params.important is not None:
        rows = rows.filter(is_important=params.important)
    if params.escalated is not None:
        if params.escalated:
            rows = rows.exclude(escalation=choices.Escalation.NONE)
        else:
            rows = rows.filter(escalation=choices.Escalation.NONE)
    if params.registered_from:
        rows = rows.filter(registered_at__gte=_local_midnight(params.registered_from))
    if params.registered_to:
        next_day = params.registered_to + datetime.timedelta(days=1)
        rows = rows.filter(registered_at__lt=_local_midnight(next_day))
    count, page = page_of_queryset(rows.order_by("-registered_at", "-pk"), params)
    _record_reads(request, unmask, page)
    now = timezone.now()
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_complaint_out(complaint, unmask, now) for complaint in page],
    }


@complaints.get("/{complaint_id}", response={200: ComplaintDetailOut, **READ_ERRORS})
def complaint_get(
    request: HttpRequest, params: Query[UnmaskParams], complaint_id: int = COMPLAINT_ID
) -> dict[str, Any]:
    """One complaint with its log and the moves possible now."""
    user = api_user(request)
    _require(user, "complaints.view", _("Your role may not see complaints."))
    unmask = unmask_allowed(user, params.unmask)
    complaint = _complaint(user, complaint_id)
    _record_reads(request, unmask, [complaint])
    return _detail_out(complaint, unmask)


def _customer_and_vehicle(
    dealer: Dealer, payload: ComplaintCreateIn
) -> tuple[Customer | None, Vehicle | None]:
    errors: dict[str, list[str]] = {}
    customer = vehicle = None
    if payload.customer_id is not None:
        customer = Customer.objects.filter(dealer=dealer, pk=payload.customer_id).first()
        if customer is None:
            errors["customer_id"] = [_("No such customer at this dealer.")]
    if payload.vehicle_id is not None:
        vehicle = Vehicle.objects.filter(dealer=dealer, pk=payload.vehicle_id).first()
        if vehicle is None:
            errors["vehicle_id"] = [_("No such vehicle at this dealer.")]
    elif payload.vehicle_plate:
        try:
            plate = normalize.normalize_plate(payload.vehicle_plate)
        except ValidationError as error:
            errors["vehicle_plate"] = error.messages
        else:
            vehicle = Vehicle.objects.filter(dealer=dealer, plate=plate).first()
            if vehicle is None:
                errors["vehicle_plate"] = [_("No vehicle with this plate at this dealer.")]
    if errors:
        raise ValidationError(errors)
    return customer, vehicle


@complaints.post("", response={201: ComplaintDetailOut, **WRITE_ERRORS})
def complaint_create(
    request: HttpRequest, payload: ComplaintCreateIn, params: Query[UnmaskParams]
) -> Status:
    """Register a complaint from an external system (channel "api"). The customer is named by
    id, or found through the vehicle (id or plate); without one, give the contact's name and
    phone. An important complaint is escalated to the manufacturer at once."""
    user = api_user(request)
    _require(user, "complaints.register", _("Your role may not register complaints."))
    unmask = unmask_allowed(user, params.unmask)
    dealer = _dealer_of_new_customer(user, payload.dealer)
    customer, vehicle = _customer_and_vehicle(dealer, payload)
    phone = payload.contact_phone
    if phone:
        try:
            phone = normalize.normalize_phone(phone)
        except ValidationError as error:
            raise ValidationError({"contact_phone": error.messages}) from None
    complaint = complaint_register(
        dealer=dealer,
        by=user,
        channel=choices.Channel.API,
        category=payload.category,
        department=payload.department,
        severity=payload.severity,
        typical_case=payload.typical_case,
        subject=payload.subject,
        description=payload.description,
        customer_demand=payload.customer_demand,
        customer=customer,
        vehicle=vehicle,
        contact_name=payload.contact_name,
        contact_phone=phone,
        repair_order_no=payload.repair_order_no,
        important_flags=list(payload.important_flags),
        loss_amount=payload.loss_amount,
    )
    complaint = _complaint(user, complaint.pk)
    _record_reads(request, unmask, [complaint])
    return Status(201, _detail_out(complaint, unmask))


@complaints.post("/{complaint_id}/moves", response={200: ComplaintDetailOut, **WRITE_ERRORS})
def complaint_move_create(
    request: HttpRequest, payload: MoveIn, complaint_id: int = COMPLAINT_ID
) -> dict[str, Any]:
    """Take one step: acknowledge, investigate, propose (solution), accept, reject (note),
    resolve (resolution), confirm_follow_up, close (root_cause, prevention), reopen (note),
    escalate_crc / escalate_regional / request_on_site (note, optional owner). A step the
    complaint's state does not allow answers 409 with the steps possible now."""
    user = api_user(request)
    complaint = _complaint(user, complaint_id)
    if payload.action in ESCALATIONS:
        _require(user, "complaints.escalate", _("Your role may not escalate complaints."))
    else:
        _require(user, "complaints.handle", _("Your role may not handle complaints."))
    fields: dict[str, Any] = {
        name: value
        for name in ("solution", "resolution", "root_cause", "prevention")
        if (value := getattr(payload, name)) is not None
    }
    if payload.owner is not None:
        # Only the dealer's manufacturer staff can take an escalation: nobody else is looked up.
        staff = {user.pk: user for user in manufacturer_staff(complaint.dealer)}
        if payload.owner not in staff:
            raise ValidationError({"owner": [_("Choose someone of the dealer's manufacturer.")]})
        fields["owner"] = staff[payload.owner]
    try:
        complaint_move(
            complaint=complaint, action=payload.action, by=user, note=payload.note, **fields
        )
    except ValidationError as error:
        refused = getattr(error, "error_dict", {}).keys() == {"action"}
        if refused:  # the state machine says no: a conflict with the complaint's state
            raise HttpError(409, " ".join(error.messages)) from None
        raise
    return _detail_out(_complaint(user, complaint.pk), unmask=False)
