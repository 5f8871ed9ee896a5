"""The KPI page on a year of contact-center work, through the real view.

On top of the generated archive (bench/generate.py), a year of the measured dealer's DCRC is
written in bulk: a post-service callback for every visit released in the last 365 days with
its dials, a maintenance / inspection / insurance / warranty / retention reminder for most
vehicles (some booked, some arrived), hotline calls and voicemails, spread over five agents;
the other dealers get a tenth of that so the tenancy filter has something to filter.
Then the KPI page is rendered for a customer-relations manager over sampled periods (the
presets and random ranges of the year, whole dealer or one agent).

    python -m bench.run --n 31250 --only kpi     # ~30 000 vehicles at the measured dealer
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dcrc.care.choices import (
    CallOutcome,
    CloseReason,
    InboundKind,
    InboundState,
    Satisfaction,
    TaskKind,
    TaskState,
)
from dcrc.care.defaults import care_defaults_ensure
from dcrc.care.models import CallAttempt, ContactTask, InboundCall
from dcrc.core.choices import Role
from dcrc.core.models import User
from dcrc.customers.models import ServiceVisit, Vehicle

from .bench_search import WARM_UP, _timed, p95
from .generate import Archive, _Table

SEED = 9
AGENTS = 5
CHUNK = 20_000
REMINDERS = [
    TaskKind.MAINTENANCE,
    TaskKind.MAINTENANCE,
    TaskKind.MAINTENANCE,
    TaskKind.FIRST_MAINTENANCE,
    TaskKind.INSPECTION,
    TaskKind.INSURANCE_RENEWAL,
    TaskKind.WARRANTY_EXPIRY,
    TaskKind.RETENTION,
]
UNREACHED = [
    CallOutcome.NO_ANSWER,
    CallOutcome.NO_ANSWER,
    CallOutcome.VOICEMAIL,
    CallOutcome.REFUSED,
    CallOutcome.WRONG_NUMBER,
    CallOutcome.NOT_FOUND,
    CallOutcome.DRIVING,
]
SATISFACTION = (
    [Satisfaction.VERY_SATISFIED] * 4
    + [Satisfaction.SATISFIED] * 4
    + [
        Satisfaction.NEUTRAL,
        Satisfaction.DISSATISFIED,
    ]
)
TASK_COLUMNS = (
    "id", "dealer_id", "kind", "state", "channel", "priority", "due_from", "due_until",
    "customer_id", "vehicle_id", "source_visit_id", "source_key", "subject", "assignee_id",
    "attempt_count", "last_outcome", "satisfaction", "appointment_at", "close_reason",
    "closed_at", "closed_by_id", "created_at",
)  # fmt: skip
ATTEMPT_COLUMNS = ("dealer_id", "task_id", "agent_id", "at", "window", "channel", "outcome")
CALL_COLUMNS = (
    "dealer_id", "kind", "call_type", "received_at", "phone", "handler_id", "state",
    "reply_deadline", "replied_at",
)  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Year:
    """The rows of one year of contact-center work, generated from the archive's visits."""

    def __init__(self, archive: Archive, agents: dict[int, list[int]]):
        self.rng = random.Random(SEED)
        self.archive = archive
        self.agents = agents
        self.now = timezone.now()
        self.start = self.now - datetime.timedelta(days=365)
        self.first_id = (
            ContactTask.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        self.task_id = 0  # a provisional id, until the tasks are put in time order
        self.tasks = _Table(ContactTask, TASK_COLUMNS)
        self.attempts = _Table(CallAttempt, ATTEMPT_COLUMNS)
        self.calls = _Table(InboundCall, CALL_COLUMNS)
        ops = connection.ops
        self.moment = ops.adapt_datetimefield_value
        self.day = ops.adapt_datefield_value

    def write(self) -> None:
        """Generate every task, then write them in creation order, as the planner would have:
        ids and rows in time order give the table the locality of a real one."""
        task_rows: list[tuple] = []
        attempt_rows: list[tuple] = []
        visits = (
            ServiceVisit.objects.filter(released_at__gte=self.start)
            .order_by()
            .values_list("id", "dealer_id", "vehicle_id", "customer_id", "released_at")
        )
        for visit in visits.iterator(chunk_size=CHUNK):
            if visit[1] == self.archive.dealer_id or self.rng.random() < 0.1:
                self._callback(visit, task_rows, attempt_rows)
        vehicles = Vehicle.objects.order_by().values_list("id", "dealer_id", "owner_id")
        for vehicle in vehicles.iterator(chunk_size=CHUNK):
            share = 0.8 if vehicle[1] == self.archive.dealer_id else 0.08
            if self.rng.random() < share:
                self._reminder(vehicle, task_rows, attempt_rows)
        task_rows.sort(key=lambda row: row[-1])  # created_at
        first_id = self.first_id
        new_id = {row[0]: first_id + index for index, row in enumerate(task_rows)}
        task_rows = [(new_id[row[0]], *row[1:]) for row in task_rows]
        attempt_rows = sorted(
            ((row[0], new_id[row[1]], *row[2:]) for row in attempt_rows), key=lambda row: row[3]
        )
        for offset in range(0, max(len(task_rows), len(attempt_rows)), CHUNK):
            with transaction.atomic():
                self.tasks.write(task_rows[offset : offset + CHUNK])
                self.attempts.write(attempt_rows[offset : offset + CHUNK])
        self._hotline()

    def _dials(self, task_id, dealer_id, agent, first: datetime.datetime, reached: bool, rows):
        """1–3 dials in different windows; the last one reaches the customer when `reached`."""
        count = self.rng.choice([1, 1, 1, 2, 2, 3]) if reached else 3
        outcome = CallOutcome.NO_ANSWER
        for index in range(count):
            at = first + datetime.timedelta(hours=5 * index)
            last = index == count - 1
            outcome = CallOutcome.REACHED if reached and last else self.rng.choice(UNREACHED)
            rows.append((dealer_id, task_id, agent, self.moment(at), index % 2, "phone", outcome))
        return count, outcome

    def _callback(self, visit, task_rows, attempt_rows) -> None:
        visit_id, dealer_id, vehicle_id, customer_id, released = visit
        rng = self.rng
        agent = rng.choice(self.agents[dealer_id])
        created = released + datetime.timedelta(hours=12)
        due = timezone.localtime(released).date() + datetime.timedelta(days=1)
        first = released + datetime.timedelta(days=rng.choice([1, 1, 1, 2, 2, 3, 4]), hours=1)
        task_id = self.task_id
        self.task_id += 1
        common = (task_id, dealer_id, TaskKind.SERVICE_CALLBACK)
        if first > self.now:  # not called yet
            task_rows.append(
                (
                    *common,
                    TaskState.OPEN,
                    "phone",
                    1,
                    self.day(due),
                    self.day(due + datetime.timedelta(days=2)),
                    customer_id,
                    vehicle_id,
                    visit_id,
                    f"visit:{visit_id}",
                    "",
                    agent,
                    0,
                    "",
                    "",
                    None,
                    "",
                    None,
                    None,
                    self.moment(created),
                )  # fmt: skip
            )
            return
        reached = rng.random() < 0.82
        count, outcome = self._dials(task_id, dealer_id, agent, first, reached, attempt_rows)
        closed = first + datetime.timedelta(hours=5 * (count - 1), minutes=3)
        task_rows.append(
            (
                *common,
                TaskState.DONE if reached else TaskState.FAILED,
                "phone",
                1,
                self.day(due),
                self.day(due + datetime.timedelta(days=2)),
                customer_id,
                vehicle_id,
                visit_id,
                f"visit:{visit_id}",
                "",
                agent,
                count,
                outcome,
                rng.choice(SATISFACTION) if reached else "",
                None,
                CloseReason.COMPLETED if reached else CloseReason.ATTEMPTS_EXHAUSTED,
                self.moment(closed),
                agent,
                self.moment(created),
            )  # fmt: skip
        )

    def _reminder(self, vehicle, task_rows, attempt_rows) -> None:
        vehicle_id, dealer_id, customer_id = vehicle
        rng = self.rng
        kind = rng.choice(REMINDERS)
        agent = rng.choice(self.agents[dealer_id])
        created = self.start + datetime.timedelta(seconds=rng.randrange(365 * 86400))
        due = timezone.localtime(created).date()
        task_id = self.task_id
        self.task_id += 1
        common = (task_id, dealer_id, kind)
        first = created + datetime.timedelta(hours=rng.randint(2, 72))
        if first > self.now or rng.random() < 0.05:  # still open, some of them overdue
            task_rows.append(
                (
                    *common,
                    TaskState.OPEN,
                    "phone",
                    2,
                    self.day(due),
                    self.day(due + datetime.timedelta(days=14)),
                    customer_id,
                    vehicle_id,
                    None,
                    f"{kind}:{vehicle_id}",
                    "",
                    agent,
                    0,
                    "",
                    "",
                    None,
                    "",
                    None,
                    None,
                    self.moment(created),
                )  # fmt: skip
            )
            return
        reached = rng.random() < 0.75
        count, outcome = self._dials(task_id, dealer_id, agent, first, reached, attempt_rows)
        closed = first + datetime.timedelta(hours=5 * (count - 1), minutes=2)
        booked = reached and rng.random() < 0.4
        appointment = closed + datetime.timedelta(days=rng.randint(1, 10)) if booked else None
        task_rows.append(
            (
                *common,
                TaskState.DONE if reached else TaskState.FAILED,
                "phone",
                2,
                self.day(due),
                self.day(due + datetime.timedelta(days=14)),
                customer_id,
                vehicle_id,
                None,
                f"{kind}:{vehicle_id}",
                "",
                agent,
                count,
                outcome,
                "",
                self.moment(appointment) if appointment else None,
                CloseReason.COMPLETED if reached else CloseReason.ATTEMPTS_EXHAUSTED,
                self.moment(closed),
                agent,
                self.moment(created),
            )  # fmt: skip
        )

    def _hotline(self) -> None:
        """About 20 calls and voicemails a day at the measured dealer, 2 at the others."""
        rng = self.rng
        rows = []
        for dealer_id, agents in self.agents.items():
            per_day = 20 if dealer_id == self.archive.dealer_id else 2
            for _ in range(365 * per_day):
                received = self.start + datetime.timedelta(seconds=rng.randrange(365 * 86400))
                deadline = received + datetime.timedelta(hours=24)
                replied = received + datetime.timedelta(hours=rng.choice([1, 2, 4, 8, 20, 30]))
                if replied > self.now:
                    replied = None
                rows.append(
                    (
                        dealer_id,
                        rng.choice([InboundKind.CALL] * 3 + [InboundKind.VOICEMAIL]),
                        "consultation",
                        self.moment(received),
                        "13800138000",
                        rng.choice(agents),
                        InboundState.REPLIED if replied else InboundState.OPEN,
                        self.moment(deadline),
                        self.moment(replied) if replied else None,
                    )  # fmt: skip
                )
        rows.sort(key=lambda row: row[3])  # received_at
        with transaction.atomic():
            self.calls.write(rows)


def _agents(archive: Archive) -> dict[int, list[int]]:
    """Five agents at each dealer; the measured dealer's bench agent is one of them."""
    agents = {}
    for dealer_id in (archive.dealer_id, *archive.other_dealer_ids):
        ids = []
        for index in range(AGENTS):
            username = f"bench_kpi_agent_{dealer_id}_{index}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": Role.DCRC_AGENT, "display_name": f"坐席{dealer_id}-{index + 1}"},
            )
            if created:
                user.dealers.set([dealer_id])
            ids.append(user.pk)
        agents[dealer_id] = ids
        care_defaults_ensure(dealer_id=dealer_id)
    return agents


