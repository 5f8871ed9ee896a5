"""The contact-center KPIs (domain §9): every figure is an SQL aggregate, in a fixed number of queries.

A report covers the dealers a user sees (or one of them), a period of local dates (Asia/Shanghai,
both ends included) and optionally one agent. Whose is a task: its owner (`assignee`), or whoever
closed it when it had no owner.

Definitions (shown on the page as hints):
- callback coverage: vehicles released in the period (`ServiceVisit.released_at`) whose
  post-service callback was dialled at least once / all of them;
- success rate: closed callbacks (done or failed) whose last outcome is "reached" / closed
  callbacks, by closing date;
- on-time rate: of those reached callbacks, the ones reached 1–3 local days after release;
- attempts per task: dials of every task closed in the period / those tasks;
- 24-hour reply rate: hotline calls and voicemails received in the period replied by their
  deadline / those replied or past their deadline (calls still within it are not judged yet);
- conversion: reminders created in the period → an appointment booked → a visit of the vehicle
  from the reminder's day until `arrival_window_days` after the appointment (or the reminder).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Mod
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dcrc.core.choices import Role
from dcrc.core.models import User
from dcrc.customers.models import ServiceVisit

from .choices import CallOutcome, CloseReason, InboundKind, Satisfaction, TaskKind, TaskState
from .models import CallAttempt, CareSettings, ContactTask, InboundCall

# Targets of the DCRC manuals (domain §4, §5): every serviced customer called, ≥ 80 % reached,
# reached on time, every hotline call returned within its deadline.
TARGETS = {"coverage": 100, "success": 80, "on_time": 90, "reply": 100}
REMINDER_KINDS = [
    TaskKind.MAINTENANCE,
    TaskKind.FIRST_MAINTENANCE,
    TaskKind.INSPECTION,
    TaskKind.INSURANCE_RENEWAL,
    TaskKind.WARRANTY_EXPIRY,
    TaskKind.RETENTION,
]
ON_TIME_DAYS = (1, 3)
# A vehicle rarely stays in the workshop longer: the release is searched among visits that
# started at most this long before the period, so the visit-date index bounds the scan.
LONGEST_STAY_DAYS = 60
# Roles that see every agent's figures; others (agents) see only their own.
ALL_AGENTS_ROLES = {
    Role.CR_MANAGER,
    Role.GENERAL_MANAGER,
    Role.SERVICE_MANAGER,
    Role.GROUP_MANAGER,
    Role.REGIONAL_MANAGER,
}
AGENT_ROLES = {Role.DCRC_AGENT, Role.CR_MANAGER}
WEEKLY_TREND_AFTER_DAYS = 62


# Periods ---------------------------------------------------------------------------------------

PRESETS = {
    "this_week": _("This week"),
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
}


@dataclass(frozen=True)
class Period:
    """Local dates from `start` to `end`, both included."""

    start: datetime.date
    end: datetime.date

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The aware moments [start of the first day, start of the day after the last)."""
        tz = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(
                self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            ),
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_preset(name: str, today: datetime.date) -> Period:
    """This week (from Monday), this month, last month or this quarter, up to today."""
    if name == "this_week":
        return Period(today - datetime.timedelta(days=today.weekday()), today)
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_month":
        last_day = today.replace(day=1) - datetime.timedelta(days=1)
        return Period(last_day.replace(day=1), last_day)
    if name == "this_quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return Period(today.replace(month=first_month, day=1), today)
    raise ValueError(name)


# Scope -----------------------------------------------------------------------------------------


def sees_all_agents(user: User) -> bool:
    return user.is_superuser or user.role in ALL_AGENTS_ROLES


