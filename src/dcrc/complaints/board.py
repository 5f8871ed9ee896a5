"""Reads of the complaint list and the manager dashboard: a few SQL queries whatever the size.

Tenancy goes through Complaint.objects.visible_to() (manufacturer staff see only escalations).
The list counts at most COUNT_CAP matching rows: past that, "more than 1 000" tells the same
and the database stops counting early; a text search does not count at all.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, Q, QuerySet, When
from django.db.models.functions import Least
from django.utils import timezone

from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers import normalize
from dcrc.customers.models import Customer, Vehicle

from . import choices
from .choices import Escalation, State
from .models import Complaint

PAGE_SIZE = 25
COUNT_CAP = 1_000
OPEN = "open"
SORTS = ("newest", "due")
# Vehicles a plate search may match (a plate sits on one car; a tail on a few).
MATCHES = 200
# A complaint number as the intake service writes it: TS + year + sequence.
_NUMBER_RE = re.compile(r"^TS\d{1,12}$", re.IGNORECASE)
FULL_NUMBER = len("TS2026000001")
_PLATE_RE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{3,7}$")


@dataclass
class ComplaintFilter:
    """The list's filters as the query string gives them; unknown values are ignored."""

    state: str = ""  # a state, or "open"
    category: str = ""
    severity: str = ""
    channel: str = ""
    department: str = ""
    important: bool = False
    escalated: bool = False
    overdue: bool = False
    mine: bool = False
    q: str = ""
    registered_from: datetime.date | None = None
    registered_to: datetime.date | None = None
    sort: str = "newest"
    # The names of the filters set, for the pagination links.
    active: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params) -> ComplaintFilter:
        def choice(name: str, values) -> str:
            value = params.get(name, "")
            return value if value in values else ""

        def day(name: str) -> datetime.date | None:
            try:
                value = datetime.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None
            # Year 1 or 9999 would overflow once shifted to UTC.
            return value if 1990 <= value.year <= 2100 else None

        result = cls(
            state=choice("state", [OPEN, *State.values]),
            category=choice("category", choices.Category.values),
            severity=choice("severity", choices.Severity.values),
            channel=choice("channel", choices.Channel.values),
            department=choice("department", choices.Department.values),
            important=params.get("important") == "1",
            escalated=params.get("escalated") == "1",
            overdue=params.get("overdue") == "1",
            mine=params.get("mine") == "1",
            q=normalize.normalize_text(params.get("q", ""))[:50].replace("\x00", ""),
            registered_from=day("from"),
            registered_to=day("to"),
            sort=choice("sort", SORTS) or "newest",
        )
        result.active = {
            name: params[name]
            for name in (
                *("state", "category", "severity", "channel", "department"),
                *("important", "escalated", "overdue", "mine", "q", "from", "to", "sort"),
            )
            if params.get(name)
        }
        return result


