"""Complaint figures (domain §6, §7): every figure is an SQL aggregate, in a fixed number of queries.

A report covers the complaints a user sees (a dealer, a group's dealers, or a manufacturer's
dealers, whose staff see escalated complaints only) and a period of local dates (Asia/Shanghai,
both ends included).

Definitions (shown on the page as hints):
- the breakdowns, responses, closures, reopens, important complaints and escalations are of the
  complaints registered in the period (a cohort: each one counted once, whatever happened later);
- first response: hours from registration to the first response; "within deadline" is of the
  complaints answered or already past their first-response deadline;
- days to close: from registration to closing, of the closed ones;
- reopen rate: complaints reopened at least once / complaints that were resolved at least once;
- overdue in period: past a first-response or resolution deadline, answered or resolved late or
  not yet; overdue now: every open complaint past a deadline, whenever registered;
- repeat complainers: customers with two complaints or more in the period; and the period's
  complainants with two or more in the twelve months up to its last day;
- action completion: improvement actions due in the period that are done or verified / all
  actions due in the period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dcrc.care.kpis import Period
from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids

from . import choices
from .choices import ActionStatus, Category, Channel, Department, ImportantFlag, Severity
from .models import Complaint, ImprovementAction
from .rules import MANUFACTURER_ROLES

PRESETS = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
    "last_quarter": _("Last quarter"),
    "this_year": _("This year"),
}
# A wider range is an archive dump, not a report.
MAX_PERIOD_DAYS = 731
REPEAT_WINDOW_DAYS = 365
BREAKDOWNS = {
    "category": Category,
    "severity": Severity,
    "channel": Channel,
    "department": Department,
}


def period_preset(name: str, today: datetime.date) -> Period:
    """This or last month, this or last quarter, this year; the current ones up to today."""
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_month":
        last_day = today.replace(day=1) - datetime.timedelta(days=1)
        return Period(last_day.replace(day=1), last_day)
    first_month = 3 * ((today.month - 1) // 3) + 1
    quarter_start = today.replace(month=first_month, day=1)
    if name == "this_quarter":
        return Period(quarter_start, today)
    if name == "last_quarter":
        last_day = quarter_start - datetime.timedelta(days=1)
        return Period(last_day.replace(month=3 * ((last_day.month - 1) // 3) + 1, day=1), last_day)
    if name == "this_year":
        return Period(today.replace(month=1, day=1), today)
    raise ValueError(name)


# SQL helpers -----------------------------------------------------------------------------------


class HoursBetween(Func):
    """Hours (a float) from `start` to `end`, both moments; alike on SQLite and PostgreSQL."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"(EXTRACT(EPOCH FROM (({end_sql}) - ({start_sql}))) / 3600.0)",
            (*end_params, *start_params),
        )

    def as_sqlite(self, compiler, connection, **extra):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"((julianday({end_sql}) - julianday({start_sql})) * 24.0)",
            (*end_params, *start_params),
        )


def _flag(flag: str) -> Q:
    # The JSON list's text holds each flag in quotes; no flag is a part of another one.
    return Q(important_flags__icontains=f'"{flag}"')


# Figures ---------------------------------------------------------------------------------------


@dataclass
class Ratio:
    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        value = Decimal(100 * self.numerator) / Decimal(self.denominator)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rounded(value: float | None, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class Counts:
    """The figures of one dealer, or of the whole scope."""

    total: int = 0
    important: int = 0
    escalated: int = 0
    escalated_regional: int = 0
    on_site: int = 0
    responded: int = 0
    response_due: int = 0
    response_on_time: int = 0
    response_hours_sum: float = 0.0
    closed: int = 0
    close_days_sum: float = 0.0
    resolved_once: int = 0
    reopened: int = 0
    overdue_in_period: int = 0
    open: int = 0
    overdue_now: int = 0
    repeat_customers_period: int = 0
    repeat_customers_year: int = 0
    actions_due: int = 0
    actions_done: int = 0
    response_median_hours: Decimal | None = None
    by: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def response_avg_hours(self) -> Decimal | None:
        return _rounded(self.response_hours_sum / self.responded) if self.responded else None

    @property
    def response_on_time_rate(self) -> Ratio:
        return Ratio(self.response_on_time, self.response_due)

    @property
    def close_avg_days(self) -> Decimal | None:
        return _rounded(self.close_days_sum / self.closed) if self.closed else None

    @property
    def reopen_rate(self) -> Ratio:
        return Ratio(self.reopened, self.resolved_once)

    @property
    def action_completion(self) -> Ratio:
        return Ratio(self.actions_done, self.actions_due)

    @property
    def important_rate(self) -> Ratio:
        return Ratio(self.important, self.total)

    def add(self, other: Counts) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                setattr(self, name, getattr(self, name) + value)
        for breakdown, counts in other.by.items():
            target = self.by.setdefault(breakdown, {})
            for code, n in counts.items():
                target[code] = target.get(code, 0) + n


@dataclass
class DealerFigures:
    dealer_id: int
    name: str
    counts: Counts


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[tuple[str, str, int]]  # (code, label, count), in the choices' order


@dataclass
class FiguresReport:
    period: Period
    escalated_only: bool
    totals: Counts
    dealers: list[DealerFigures]
    breakdowns: list[Breakdown]

    @property
    def flags(self) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == "flag")