def kpi_agents(*, dealer_ids: list[int]) -> QuerySet[User]:
    """The agents whose figures a manager may pick: DCRC staff of the dealers."""
    return (
        User.objects.filter(dealers__in=dealer_ids, role__in=AGENT_ROLES, is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )


@dataclass(frozen=True)
class Scope:
    dealer_ids: list[int]
    agent_id: int | None = None


def _owned_by(agent_id: int, prefix: str = "") -> Q:
    return Q(**{f"{prefix}assignee_id": agent_id}) | Q(
        **{f"{prefix}assignee__isnull": True, f"{prefix}closed_by_id": agent_id}
    )


# SQL helpers -----------------------------------------------------------------------------------


def _utc_offset_seconds() -> int:
    """The project time zone's offset now (Asia/Shanghai has had no daylight saving since 1991)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return int(datetime.datetime.now(zone).utcoffset().total_seconds())


class LocalDay(Func):
    """The local date of a moment (or a date) as a day number since 1970-01-01.

    Day numbers subtract and compare alike on SQLite and PostgreSQL, which date arithmetic
    does not.
    """

    output_field = IntegerField()

    def __init__(self, expression, *, is_date: bool = False):
        super().__init__(expression)
        self.is_date = is_date

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        inner, params = compiler.compile(self.source_expressions[0])
        if self.is_date:
            return f"(({inner}) - DATE '1970-01-01')", params
        offset = _utc_offset_seconds()
        return f"FLOOR((EXTRACT(EPOCH FROM {inner}) + {offset}) / 86400)::integer", params

    def as_sqlite(self, compiler, connection, **extra):
        inner, params = compiler.compile(self.source_expressions[0])
        offset = 0 if self.is_date else _utc_offset_seconds()
        seconds = f"CAST(ROUND((julianday({inner}) - 2440587.5) * 86400) AS INTEGER)"
        return f"(({seconds} + {offset}) / 86400)", params


# Figures ---------------------------------------------------------------------------------------


@dataclass
class Ratio:
    """numerator / denominator as a percentage, with the target it is judged against."""

    numerator: int
    denominator: int
    target: int | None = None

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        value = Decimal(100 * self.numerator) / Decimal(self.denominator)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.percent is None:
            return None
        return self.percent >= self.target


@dataclass
class Conversion:
    kind: str
    label: str
    reminders: int
    appointments: int
    arrivals: int

    @property
    def appointment_rate(self) -> Ratio:
        return Ratio(self.appointments, self.reminders)

    @property
    def arrival_rate(self) -> Ratio:
        return Ratio(self.arrivals, self.reminders)


@dataclass
class AgentRow:
    agent_id: int | None
    name: str
    dials: int = 0
    reached_dials: int = 0
    closed: int = 0
    callbacks: int = 0
    callbacks_reached: int = 0
    on_time: int = 0
    attempts: int = 0
    overdue: int = 0

    @property
    def success(self) -> Ratio:
        return Ratio(self.callbacks_reached, self.callbacks, TARGETS["success"])

    @property
    def on_time_rate(self) -> Ratio:
        return Ratio(self.on_time, self.callbacks_reached, TARGETS["on_time"])

    @property
    def attempts_per_task(self) -> Decimal | None:
        return _per(self.attempts, self.closed)


@dataclass
class KpiReport:
    period: Period
    coverage: Ratio
    success: Ratio
    on_time: Ratio
    closed: int
    attempts: int
    dials: int
    failure_reasons: list[tuple[str, str, int]]  # (code, label, count)
    failure_outcomes: list[tuple[str, str, int]]
    satisfaction: list[tuple[str, str, int]]
    reply: Ratio
    reply_by_kind: list[tuple[str, str, Ratio]]
    conversions: list[Conversion]
    overdue: int
    agents: list[AgentRow]
    trend: list[dict] = field(default_factory=list)
    trend_unit: str = "day"

    @property
    def attempts_per_task(self) -> Decimal | None:
        return _per(self.attempts, self.closed)

    @property
    def satisfied(self) -> Ratio:
        """Very satisfied + satisfied among the judged calls ("it's OK" is not satisfied)."""
        happy = sum(
            n for code, _label, n in self.satisfaction if code not in Satisfaction.unhappy()
        )
        return Ratio(happy, sum(n for *_rest, n in self.satisfaction))


def _per(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def kpi_report(*, scope: Scope, period: Period, now: datetime.datetime | None = None) -> KpiReport:
    """Every figure of the KPI page for `scope` over `period`, in seven queries."""
    now = now or timezone.now()
    start, end = period.bounds
    agent_id = scope.agent_id
    tasks = ContactTask.objects.filter(dealer_id__in=scope.dealer_ids)
    if agent_id is not None:
        tasks = tasks.filter(_owned_by(agent_id))
    # Only closed tasks have a closing time. "Not cancelled" rather than "done or failed" keeps
    # SQLite off the queue index, whose state order makes it read the table at random.
    closed = tasks.filter(closed_at__gte=start, closed_at__lt=end).exclude(
        state=TaskState.CANCELLED
    )

    trend_unit = "day" if period.days <= WEEKLY_TREND_AFTER_DAYS else "week"
    groups = _closed_by_agent_and_day(closed, trend_unit)
    by_agent = _fold(groups, "agent")
    sums = _fold(groups, None)[None]
    totals = AgentRow(agent_id=None, name="")
    for name in ("closed", "callbacks", "callbacks_reached", "on_time", "attempts"):
        setattr(totals, name, sums.get(name, 0))
    dials = _dials_by_agent(scope, start, end)
    overdue = _overdue_by_agent(tasks, timezone.localdate(now))
    reply_rows = _replies(scope, start, end, now)
    return KpiReport(
        period=period,
        coverage=_coverage(scope, period),
        success=Ratio(totals.callbacks_reached, totals.callbacks, TARGETS["success"]),
        on_time=Ratio(totals.on_time, totals.callbacks_reached, TARGETS["on_time"]),
        closed=totals.closed,
        attempts=totals.attempts,
        dials=sum(row["dials"] for row in dials.values()),
        failure_reasons=_counted(sums, "reason", CloseReason),
        failure_outcomes=_counted(sums, "outcome", CallOutcome),
        satisfaction=[
            (code, str(label), sums.get(f"satisfaction_{code}", 0))
            for code, label in Satisfaction.choices
        ],
        reply=Ratio(
            sum(r["on_time"] for r in reply_rows),
            sum(r["due"] for r in reply_rows),
            TARGETS["reply"],
        ),
        reply_by_kind=[
            (
                code,
                str(label),
                Ratio(
                    sum(r["on_time"] for r in reply_rows if r["kind"] == code),
                    sum(r["due"] for r in reply_rows if r["kind"] == code),
                    TARGETS["reply"],
                ),
            )
            for code, label in InboundKind.choices
        ],
        conversions=_conversions(tasks, start, end),
        overdue=sum(overdue.values()),
        agents=_agent_rows(scope, by_agent, dials, overdue),
        trend=_trend(_fold(groups, "bucket"), period, trend_unit),
        trend_unit=trend_unit,
    )


def _coverage(scope: Scope, period: Period) -> Ratio:
    start, end = period.bounds
    visits = ServiceVisit.objects.filter(
        dealer_id__in=scope.dealer_ids,
        visit_date__gte=period.start - datetime.timedelta(days=LONGEST_STAY_DAYS),
        visit_date__lte=period.end,
        released_at__gte=start,
        released_at__lt=end,
    )
    callbacks = ContactTask.objects.filter(
        source_visit_id=OuterRef("pk"), kind=TaskKind.SERVICE_CALLBACK
    )
    if scope.agent_id is not None:
        # The agent's share: the released vehicles whose callback is theirs.
        callbacks = callbacks.filter(_owned_by(scope.agent_id))
        visits = visits.filter(Exists(callbacks))
    # EXISTS rather than a join: a visit counts once however many callbacks it has.
    result = visits.aggregate(
        total=Count("pk"), covered=Count("pk", filter=Exists(callbacks.filter(attempt_count__gt=0)))
    )
    return Ratio(result["covered"], result["total"], TARGETS["coverage"])


EPOCH = datetime.date(1970, 1, 1)


def _closed_by_agent_and_day(closed: QuerySet, unit: str) -> list[dict]:
    """Closed tasks by agent and local day (or week): counts, callbacks reached and on time,
    dials, satisfaction, and the close reasons and last outcomes of the failed ones.

    One scan of the closed tasks feeds the totals, the agents' table and the trend; the
    groups (agents × days) are added up by _fold().
    """
    callback = Q(kind=TaskKind.SERVICE_CALLBACK)
    reached = callback & Q(last_outcome=CallOutcome.REACHED)
    failed = Q(state=TaskState.FAILED)
    low, high = ON_TIME_DAYS
    day = LocalDay("closed_at")
    # 1970-01-01 was a Thursday: day number d falls on weekday (d + 3) % 7, Monday = 0.
    bucket = day if unit == "day" else day - Mod(day + Value(3), Value(7))
    breakdown = {
        f"satisfaction_{code}": Count("pk", filter=Q(satisfaction=code))
        for code in Satisfaction.values
    }
    breakdown |= {
        f"reason_{code}": Count("pk", filter=failed & Q(close_reason=code))
        for code in CloseReason.values
    }
    breakdown |= {
        f"outcome_{code}": Count("pk", filter=failed & Q(last_outcome=code))
        for code in CallOutcome.values
    }
    return list(
        closed.annotate(
            agent=Coalesce("assignee_id", "closed_by_id"),
            bucket=bucket,
            gap=day - LocalDay("source_visit__released_at"),
        )
        .values("agent", "bucket")
        .annotate(
            closed=Count("pk"),
            callbacks=Count("pk", filter=callback),
            callbacks_reached=Count("pk", filter=reached),
            on_time=Count("pk", filter=reached & Q(gap__gte=low, gap__lte=high)),
            attempts=Coalesce(Sum("attempt_count"), Value(0)),
            **breakdown,
        )
        .order_by()
    )


def _fold(groups: list[dict], key: str | None) -> dict:
    """The groups' counts added up by `key` ("agent", "bucket"), or all together (None)."""
    result: dict = {None: {}} if key is None else {}
    for group in groups:
        target = result.setdefault(group[key] if key else None, {})
        for name, value in group.items():
            if name not in ("agent", "bucket"):
                target[name] = target.get(name, 0) + value
    return result


def _dials_by_agent(scope: Scope, start, end) -> dict[int | None, dict]:
    attempts = CallAttempt.objects.filter(dealer_id__in=scope.dealer_ids, at__gte=start, at__lt=end)
    if scope.agent_id is not None:
        attempts = attempts.filter(agent_id=scope.agent_id)
    rows = (
        attempts.values("agent_id")
        .annotate(dials=Count("pk"), reached=Count("pk", filter=Q(outcome=CallOutcome.REACHED)))
        .order_by()
    )
    return {row["agent_id"]: row for row in rows}


def _overdue_by_agent(tasks: QuerySet, today: datetime.date) -> dict[int | None, int]:
    # Grouped by an expression rather than the column: SQLite would otherwise walk the whole
    # assignee index to save a sort, instead of the queue index's few open tasks.
    rows = (
        tasks.filter(state__in=[TaskState.OPEN, TaskState.IN_PROGRESS], due_until__lt=today)
        .annotate(owner=Coalesce("assignee_id", Value(0)))
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["owner"] or None: row["n"] for row in rows}


def _counted(sums: dict[str, int], prefix: str, choices) -> list[tuple[str, str, int]]:
    """(code, label, count) of the non-zero counts named `<prefix>_<code>`, most first."""
    result = [
        (code, str(label), sums.get(f"{prefix}_{code}", 0))
        for code, label in choices.choices
        if sums.get(f"{prefix}_{code}", 0)
    ]
    return sorted(result, key=lambda item: -item[2])


def _replies(scope: Scope, start, end, now) -> list[dict]:
    calls = InboundCall.objects.filter(
        dealer_id__in=scope.dealer_ids, received_at__gte=start, received_at__lt=end
    )
    if scope.agent_id is not None:
        calls = calls.filter(handler_id=scope.agent_id)
    replied = Q(replied_at__isnull=False)
    return list(
        calls.values("kind")
        .annotate(
            due=Count("pk", filter=replied | Q(reply_deadline__lt=now)),
            on_time=Count("pk", filter=replied & Q(replied_at__lte=F("reply_deadline"))),
        )
        .order_by()
    )


def _conversions(tasks: QuerySet, start, end) -> list[Conversion]:
    window = Coalesce(
        "dealer__care_settings__arrival_window_days",
        Value(CareSettings._meta.get_field("arrival_window_days").default),
    )
    reminders = tasks.filter(
        kind__in=REMINDER_KINDS, created_at__gte=start, created_at__lt=end
    ).annotate(
        created_day=LocalDay("created_at"),
        arrival_until=Coalesce(LocalDay("appointment_at"), LocalDay("created_at")) + window,
    )
    arrival = (
        ServiceVisit.objects.filter(vehicle_id=OuterRef("vehicle_id"))
        .annotate(day=LocalDay("visit_date", is_date=True))
        .filter(day__gte=OuterRef("created_day"), day__lte=OuterRef("arrival_until"))
    )
    rows = {
        row["kind"]: row
        for row in reminders.annotate(arrived=Exists(arrival))
        .values("kind")
        .annotate(
            total=Count("pk"),
            appointments=Count("pk", filter=Q(appointment_at__isnull=False)),
            arrivals=Count("pk", filter=Q(arrived=True)),
        )
        .order_by()
    }
    labels = dict(TaskKind.choices)
    result = []
    for kind in REMINDER_KINDS:
        row = rows.get(kind, {})
        result.append(
            Conversion(
                kind=kind,
                label=str(labels[kind]),
                reminders=row.get("total", 0),
                appointments=row.get("appointments", 0),
                arrivals=row.get("arrivals", 0),
            )
        )
    return result


def _agent_rows(scope: Scope, by_agent: dict, dials: dict, overdue: dict) -> list[AgentRow]:
    """One row per agent who closed, dialled or owns overdue tasks; unassigned work last."""
    ids = set(by_agent) | set(dials) | set(overdue)
    names = {
        user.pk: str(user) for user in User.objects.filter(pk__in=[i for i in ids if i is not None])
    }
    rows: dict[int | None, AgentRow] = {
        agent_id: AgentRow(agent_id=agent_id, name=names.get(agent_id, "")) for agent_id in ids
    }
    for agent_id, row in by_agent.items():
        for name in ("closed", "callbacks", "callbacks_reached", "on_time", "attempts"):
            setattr(rows[agent_id], name, row[name])
    for agent_id, row in dials.items():
        rows[agent_id].dials = row["dials"]
        rows[agent_id].reached_dials = row["reached"]
    for agent_id, count in overdue.items():
        rows[agent_id].overdue = count
    return sorted(rows.values(), key=lambda row: (row.agent_id is None, row.name))


def _trend(by_bucket: dict[int, dict], period: Period, unit: str) -> list[dict]:
    """Callbacks closed and reached per local day or week (Monday), gaps filled with zeros."""
    found = {EPOCH + datetime.timedelta(days=bucket): row for bucket, row in by_bucket.items()}
    step = datetime.timedelta(days=1 if unit == "day" else 7)
    current = (
        period.start if unit == "day" else period.start - datetime.timedelta(period.start.weekday())
    )
    result = []
    while current <= period.end:
        row = found.get(current, {})
        closed_count, reached = row.get("callbacks", 0), row.get("callbacks_reached", 0)
        result.append(
            {
                "date": current.isoformat(),
                "closed": closed_count,
                "reached": reached,
                "rate": Ratio(reached, closed_count).percent,
            }
        )
        current += step
    return result