def _text_match(rows: QuerySet, query: str, dealer_ids: list[int]) -> QuerySet:
    """A complaint number, a phone, a plate, or words of the subject or the contact's name
    (the customer's name as registered)."""
    cleaned = query.strip()
    if _NUMBER_RE.match(cleaned):
        number = cleaned.upper()
        if len(number) >= FULL_NUMBER:  # the (dealer, number) unique index
            return rows.filter(number=number)
        return rows.filter(number__startswith=number)
    digits = normalize.phone_digits_query(cleaned)
    if len(digits) >= 7 and len(digits) == len(re.sub(r"[\s+\-()]", "", cleaned)):
        customers = Customer.objects.filter(dealer_id__in=dealer_ids, mobile=digits)
        typed = {digits, cleaned, normalize.format_phone(digits)}
        return rows.filter(Q(contact_phone__in=typed) | Q(customer__in=customers.values("pk")))
    plate = normalize.plate_query(cleaned)
    if _PLATE_RE.match(plate):
        vehicles = Vehicle.objects.filter(dealer_id__in=dealer_ids)
        try:  # the whole plate, province included: the (dealer, plate) index
            vehicles = vehicles.filter(plate=normalize.normalize_plate(cleaned))
        except ValidationError:
            vehicles = vehicles.filter(plate__endswith=plate)
        # A short literal list: the database reads it through the complaints' vehicle index.
        ids = list(vehicles.values_list("pk", flat=True)[:MATCHES])
        return rows.filter(vehicle_id__in=ids)
    words = Q(subject__icontains=cleaned) | Q(contact_name__icontains=cleaned)
    if cleaned.isdigit():  # the last digits of a phone or of a complaint number
        words |= Q(contact_phone__endswith=cleaned) | Q(number__endswith=cleaned)
    return rows.filter(words)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def complaint_list(
    *,
    user: User,
    dealer: Dealer | None,
    filters: ComplaintFilter,
    now: datetime.datetime | None = None,
) -> QuerySet[Complaint]:
    """The complaints the list shows, newest first or most urgent first."""
    now = now or timezone.now()
    rows = Complaint.objects.visible_to(user, dealer)
    dealer_ids = scoped_dealer_ids(user, dealer)
    if filters.state == OPEN:
        rows = rows.open()
    elif filters.state == State.CLOSED:
        # "Not open" rather than "= closed": most complaints are closed, and a condition that
        # no index answers lets the database walk the registration-time index in order.
        rows = rows.exclude(state__in=choices.OPEN_STATES)
    elif filters.state:
        rows = rows.filter(state=filters.state)
    for name in ("category", "severity", "channel", "department"):
        if value := getattr(filters, name):
            rows = rows.filter(**{name: value})
    if filters.important:
        rows = rows.filter(is_important=True)
    if filters.escalated:
        rows = rows.exclude(escalation=Escalation.NONE)
    if filters.overdue:
        rows = rows.overdue(now)
    if filters.mine:
        rows = rows.filter(_mine(user))
    if filters.registered_from:
        rows = rows.filter(registered_at__gte=_local_midnight(filters.registered_from))
    if filters.registered_to:
        end = filters.registered_to + datetime.timedelta(days=1)
        rows = rows.filter(registered_at__lt=_local_midnight(end))
    if filters.q:
        rows = _text_match(rows, filters.q, dealer_ids)
    # Ties broken by id ascending: the (dealer, -registered_at) index holds that order itself.
    return rows.order_by(*SORT_ORDER[filters.sort])


SORT_ORDER = {"newest": ("-registered_at", "id"), "due": ("resolution_due", "id")}


