"""Repair orders (domain §8) over the REST API: the list and one order with its lines and
totals. Read only: reception and every step go through the screens and service.orders.

Every read goes through RepairOrder.objects.for_user(): another dealer's order answers 404.
Phone numbers are masked unless `unmask=true` and the role may see them; such reads are logged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator

from dcrc.core.forms import date_in_range
from dcrc.core.models import User
from dcrc.customers import normalize
from dcrc.service import order_selectors as selectors
from dcrc.service.choices import BusinessType, OrderState
from dcrc.service.models import RepairOrder

from .audit import unmask_allowed, unmasked_reads_record
from .auth import api_user
from .customers import _dealer_filter
from .errors import forbidden
from .pagination import PageParams, page_of_queryset
from .schemas import BIGINT_MAX, READ_ERRORS, Choice, Date, DealerOut, Id, PageOut, Text

repair_orders = Router(tags=["repair orders"])

ORDER_ID = Path(..., ge=1, le=BIGINT_MAX, description="Repair order id")


def _day_in_range(value: datetime.date) -> datetime.date:
    try:
        date_in_range(value)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    return value


Day = Annotated[Date, AfterValidator(_day_in_range)]


class OrderListParams(PageParams):
    dealer: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="Only this dealer (code or id) of the ones you may see."
    )
    state: Choice(OrderState) | None = None  # type: ignore[valid-type]
    in_shop: bool | None = Field(None, description="Only vehicles still at the dealer.")
    business_type: Choice(BusinessType) | None = None  # type: ignore[valid-type]
    advisor_id: Id | None = None
    vehicle_id: Id | None = None
    q: Text(40) | None = Field(  # type: ignore[valid-type]
        None, description="Order number, plate (or its tail) or VIN."
    )
    opened_from: Day | None = Field(None, description="Opened on or after this local day.")
    opened_to: Day | None = Field(None, description="Opened on or before this local day.")
    unmask: bool = Field(
        False,
        description="Show full phone numbers (needs customers.reveal_phone). "
        "Every unmasked read is logged.",
    )


class UnmaskParams(Schema):
    unmask: bool = Field(
        False,
        description="Show full phone numbers (needs customers.reveal_phone). "
        "Every unmasked read is logged.",
    )


class PersonOut(Schema):
    id: int
    name: str


class VehicleRef(Schema):
    id: int
    plate: str
    vin: str
    title: str


class CustomerRef(Schema):
    id: int
    name: str
    mobile: str
    phone_masked: bool


class TotalsOut(Schema):
    labour_gross: Decimal
    labour_amount: Decimal
    parts_gross: Decimal
    parts_amount: Decimal
    discount: Decimal
    fees: Decimal
    total: Decimal
    customer_payable: Decimal
    paid: Decimal
    outstanding: Decimal


class RepairOrderOut(Schema):
    id: int
    dealer: DealerOut
    number: str
    state: str
    business_type: str
    visit_type: str
    customer: CustomerRef
    vehicle: VehicleRef
    advisor: PersonOut
    odometer: int
    opened_at: datetime.datetime
    promised_at: datetime.datetime | None
    released_at: datetime.datetime | None
    revision: int
    confirmed_revision: int
    awaiting_confirmation: bool
    total: Decimal
    customer_payable: Decimal


class JobLineOut(Schema):
    id: int
    code: str
    name: str
    work_type: str
    standard_hours: Decimal
    billed_hours: Decimal
    rate: Decimal
    discount_pct: Decimal
    gross: Decimal
    amount: Decimal
    state: str
    technician: PersonOut | None


class PartLineOut(Schema):
    id: int
    part_id: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    gross: Decimal
    amount: Decimal
    issued_quantity: Decimal


class RepairOrderDetailOut(RepairOrderOut):
    appointment_id: int | None
    contact_name: str
    contact_phone: str
    payment_method: str
    fuel_level: int
    customer_description: str
    diagnosis: str
    items_left: str
    insurer: str
    paying_company: str
    insurance_report_no: str
    loss_assessment: Decimal
    deductible: Decimal
    estimate_amount: Decimal
    confirmed_at: datetime.datetime | None
    signed: bool = Field(description="Confirmed by a signature on screen or on paper.")
    cancel_reason: str
    job_lines: list[JobLineOut]
    part_lines: list[PartLineOut]
    totals: TotalsOut


class RepairOrderPage(PageOut):
    items: list[RepairOrderOut]


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


def _phone(value: str, unmask: bool) -> str:
    return value if unmask or not value else normalize.mask_phone(value)


def _order_out(order: RepairOrder, unmask: bool) -> dict[str, Any]:
    vehicle, customer = order.vehicle, order.customer
    return {
        "id": order.pk,
        "dealer": order.dealer,
        "number": order.number,
        "state": order.state,
        "business_type": order.business_type,
        "visit_type": order.visit_type,
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "mobile": _phone(customer.mobile, unmask),
            "phone_masked": not unmask,
        },
        "vehicle": {
            "id": vehicle.pk,
            "plate": vehicle.plate,
            "vin": vehicle.vin,
            "title": vehicle.title,
        },
        "advisor": _person(order.advisor),
        "odometer": order.odometer,
        "opened_at": order.opened_at,
        "promised_at": order.promised_at,
        "released_at": order.released_at,
        "revision": order.revision,
        "confirmed_revision": order.confirmed_revision,
        "awaiting_confirmation": order.confirmed_at is not None and order.awaiting_confirmation,
        "total": order.total,
        "customer_payable": order.customer_payable,
    }


def _detail_out(order: RepairOrder, unmask: bool) -> dict[str, Any]:
    data = _order_out(order, unmask)
    for name in (
        "appointment_id",
        "contact_name",
        "payment_method",
        "fuel_level",
        "customer_description",
        "diagnosis",
        "items_left",
        "insurer",
        "paying_company",
        "insurance_report_no",
        "loss_assessment",
        "deductible",
        "estimate_amount",
        "confirmed_at",
        "cancel_reason",
    ):
        data[name] = getattr(order, name)
    data["contact_phone"] = _phone(order.contact_phone, unmask)
    data["signed"] = bool(order.signature) or order.signed_on_paper
    data["job_lines"] = [
        {
            **{
                name: getattr(line, name)
                for name in JobLineOut.model_fields
                if name != "technician"
            },
            "technician": _person(line.technician),
        }
        for line in order.job_lines.select_related("technician")
    ]
    data["part_lines"] = [
        {name: getattr(line, name) for name in PartLineOut.model_fields}
        for line in order.part_lines.all()
    ]
    data["totals"] = selectors.order_totals(order)
    return data


def _record_reads(request: HttpRequest, unmask: bool, rows: list[RepairOrder]) -> None:
    unmasked_reads_record(
        request, unmask, rows, object_type="repair_order", fields="mobile, contact_phone"
    )


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _require_view(user: User) -> None:
    if not user.has_perm("service.view"):
        raise forbidden(_("Your role may not see repair orders."))


@repair_orders.get("", response={200: RepairOrderPage, **READ_ERRORS}, summary="List repair orders")
def repair_order_list(request: HttpRequest, params: Query[OrderListParams]) -> dict[str, Any]:
    """Repair orders, newest first, of the dealers you may see."""
    user = api_user(request)
    _require_view(user)
    unmask = unmask_allowed(user, params.unmask)
    rows = selectors.orders_for_user(user, _dealer_filter(user, params.dealer))
    if params.state:
        rows = rows.filter(state=params.state)
    if params.in_shop is not None:
        rows = (rows.filter if params.in_shop else rows.exclude)(state__in=selectors.IN_SHOP_STATES)
    if params.business_type:
        rows = rows.filter(business_type=params.business_type)
    if params.advisor_id:
        rows = rows.filter(advisor_id=params.advisor_id)
    if params.vehicle_id:
        rows = rows.filter(vehicle_id=params.vehicle_id)
    if params.q:
        rows = selectors.order_search(rows, params.q)
    if params.opened_from:
        rows = rows.filter(opened_at__gte=_local_midnight(params.opened_from))
    if params.opened_to:
        next_day = params.opened_to + datetime.timedelta(days=1)
        rows = rows.filter(opened_at__lt=_local_midnight(next_day))
    count, page = page_of_queryset(rows.order_by("-opened_at", "-pk"), params)
    _record_reads(request, unmask, page)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_order_out(order, unmask) for order in page],
    }


@repair_orders.get(
    "/{order_id}", response={200: RepairOrderDetailOut, **READ_ERRORS}, summary="A repair order"
)
def repair_order_get(
    request: HttpRequest, params: Query[UnmaskParams], order_id: int = ORDER_ID
) -> dict[str, Any]:
    """One repair order with its job and part lines and its totals."""
    user = api_user(request)
    _require_view(user)
    unmask = unmask_allowed(user, params.unmask)
    order = selectors.orders_for_user(user).filter(pk=order_id).first()
    if order is None:
        raise HttpError(404, "Not Found")
    _record_reads(request, unmask, [order])
    return _detail_out(order, unmask)
