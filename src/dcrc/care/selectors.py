"""Reads of the agent's workbench: today's queue, a task with its customer, managers' lists.

The queue is computed in a fixed number of queries whatever the number of tasks: the dealers'
call windows, office hours and holidays are decided in Python once per dealer, and every task
is then sorted into "callable now", "SMS" or the reason it waits by one CASE expression.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers.choices import ContactPreference, PreferredCallWindow
from dcrc.customers.models import ServiceVisit

from . import calendar
from .choices import OPEN_STATES, CallOutcome, Channel, TaskKind, TaskState
from .models import (
    CLAIM_STALE_AFTER,
    CallAttempt,
    CareRule,
    CareSettings,
    ContactTask,
    Holiday,
    vehicle_plan,
)
from .planner import mileage_estimate
from .rules import AGENT_ROLES
from .scripts import script_steps, task_variables

QUEUE_LIMIT = 30


class WaitReason:
    """Why a due task is not in the callable list right now (the codes of Queue.waiting)."""

    COLLEAGUE = "colleague"
    DO_NOT_CALL = "do_not_call"
    NO_NUMBER = "no_number"
    LATER = "later"
    OUTSIDE_WINDOW = "outside_window"
    HOLIDAY = "holiday"
    PREFERRED_WINDOW = "preferred_window"
    OFFICE_HOURS = "office_hours"

    LABELS = {
        COLLEAGUE: _("A colleague is on it"),
        DO_NOT_CALL: _("Customer does not want calls"),
        NO_NUMBER: _("No phone number on file"),
        LATER: _("Next call agreed for later"),
        OUTSIDE_WINDOW: _("Outside the call windows"),
        HOLIDAY: _("Public holiday: no routine calls"),
        PREFERRED_WINDOW: _("Customer prefers another part of the day"),
        OFFICE_HOURS: _("Office number, outside office hours"),
    }


CALLABLE = ""
SMS = "sms"


@dataclass
class Queue:
    """Today's work of one agent."""

    now: datetime.datetime
    calls: list[ContactTask]
    sms: list[ContactTask]
    callable_count: int
    sms_count: int
    waiting: list[tuple[str, str, int]] = field(default_factory=list)  # (code, label, count)

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    @property
    def waiting_count(self) -> int:
        return sum(count for _code, _label, count in self.waiting)


def part_of_day(moment: datetime.datetime) -> str:
    """The customer-facing part of the day of a moment: morning, afternoon or evening."""
    hour = timezone.localtime(moment).hour
    if hour < 12:
        return PreferredCallWindow.MORNING
    if hour < 17:
        return PreferredCallWindow.AFTERNOON
    return PreferredCallWindow.EVENING


def _dealer_settings(dealer_ids: list[int]) -> dict[int, CareSettings]:
    """Each dealer's settings; a dealer that never saved any gets the defaults (not written)."""
    found = {s.dealer_id: s for s in CareSettings.objects.filter(dealer_id__in=dealer_ids)}
    return {pk: found.get(pk) or CareSettings(dealer_id=pk) for pk in dealer_ids}


def _holiday_dealers(dealer_ids: list[int], day: datetime.date) -> set[int]:
    """The dealers for which `day` is a public holiday (the dealer's table, the national one,
    then chinese-calendar, as calendar.is_public_holiday decides) in one query."""
    rows = Holiday.objects.filter(date=day).filter(
        Q(dealer__isnull=True) | Q(dealer_id__in=dealer_ids)
    )
    national, own = {}, {}
    for row in rows.values_list("dealer_id", "date", "is_workday", "name"):
        dealer_id, date, is_workday, name = row
        (national if dealer_id is None else own.setdefault(dealer_id, {}))[date] = (
            is_workday,
            name,
        )
    return {
        pk
        for pk in dealer_ids
        if calendar.holiday_name_in(day, national | own.get(pk, {})) is not None
    }


def queue_scope(*, user: User, dealer: Dealer | None, today: datetime.date) -> QuerySet:
    """Due and overdue open tasks the agent may work: theirs or unassigned, their dealers.

    Unassigned follow-ups of unhappy customers are the CR manager's: agents see them only
    once a manager hands one to them.
    """
    tasks = (
        ContactTask.objects.for_user(user, dealer)
        .filter(state__in=OPEN_STATES, due_from__lte=today)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
    )
    if not user.has_perm("care.manage_tasks"):
        tasks = tasks.exclude(kind=TaskKind.FOLLOW_UP, assignee__isnull=True)
    return tasks