@dataclass
class ComplaintPage:
    """One page of the list. `count` is exact up to COUNT_CAP, None when not counted."""

    rows: list[Complaint]
    number: int
    per_page: int
    has_next: bool
    count: int | None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def capped(self) -> bool:
        return self.count is not None and self.count > COUNT_CAP

    @property
    def num_pages(self) -> int | None:
        if self.count is None or self.capped:
            return None
        return max(1, -(-self.count // self.per_page))


def _page_number(value: Any) -> int:
    try:
        return max(1, min(int(value), 100_000))
    except (TypeError, ValueError):
        return 1


def complaint_page(rows: QuerySet[Complaint], number: Any, *, counted: bool = True):
    """A page of the list in one query, plus a count bounded by COUNT_CAP when `counted`.

    The page's ids come from a subquery on the bare table (an OFFSET skips narrow rows, not
    joined ones); the outer query adds the customer, vehicle, handler and dealer of those 25.
    One row more than a page tells whether a next page exists, so that a search need not count.
    A page past the end falls back to the first.
    """
    number = _page_number(number)
    order = rows.query.order_by
    for attempt in (number, 1):
        bottom = (attempt - 1) * PAGE_SIZE
        ids = rows.values("pk")[bottom : bottom + PAGE_SIZE + 1]
        found = list(
            Complaint.objects.filter(pk__in=ids)
            .select_related("customer", "vehicle", "owner", "dealer")
            .order_by(*order)
        )
        if found or attempt == 1:
            break
    count = rows.order_by()[: COUNT_CAP + 1].count() if counted else None
    return ComplaintPage(
        rows=found[:PAGE_SIZE],
        number=attempt,
        per_page=PAGE_SIZE,
        has_next=len(found) > PAGE_SIZE,
        count=count,
    )


# --- dashboard ------------------------------------------------------------------------------


@dataclass
class Dashboard:
    figures: dict[str, int]
    by_state: list[tuple[str, str, int]]  # (state, label, count) of the open states, in order
    overdue: list[Complaint]
    important: list[Complaint]
    mine: list[Complaint]


def _overdue_q(now: datetime.datetime) -> Q:
    late_response = Q(first_response_at__isnull=True, first_response_due__lt=now)
    late_resolution = Q(state__in=choices.ACTIVE_STATES, resolution_due__lt=now)
    return late_response | late_resolution


def _detailed(rows: QuerySet, order: tuple[str, ...], limit: int, **aliases) -> list[Complaint]:
    """The first `limit` rows in `order`, chosen on the bare table, then read with their
    customer, vehicle, handler and dealer: the joins touch `limit` rows, not every match."""
    ids = rows.order_by(*order).values("pk")[:limit]
    return list(
        Complaint.objects.filter(pk__in=ids)
        .alias(**aliases)
        .select_related("customer", "vehicle", "owner", "dealer")
        .order_by(*order)
    )


def month_start(now: datetime.datetime) -> datetime.datetime:
    return _local_midnight(timezone.localdate(now).replace(day=1))


def complaint_dashboard(
    *,
    user: User,
    dealer: Dealer | None,
    now: datetime.datetime | None = None,
    limit: int = 20,
) -> Dashboard:
    """The manager's board: six figures, counts by state and three short lists (5 queries):
    the 20 most overdue, the 10 latest important or escalated, the user's 10 most urgent."""
    now = now or timezone.now()
    visible = Complaint.objects.visible_to(user, dealer)
    open_rows = visible.open()
    late_response = Q(first_response_at__isnull=True, first_response_due__lt=now)
    late_resolution = Q(state__in=choices.ACTIVE_STATES, resolution_due__lt=now)
    figures = open_rows.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=late_response | late_resolution),
        overdue_response=Count("id", filter=late_response),
        overdue_resolution=Count("id", filter=late_resolution),
        important=Count("id", filter=Q(is_important=True)),
        escalated=Count("id", filter=~Q(escalation=Escalation.NONE)),
        awaiting_follow_up=Count("id", filter=Q(state=State.RESOLVED)),
        mine=Count("id", filter=_mine(user)),
        **{f"state_{state}": Count("id", filter=Q(state=state)) for state in choices.OPEN_STATES},
    )
    # By state: the open ones. All-time closed would count every row ever, on every view;
    # the closed of this month stand for them.
    by_state = [
        (state, State(state).label, figures.pop(f"state_{state}")) for state in choices.OPEN_STATES
    ]
    figures["closed_this_month"] = visible.filter(
        state=State.CLOSED, closed_at__gte=month_start(now)
    ).count()
    late_since = Case(
        When(first_response_at__isnull=True, then=Least("first_response_due", "resolution_due")),
        default=F("resolution_due"),
    )
    overdue = _detailed(
        open_rows.filter(_overdue_q(now)).alias(late_since=late_since),
        ("late_since", "id"),
        limit,
        late_since=late_since,
    )
    important = _detailed(
        open_rows.filter(Q(is_important=True) | ~Q(escalation=Escalation.NONE)),
        ("-registered_at", "id"),
        limit // 2,
    )
    mine = _detailed(open_rows.filter(_mine(user)), ("resolution_due", "id"), limit // 2)
    return Dashboard(
        figures=figures, by_state=by_state, overdue=overdue, important=important, mine=mine
    )


def overdue_count(
    *, user: User, dealer: Dealer | None, now: datetime.datetime | None = None
) -> int:
    """Complaints past a deadline (the home page's card): one indexed count."""
    return Complaint.objects.visible_to(user, dealer).overdue(now or timezone.now()).count()


def _mine(user: User) -> Q:
    """The complaints a user answers for: as handler, or as the manufacturer's owner of an
    escalation (CRC or regional)."""
    return Q(owner=user) | Q(crc_owner=user) | Q(regional_owner=user)
