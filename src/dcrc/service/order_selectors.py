"""Reads of reception and repair orders: the order page, the order list, the advisor's
dashboard, catalogue searches. Views and the API share them; each reads with a fixed number
of queries whatever the data's size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers import normalize
from dcrc.customers.models import ServiceVisit, Vehicle
from dcrc.parts.choices import ReservationState
from dcrc.parts.models import Part, Reservation, StockLevel

from .choices import IN_SHOP_STATES, OrderState
from .models import Appointment, LabourItem, RepairOrder

PAGE_SIZE = 25
SEARCH_LIMIT = 12
# The dashboard's lists are bounded: a dealer has at most a few hundred cars in at once.
BOARD_LIMIT = 200
# Before "ready": the vehicles in the shop whose promised time can still slip.
# Reception details are corrected until the order is settled (service.orders.repair_order_update).
RECEPTION_EDITABLE_STATES = tuple(s for s in IN_SHOP_STATES if s != OrderState.SETTLED)
NOT_READY_STATES = tuple(
    s for s in IN_SHOP_STATES if s not in (OrderState.READY, OrderState.SETTLED)
)


def orders_for_user(user: User, dealer: Dealer | None = None) -> QuerySet[RepairOrder]:
    return RepairOrder.objects.for_user(user, dealer).select_related(
        "customer", "vehicle", "advisor", "dealer"
    )


def order_for_user(*, user: User, pk: int) -> RepairOrder:
    """One repair order the user may see (DoesNotExist otherwise: the view answers 404)."""
    return orders_for_user(user).select_related("appointment").get(pk=pk)


@dataclass
class OrderPage:
    order: RepairOrder
    job_lines: list
    part_lines: list
    events: list
    last_visit: ServiceVisit | None


def order_page(order: RepairOrder) -> OrderPage:
    return OrderPage(
        order=order,
        job_lines=list(order.job_lines.select_related("technician", "station")),
        part_lines=list(order.part_lines.all()),
        events=list(order.events.select_related("by").order_by("-at", "-id")[:100]),
        last_visit=vehicle_last_visit(order.vehicle, before=order.service_visit_id),
    )


def vehicle_last_visit(vehicle: Vehicle, before: int | None = None) -> ServiceVisit | None:
    """The vehicle's latest recorded visit (not the one this order itself recorded)."""
    visits = ServiceVisit.objects.filter(vehicle=vehicle)
    if before is not None:
        visits = visits.exclude(pk=before)
    return visits.order_by("-visit_date", "-id").first()


# --- the list ------------------------------------------------------------------------------


@dataclass
class OrderFilter:
    """The list's filters as the query string gives them; unknown values are ignored."""

    state: str = ""  # a state, or "in_shop"
    advisor: int | None = None
    day_from: datetime.date | None = None
    day_to: datetime.date | None = None
    q: str = ""
    active: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params) -> OrderFilter:
        filters = cls()
        state = params.get("state", "")
        if state in OrderState.values or state == "in_shop":
            filters.state = state
        advisor = params.get("advisor", "")
        if advisor.isdigit() and len(advisor) < 12:
            filters.advisor = int(advisor)
        for name, attr in (("from", "day_from"), ("to", "day_to")):
            try:
                day = datetime.date.fromisoformat(params.get(name, ""))
            except ValueError:
                continue
            if 1990 <= day.year <= 2100:
                setattr(filters, attr, day)
        filters.q = params.get("q", "").strip()[:40]
        filters.active = {
            name: params.get(name)
            for name in ("state", "advisor", "from", "to", "q")
            if params.get(name)
        }
        return filters


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def order_list(*, user: User, dealer: Dealer | None, filters: OrderFilter) -> QuerySet:
    rows = orders_for_user(user, dealer)
    if filters.state == "in_shop":
        rows = rows.filter(state__in=IN_SHOP_STATES)
    elif filters.state:
        rows = rows.filter(state=filters.state)
    if filters.advisor:
        rows = rows.filter(advisor_id=filters.advisor)
    if filters.day_from:
        rows = rows.filter(opened_at__gte=_day_start(filters.day_from))
    if filters.day_to:
        rows = rows.filter(opened_at__lt=_day_start(filters.day_to + datetime.timedelta(1)))
    if filters.q:
        rows = order_search(rows, filters.q)
    return rows.order_by("-opened_at", "-id")


def order_search(rows: QuerySet[RepairOrder], query: str) -> QuerySet[RepairOrder]:
    """Orders by number (or its tail), plate (or its tail) or VIN."""
    query = query.strip()[:40]
    if not query:
        return rows
    plate = normalize.plate_query(query)
    match = Q(number__iexact=query) | Q(number__endswith=query.upper())
    if plate:
        match |= Q(vehicle__plate__contains=plate)
    if len(query) == 17:
        match |= Q(vehicle__vin=query.upper())
    return rows.filter(match)