def _bucket(*, user: User, dealer_ids: list[int], now: datetime.datetime) -> Case:
    """CASE: "" for callable now, "sms" for the SMS section, else the WaitReason code."""
    settings = _dealer_settings(dealer_ids)
    holiday = _holiday_dealers(dealer_ids, timezone.localdate(now))
    outside = [pk for pk, s in settings.items() if calendar.window_at(s, now) is None]
    after_office = [pk for pk, s in settings.items() if not calendar.in_office_hours(s, now)]
    holiday_blocks = Q(pk__in=[])
    if holiday:
        on_holidays: dict[int, list[str]] = {}
        for dealer_id, kind in CareRule.objects.filter(
            dealer_id__in=sorted(holiday), call_on_holidays=True
        ).values_list("dealer_id", "kind"):
            on_holidays.setdefault(dealer_id, []).append(kind)
        for dealer_id in sorted(holiday):
            kinds = on_holidays.get(dealer_id)
            holiday_blocks |= (
                Q(dealer_id=dealer_id) & ~Q(kind__in=kinds) if kinds else Q(dealer_id=dealer_id)
            )
    held_by_colleague = (
        Q(state=TaskState.IN_PROGRESS, claimed_by__isnull=False)
        & ~Q(claimed_by=user)
        & Q(claimed_at__gte=now - CLAIM_STALE_AFTER)
    )
    no_personal_number = Q(customer__mobile="", customer__home_phone="")
    whens = [
        (held_by_colleague, WaitReason.COLLEAGUE),
        (Q(customer__contact_preference=ContactPreference.NONE), WaitReason.DO_NOT_CALL),
        (Q(channel=Channel.SMS) | Q(customer__contact_preference=ContactPreference.SMS), SMS),
        (no_personal_number & Q(customer__office_phone=""), WaitReason.NO_NUMBER),
        (Q(next_attempt_at__gt=now), WaitReason.LATER),
        (Q(dealer_id__in=outside) if outside else None, WaitReason.OUTSIDE_WINDOW),
        (holiday_blocks if holiday else None, WaitReason.HOLIDAY),
        (
            ~Q(customer__preferred_call_window="")
            & ~Q(customer__preferred_call_window=part_of_day(now)),
            WaitReason.PREFERRED_WINDOW,
        ),
        (
            no_personal_number & Q(dealer_id__in=after_office) if after_office else None,
            WaitReason.OFFICE_HOURS,
        ),
    ]
    # Conditions no task can meet now (every dealer in a window, no holiday) are left out:
    # the CASE is evaluated for every due task.
    return Case(
        *[When(condition, then=Value(code)) for condition, code in whens if condition is not None],
        default=Value(CALLABLE),
        output_field=CharField(),
    )


# What a queue row shows: reading whole customers and vehicles would cost more than the query.
QUEUE_ROW_FIELDS = (
    *(f.name for f in ContactTask._meta.concrete_fields if f.name not in ("notes", "problems")),
    "customer__name",
    "customer__mobile",
    "customer__dealer_id",
    "vehicle__plate",
    "vehicle__dealer_id",
    "vehicle__owner_id",
    "dealer__name",
    "dealer__short_name",
)
QUEUE_ORDER = ("priority", "due_from", F("next_attempt_at").asc(nulls_first=True), "id")


def tasks_labelled(tasks) -> list[ContactTask]:
    """Set kind_label and outcome_label on each task: get_FOO_display() re-translates every
    choice of the field on each call, which dominates rendering a long list."""
    kinds = {value: str(label) for value, label in TaskKind.choices}
    outcomes = {value: str(label) for value, label in CallOutcome.choices}
    tasks = list(tasks)
    for task in tasks:
        task.kind_label = kinds.get(task.kind, task.kind)
        task.outcome_label = outcomes.get(task.last_outcome, task.last_outcome)
    return tasks