def care_year(archive: Archive) -> dict[str, int]:
    """Write the year of contact-center work (once: an archive reused keeps its year)."""
    # Dials mark the year: the workbench benchmark's backlog (open tasks, no dials) may
    # already be in the database and must not be mistaken for it.
    if CallAttempt.objects.exists():
        log("kpi: reusing the contact-center year already in the database")
    else:
        started = time.perf_counter()
        year = _Year(archive, _agents(archive))
        year.write()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                models = [ContactTask, CallAttempt, InboundCall]
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
                cursor.execute(
                    "VACUUM ANALYZE care_contacttask, care_callattempt, care_inboundcall"
                )
            else:
                cursor.execute("ANALYZE")
        log(
            f"kpi: {year.tasks.rows:,} tasks, {year.attempts.rows:,} dials, "
            f"{year.calls.rows:,} hotline calls in {time.perf_counter() - started:.1f} s"
        )
    return {
        "tasks": ContactTask.objects.filter(dealer_id=archive.dealer_id).count(),
        "vehicles": Vehicle.objects.filter(dealer_id=archive.dealer_id).count(),
    }


def _periods(count: int, rng: random.Random) -> list[dict[str, str]]:
    """Presets, whole months, weeks and random ranges of the last year, some for one agent."""
    today = timezone.localdate()
    params: list[dict[str, str]] = []
    presets = ["this_week", "this_month", "last_month", "this_quarter"]
    while len(params) < count:
        choice = rng.random()
        if choice < 0.4:
            item = {"preset": rng.choice(presets)}
        else:
            end = today - datetime.timedelta(days=rng.randrange(0, 300))
            days = rng.choice([7, 30, 31, 90, 365]) if choice < 0.9 else rng.randint(1, 365)
            start = end - datetime.timedelta(days=days - 1)
            item = {"start": start.isoformat(), "end": end.isoformat()}
        params.append(item)
    return params