BREAKDOWN_TITLES = {
    "category": _("By category"),
    "severity": _("By severity"),
    "channel": _("By channel"),
    "department": _("By department"),
    "flag": _("Important complaints by reason"),
}


def figures_scope(user: User, dealer: Dealer | None) -> QuerySet[Complaint]:
    """The complaints whose figures the user may see (manufacturer staff: escalations only)."""
    return Complaint.objects.visible_to(user, dealer)


def complaint_figures(
    *,
    user: User,
    dealer: Dealer | None,
    period: Period,
    now: datetime.datetime | None = None,
) -> FiguresReport:
    """Every figure of the figures page for the user's scope over `period`, in six queries."""
    now = now or timezone.now()
    dealer_ids = scoped_dealer_ids(user, dealer)
    complaints = figures_scope(user, dealer)
    start, end = period.bounds
    per_dealer: dict[int, Counts] = {}

    def counts(dealer_id: int) -> Counts:
        return per_dealer.setdefault(dealer_id, Counts())

    for row in _cohort(complaints, start, end, now):
        target = counts(row.pop("dealer_id"))
        for name, choice in [*BREAKDOWNS.items(), ("flag", ImportantFlag)]:
            target.by[name] = {code: row.pop(f"{name}_{code}") for code in choice.values}
        target.response_hours_sum = row.pop("response_hours_sum") or 0.0
        target.close_days_sum = row.pop("close_days_sum") or 0.0
        for name, value in row.items():
            setattr(target, name, value)
    for row in _now_open(complaints, now):
        target = counts(row["dealer_id"])
        target.open, target.overdue_now = row["open"], row["overdue_now"]
    for row in _repeat_customers(complaints, period):
        target = counts(row["dealer_id"])
        target.repeat_customers_year, target.repeat_customers_period = row["year"], row["period"]
    for row in _actions(dealer_ids, period):
        target = counts(row["dealer_id"])
        target.actions_due, target.actions_done = row["due"], row["done"]
    medians = _response_medians(complaints, start, end)

    names = dict(
        Dealer.objects.filter(pk__in=dealer_ids).order_by("code").values_list("pk", "short_name")
    )
    totals = Counts()
    dealers = []
    for dealer_id, name in names.items():
        row = per_dealer.get(dealer_id, Counts())
        row.response_median_hours = _median(medians.get(dealer_id, []))
        totals.add(row)
        dealers.append(DealerFigures(dealer_id=dealer_id, name=name, counts=row))
    totals.response_median_hours = _median(medians.get(None, []))
    breakdowns = [
        Breakdown(
            key=key,
            title=str(BREAKDOWN_TITLES[key]),
            rows=[
                (code, str(label), totals.by.get(key, {}).get(code, 0))
                for code, label in choice.choices
            ],
        )
        for key, choice in [*BREAKDOWNS.items(), ("flag", ImportantFlag)]
    ]
    return FiguresReport(
        period=period,
        escalated_only=user.role in MANUFACTURER_ROLES and not user.is_superuser,
        totals=totals,
        dealers=dealers,
        breakdowns=breakdowns,
    )


