"""Reads of the complaint list and the manager dashboard: a few SQL queries whatever the size.

Tenancy goes through Complaint.objects.visible_to() (manufacturer staff see only escalations).
The list counts at most COUNT_CAP matching rows: past that, "more than 10 000" tells the same
and the database stops counting early.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Q, QuerySet, When
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.functional import cached_property

from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers import normalize
from dcrc.customers.models import Customer, Vehicle

from . import choices
from .choices import Escalation, State
from .models import Complaint

PAGE_SIZE = 25
COUNT_CAP = 10_000
OPEN = "open"
SORTS = ("newest", "due")
# A complaint number as the intake service writes it: TS + year + sequence.
_NUMBER_RE = re.compile(r"^TS\d{1,10}$", re.IGNORECASE)
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
                return datetime.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

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
    """A complaint number, a phone, a plate, or words of the subject or the customer's name."""
    cleaned = query.strip()
    if _NUMBER_RE.match(cleaned):
        number = cleaned.upper()
        # A range on the (dealer, number) index: the number typed so far.
        return rows.filter(number__gte=number, number__lt=number + "~")
    digits = normalize.phone_digits_query(cleaned)
    if len(digits) >= 7 and len(digits) == len(re.sub(r"[\s+\-()]", "", cleaned)):
        customers = Customer.objects.filter(dealer_id__in=dealer_ids, mobile=digits)
        return rows.filter(Q(contact_phone__contains=digits) | Q(customer__in=customers))
    plate = normalize.plate_query(cleaned)
    if _PLATE_RE.match(plate):
        vehicles = Vehicle.objects.filter(dealer_id__in=dealer_ids, plate__endswith=plate)
        return rows.filter(vehicle__in=vehicles)
    return rows.filter(
        Q(subject__icontains=cleaned)
        | Q(contact_name__icontains=cleaned)
        | Q(customer__name__icontains=cleaned)
    )


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
        rows = rows.filter(owner=user)
    if filters.registered_from:
        rows = rows.filter(registered_at__gte=_local_midnight(filters.registered_from))
    if filters.registered_to:
        end = filters.registered_to + datetime.timedelta(days=1)
        rows = rows.filter(registered_at__lt=_local_midnight(end))
    if filters.q:
        rows = _text_match(rows, filters.q, dealer_ids)
    rows = rows.select_related("customer", "vehicle", "owner", "dealer")
    if filters.sort == "due":
        return rows.order_by("resolution_due", "id")
    return rows.order_by("-registered_at", "-id")


class CappedPaginator(Paginator):
    """A paginator that counts at most COUNT_CAP + 1 rows (one bounded query)."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def complaint_page(rows: QuerySet[Complaint], number: Any) -> Page:
    return CappedPaginator(rows, PAGE_SIZE).get_page(number)


# --- dashboard ------------------------------------------------------------------------------


@dataclass
class Dashboard:
    figures: dict[str, int]
    by_state: list[tuple[str, str, int]]  # (state, label, count) in the state machine's order
    overdue: list[Complaint]
    important: list[Complaint]
    mine: list[Complaint]


def _overdue_q(now: datetime.datetime) -> Q:
    late_response = Q(first_response_at__isnull=True, first_response_due__lt=now)
    late_resolution = Q(state__in=choices.ACTIVE_STATES, resolution_due__lt=now)
    return late_response | late_resolution


def month_start(now: datetime.datetime) -> datetime.datetime:
    return _local_midnight(timezone.localdate(now).replace(day=1))


def complaint_dashboard(
    *,
    user: User,
    dealer: Dealer | None,
    now: datetime.datetime | None = None,
    limit: int = 20,
) -> Dashboard:
    """The manager's board: six figures, counts by state and three short lists (6 queries)."""
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
        mine=Count("id", filter=Q(owner=user)),
    )
    figures["closed_this_month"] = visible.filter(
        state=State.CLOSED, closed_at__gte=month_start(now)
    ).count()
    counts = dict(visible.order_by().values_list("state").annotate(count=Count("id")))
    by_state = [(value, label, counts.get(value, 0)) for value, label in State.choices]
    listed = open_rows.select_related("customer", "vehicle", "owner", "dealer")
    overdue = list(
        listed.filter(_overdue_q(now))
        .annotate(
            late_since=Case(
                When(
                    first_response_at__isnull=True,
                    then=Least("first_response_due", "resolution_due"),
                ),
                default=F("resolution_due"),
            )
        )
        .order_by("late_since", "id")[:limit]
    )
    important = list(
        listed.filter(Q(is_important=True) | ~Q(escalation=Escalation.NONE)).order_by(
            "-registered_at", "-id"
        )[:limit]
    )
    mine = list(listed.filter(owner=user).order_by("resolution_due", "id")[:limit])
    return Dashboard(
        figures=figures, by_state=by_state, overdue=overdue, important=important, mine=mine
    )


def overdue_count(
    *, user: User, dealer: Dealer | None, now: datetime.datetime | None = None
) -> int:
    """Complaints past a deadline (the home page's card): one indexed count."""
    return Complaint.objects.visible_to(user, dealer).overdue(now or timezone.now()).count()