def agent_queue(
    *,
    user: User,
    dealer: Dealer | None,
    now: datetime.datetime | None = None,
    limit: int = QUEUE_LIMIT,
) -> Queue:
    """The agent's queue now, in four queries whatever the number of tasks.

    One pass sorts every due task into its bucket in queue order (only the bucket and id travel
    back); the counts and the first `limit` tasks of each list come from it, and those are
    then read whole in one more query.
    """
    now = now or timezone.now()
    dealer_ids = scoped_dealer_ids(user, dealer)
    scope = queue_scope(user=user, dealer=dealer, today=timezone.localdate(now))
    bucket = _bucket(user=user, dealer_ids=dealer_ids, now=now)
    counts: Counter[str] = Counter()
    firsts: dict[str, list[int]] = {CALLABLE: [], SMS: []}
    for code, task_id in (
        scope.annotate(bucket=bucket).order_by(*QUEUE_ORDER).values_list("bucket", "id")
    ):
        counts[code] += 1
        if code in firsts and len(firsts[code]) < limit:
            firsts[code].append(task_id)
    wanted = firsts[CALLABLE] + firsts[SMS]
    tasks = (
        ContactTask.objects.filter(pk__in=wanted)
        .select_related("customer", "vehicle", "dealer")
        .only(*QUEUE_ROW_FIELDS)
        if wanted
        else []
    )
    by_id = {task.pk: task for task in tasks_labelled(tasks)}
    waiting = [
        (code, label, counts[code]) for code, label in WaitReason.LABELS.items() if counts[code]
    ]
    return Queue(
        now=now,
        calls=[by_id[pk] for pk in firsts[CALLABLE]],
        sms=[by_id[pk] for pk in firsts[SMS]],
        callable_count=counts[CALLABLE],
        sms_count=counts[SMS],
        waiting=waiting,
    )


def queue_next_ids(
    *,
    user: User,
    dealer: Dealer | None,
    now: datetime.datetime | None = None,
    exclude: tuple[int, ...] = (),
    limit: int = 5,
) -> list[int]:
    """The first callable tasks of the agent's queue: the "next task" button and after a save.

    Tasks the agent already holds come first: they were started and not finished.
    """
    now = now or timezone.now()
    dealer_ids = scoped_dealer_ids(user, dealer)
    scope = queue_scope(user=user, dealer=dealer, today=timezone.localdate(now)).exclude(
        pk__in=exclude
    )
    mine_first = Case(When(claimed_by=user, then=Value(0)), default=Value(1))
    return list(
        scope.alias(bucket=_bucket(user=user, dealer_ids=dealer_ids, now=now), mine=mine_first)
        .filter(bucket=CALLABLE)
        .order_by("mine", *QUEUE_ORDER)
        .values_list("id", flat=True)[:limit]
    )


# --- one task ------------------------------------------------------------------------------


@dataclass
class TaskFile:
    """Everything the agent needs on screen while calling about one task."""

    task: ContactTask
    attempts: list[CallAttempt]
    visits: list[ServiceVisit]
    other_tasks: list[ContactTask]
    script_steps: list[tuple[str, str, list[str]]]  # (code, label, lines)
    estimated_km: int | None = None  # the vehicle's odometer today, from its plan


def task_for_user(*, user: User, pk: int) -> ContactTask:
    """One task of the user's dealers; ContactTask.DoesNotExist for anyone else's."""
    return (
        ContactTask.objects.for_user(user)
        .select_related(
            "customer",
            "vehicle__plan",
            "dealer",
            "assignee",
            "claimed_by",
            "closed_by",
            "campaign",
            "source_visit",
            "source_task__closed_by",
        )
        .get(pk=pk)
    )