def kpi(archive: Archive, *, pages: int = 200) -> Iterator[dict[str, Any]]:
    """kpi_page_p95_ms and kpi_page_queries: the KPI page of the measured dealer's manager."""
    counts = care_year(archive)
    log(f"kpi: measured dealer has {counts['vehicles']:,} vehicles, {counts['tasks']:,} tasks")
    manager, created = User.objects.get_or_create(
        username="bench_kpi_manager", defaults={"role": Role.CR_MANAGER, "display_name": "客服经理"}
    )
    if created:
        manager.dealers.set([archive.dealer_id])
    agents = list(
        User.objects.filter(dealers=archive.dealer_id, role=Role.DCRC_AGENT).values_list(
            "pk", flat=True
        )
    )
    client = Client()
    client.force_login(manager)
    rng = random.Random(SEED)
    samples = _periods(pages + WARM_UP, rng)
    for item in samples[::4]:  # a quarter of the pages narrowed to one agent
        item["agent"] = str(rng.choice(agents))
    url = reverse("care:kpis")

    def get(params):
        response = client.get(url, params)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} {params} answered {response.status_code}")
        return response

    for params in samples[:WARM_UP]:
        get(params)
    measured = [_timed(lambda params=params: get(params)) for params in samples[WARM_UP:]]
    timings, cpu = [m[0] for m in measured], [m[1] for m in measured]
    with CaptureQueriesContext(connection) as queries:
        get(samples[WARM_UP])
    log(
        f"kpi page n={len(timings)} p50={statistics.median(timings):.1f} ms "
        f"p95={p95(timings):.1f} ms max={max(timings):.1f} ms (cpu p95 {p95(cpu):.1f}) | "
        f"queries {len(queries)}"
    )
    yield {"metric": "kpi_page_p95_ms", "value": round(p95(timings), 2), "unit": "ms"}
    yield {"metric": "kpi_page_queries", "value": len(queries), "unit": "queries"}