def order_advisors(*, user: User, dealer: Dealer | None) -> list[User]:
    """The advisors to filter by: the dealers' reception staff."""
    from .rules import RECEPTION_ROLES

    return list(
        User.objects.filter(
            dealers__in=scoped_dealer_ids(user, dealer), role__in=RECEPTION_ROLES, is_active=True
        )
        .distinct()
        .order_by("username")[:100]
    )


# --- the advisor's dashboard -----------------------------------------------------------------


@dataclass
class AdvisorBoard:
    appointments: list[Appointment]
    in_shop: list[RepairOrder]
    ready: list[RepairOrder]
    late_count: int
    now: datetime.datetime


def advisor_board(
    *, user: User, dealer: Dealer | None, now: datetime.datetime, mine: bool = False
) -> AdvisorBoard:
    """Today's appointments, the vehicles in the shop (late ones first), those ready to go.

    Three queries whatever the numbers; `mine` narrows to the user's own customers."""
    today = timezone.localdate(now)
    start = _day_start(today)
    appointments = (
        Appointment.objects.for_user(user, dealer)
        .filter(scheduled_at__gte=start, scheduled_at__lt=start + datetime.timedelta(1))
        .select_related("customer", "vehicle", "advisor", "repair_order")
        .order_by("scheduled_at", "id")
    )
    orders = orders_for_user(user, dealer).filter(state__in=IN_SHOP_STATES)
    if mine:
        appointments = appointments.filter(Q(advisor=user) | Q(advisor__isnull=True))
        orders = orders.filter(advisor=user)
    shop = list(
        orders.filter(state__in=NOT_READY_STATES).order_by(
            Coalesce("promised_at", Value(now + datetime.timedelta(days=3650))), "opened_at"
        )[:BOARD_LIMIT]
    )
    ready = list(
        orders.filter(state__in=(OrderState.READY, OrderState.SETTLED)).order_by(
            "ready_at", "opened_at"
        )[:BOARD_LIMIT]
    )
    for order in shop:
        order.is_late = order.promised_at is not None and order.promised_at < now
    return AdvisorBoard(
        appointments=list(appointments[:BOARD_LIMIT]),
        in_shop=shop,
        ready=ready,
        late_count=sum(1 for order in shop if order.is_late),
        now=now,
    )


def appointment_for_reception(*, user: User, pk: int) -> Appointment:
    return (
        Appointment.objects.for_user(user)
        .select_related("customer", "vehicle", "advisor")
        .get(pk=pk)
    )


# --- catalogue searches ----------------------------------------------------------------------


def labour_search(*, dealer_id: int, query: str) -> list[LabourItem]:
    query = query.strip()[:40]
    items = LabourItem.objects.filter(dealer_id=dealer_id, active=True)
    if query:
        items = items.filter(Q(code__istartswith=query) | Q(name__icontains=query))
    return list(items.order_by("code")[:SEARCH_LIMIT])


def part_search(*, dealer_id: int, query: str) -> list[Part]:
    """Parts by number or name, each with its stock on hand and available (less reserved)."""
    query = query.strip()[:40]
    parts = Part.objects.filter(dealer_id=dealer_id, active=True)
    if query:
        parts = parts.filter(Q(code__istartswith=query) | Q(name__icontains=query))
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))
    on_hand = (
        StockLevel.objects.filter(part=OuterRef("pk"))
        .values("part")
        .annotate(total=Sum("on_hand"))
        .values("total")
    )
    reserved = (
        Reservation.objects.filter(part=OuterRef("pk"), state=ReservationState.RESERVED)
        .values("part")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    found = list(
        parts.annotate(
            on_hand=Coalesce(Subquery(on_hand), zero),
            reserved=Coalesce(Subquery(reserved), zero),
        ).order_by("code")[:SEARCH_LIMIT]
    )
    for part in found:
        part.available = part.on_hand - part.reserved
    return found


def order_totals(order: RepairOrder) -> dict[str, Any]:
    """The money block of the page and the API."""
    return {
        "labour_gross": order.labour_gross,
        "labour_amount": order.labour_amount,
        "parts_gross": order.parts_gross,
        "parts_amount": order.parts_amount,
        "discount": order.labour_gross
        - order.labour_amount
        + order.parts_gross
        - order.parts_amount,
        "fees": order.fees,
        "total": order.total,
        "customer_payable": order.customer_payable,
        "paid": order.paid,
        "outstanding": order.outstanding,
    }