def task_file(*, task: ContactTask, agent: User, visits: int = 5) -> TaskFile:
    """The customer 360 essentials of a task, in a fixed number of queries."""
    attempts = list(task.attempts.select_related("agent").order_by("-at", "-id"))
    customer_visits = list(
        ServiceVisit.objects.filter(customer_id=task.customer_id)
        .select_related("vehicle")
        .order_by("-visit_date", "-id")[:visits]
    )
    other_tasks = list(
        ContactTask.objects.filter(customer_id=task.customer_id, state__in=OPEN_STATES)
        .exclude(pk=task.pk)
        .select_related("assignee")
        .order_by("due_from", "id")[:10]
    )
    rule = CareRule.objects.filter(dealer_id=task.dealer_id, kind=task.kind).first()
    script = (rule.script if rule else "") or (task.campaign.script if task.campaign else "")
    steps = script_steps(script, task_variables(task=task, agent=agent))
    estimated_km = None
    if task.vehicle is not None:
        estimated_km = mileage_estimate(
            vehicle=task.vehicle, plan=vehicle_plan(task.vehicle), day=timezone.localdate()
        )
    return TaskFile(task, attempts, customer_visits, other_tasks, steps, estimated_km)


# --- managers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilters:
    kind: str = ""
    state: str = ""
    assignee: str = ""  # a user id, "none" for unassigned, "" for anyone
    overdue: bool = False
    due_after: datetime.date | None = None
    due_before: datetime.date | None = None


def task_list(
    *, user: User, dealer: Dealer | None, filters: TaskFilters, today: datetime.date | None = None
) -> QuerySet[ContactTask]:
    """The managers' task list: filtered, most urgent first."""
    today = today or timezone.localdate()
    tasks = ContactTask.objects.for_user(user, dealer)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.state == "open":
        tasks = tasks.filter(state__in=OPEN_STATES)
    elif filters.state:
        tasks = tasks.filter(state=filters.state)
    if filters.assignee == "none":
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee:
        tasks = tasks.filter(assignee_id=filters.assignee)
    if filters.overdue:
        tasks = tasks.filter(state__in=OPEN_STATES, due_until__lt=today)
    if filters.due_after:
        tasks = tasks.filter(due_from__gte=filters.due_after)
    if filters.due_before:
        tasks = tasks.filter(due_from__lte=filters.due_before)
    return tasks.select_related("customer", "vehicle", "assignee", "claimed_by", "dealer").order_by(
        "due_from", "priority", "id"
    )


def follow_ups(*, user: User, dealer: Dealer | None) -> QuerySet[ContactTask]:
    """Open follow-ups of unhappy customers, flagged for the CR manager."""
    return (
        ContactTask.objects.for_user(user, dealer)
        .filter(kind=TaskKind.FOLLOW_UP, state__in=OPEN_STATES)
        .select_related("customer", "vehicle", "assignee", "source_task", "dealer")
        .order_by("due_from", "id")
    )


def dealer_agents(*, dealer_ids: list[int]) -> list[User]:
    """The people who work tasks at these dealers (agents and their managers)."""
    return list(
        User.objects.filter(dealers__in=dealer_ids, role__in=AGENT_ROLES, is_active=True)
        .distinct()
        .order_by("role", "display_name", "username")
    )


@dataclass
class AgentLoad:
    agent: User | None  # None: the unassigned tasks
    open: int = 0
    due_today: int = 0
    overdue: int = 0
    done_today: int = 0


def agent_loads(
    *, agents: list[User], dealer_ids: list[int], now: datetime.datetime | None = None
) -> list[AgentLoad]:
    """Each agent's open, due, overdue and today's closed tasks, plus the unassigned pile."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(
        datetime.datetime.combine(today, datetime.time()), timezone.get_current_timezone()
    )
    tasks = ContactTask.objects.filter(dealer_id__in=dealer_ids)
    rows = (
        tasks.filter(state__in=OPEN_STATES)
        .values_list("assignee")
        .annotate(
            open=Count("id"),
            due=Count("id", filter=Q(due_from__lte=today)),
            overdue=Count("id", filter=Q(due_until__lt=today)),
        )
        .order_by()
    )
    loads = {agent.pk: AgentLoad(agent) for agent in agents}
    unassigned = AgentLoad(None)
    for assignee, open_count, due, overdue in rows:
        load = unassigned if assignee is None else loads.get(assignee)
        if load is not None:
            load.open, load.due_today, load.overdue = open_count, due, overdue
    done = (
        tasks.filter(state=TaskState.DONE, closed_at__gte=start_of_day, closed_by__in=list(loads))
        .values_list("closed_by")
        .annotate(n=Count("id"))
        .order_by()
    )
    for closer, count in done:
        loads[closer].done_today = count
    return [*loads.values(), unassigned]