def _cohort(complaints: QuerySet, start, end, now) -> list[dict]:
    """The complaints registered in the period, by dealer: one scan for all cohort figures."""
    responded = Q(first_response_at__isnull=False)
    late_response = Q(first_response_at__gt=F("first_response_due")) | Q(
        first_response_at__isnull=True, first_response_due__lt=now
    )
    active = Q(state__in=choices.ACTIVE_STATES)
    late_resolution = Q(resolved_at__gt=F("resolution_due")) | (active & Q(resolution_due__lt=now))
    closed = Q(closed_at__isnull=False)
    breakdown = {
        f"{name}_{code}": Count("pk", filter=Q(**{name: code}))
        for name, choice in BREAKDOWNS.items()
        for code in choice.values
    }
    breakdown |= {f"flag_{code}": Count("pk", filter=_flag(code)) for code in ImportantFlag.values}
    return list(
        complaints.filter(registered_at__gte=start, registered_at__lt=end)
        .values("dealer_id")
        .annotate(
            total=Count("pk"),
            important=Count("pk", filter=Q(is_important=True)),
            escalated=Count("pk", filter=~Q(escalation=choices.Escalation.NONE)),
            escalated_regional=Count("pk", filter=Q(escalation=choices.Escalation.REGIONAL)),
            on_site=Count("pk", filter=Q(escalation=choices.Escalation.ON_SITE)),
            responded=Count("pk", filter=responded),
            response_due=Count("pk", filter=responded | Q(first_response_due__lt=now)),
            response_on_time=Count("pk", filter=Q(first_response_at__lte=F("first_response_due"))),
            response_hours_sum=Sum(HoursBetween("first_response_at", "registered_at")),
            closed=Count("pk", filter=closed),
            close_days_sum=Sum(
                ExpressionWrapper(
                    HoursBetween("closed_at", "registered_at") / 24.0, output_field=FloatField()
                )
            ),
            resolved_once=Count("pk", filter=Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            overdue_in_period=Count("pk", filter=late_response | late_resolution),
            **breakdown,
        )
        .order_by()
    )


def _now_open(complaints: QuerySet, now) -> list[dict]:
    """Open complaints and the overdue ones among them, whenever registered."""
    late = Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(
        state__in=choices.ACTIVE_STATES, resolution_due__lt=now
    )
    return list(
        complaints.open()
        .values("dealer_id")
        .annotate(open=Count("pk"), overdue_now=Count("pk", filter=late))
        .order_by()
    )


def _repeat_customers(complaints: QuerySet, period: Period) -> list[dict]:
    """By dealer: the period's complainants with another complaint in the period, and with
    another one in the twelve months to the period's end.

    Each complaint of the period looks for another one of its customer through the customer
    index: no year of complaints is grouped.
    """
    start, end = period.bounds
    year_start = end - datetime.timedelta(days=REPEAT_WINDOW_DAYS)
    others = complaints.filter(customer_id=OuterRef("customer_id")).exclude(pk=OuterRef("pk"))
    in_year = others.filter(registered_at__gte=year_start, registered_at__lt=end)
    in_period = others.filter(registered_at__gte=start, registered_at__lt=end)
    return list(
        complaints.filter(customer__isnull=False, registered_at__gte=start, registered_at__lt=end)
        .annotate(again_in_year=Exists(in_year), again_in_period=Exists(in_period))
        .values("dealer_id")
        .annotate(
            year=Count("customer_id", distinct=True, filter=Q(again_in_year=True)),
            period=Count("customer_id", distinct=True, filter=Q(again_in_period=True)),
        )
        .order_by()
    )


def _actions(dealer_ids: list[int], period: Period) -> list[dict]:
    done = Q(status__in=[ActionStatus.DONE, ActionStatus.VERIFIED])
    return list(
        ImprovementAction.objects.filter(
            dealer_id__in=dealer_ids, due_date__gte=period.start, due_date__lte=period.end
        )
        .values("dealer_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=done))
        .order_by()
    )


def _response_medians(complaints: QuerySet, start, end) -> dict[int | None, list[float]]:
    """The middle one or two response times of each dealer and of the whole scope.

    Row numbers over the sorted response times (a window function, on both databases) pick the
    middle rows; only those leave the database.
    """
    answered = complaints.filter(
        registered_at__gte=start, registered_at__lt=end, first_response_at__isnull=False
    ).annotate(hours=HoursBetween("first_response_at", "registered_at"))
    result: dict[int | None, list[float]] = {}
    for partition in ([F("dealer_id")], None):
        rows = (
            answered.annotate(
                position=Window(RowNumber(), partition_by=partition, order_by=F("hours").asc()),
                size=Window(Count("pk"), partition_by=partition),
            )
            .annotate(
                middle=ExpressionWrapper(2 * F("position") - F("size"), output_field=IntegerField())
            )
            .filter(middle__in=[0, 1, 2])
            .values_list("dealer_id", "hours")
        )
        for dealer_id, hours in rows:
            result.setdefault(dealer_id if partition else None, []).append(hours)
    return result


def _median(values: list[float]) -> Decimal | None:
    if not values:
        return None
    return _rounded(sum(values) / len(values))
