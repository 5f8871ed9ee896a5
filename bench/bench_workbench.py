"""The agent's workbench under a realistic backlog: today's queue through the real view.

Tens of thousands of open contact tasks are written set-wise for the measured dealer (spread
over a month of due dates, priorities, kinds, owners, SMS tasks, reschedules and claims), then
the queue page is rendered through django.test.Client, middleware and templates included,
as the bench agent. The dealer's call windows cover the whole day so that the page lists
callable tasks whatever the time the benchmark runs.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dcrc.care import selectors
from dcrc.care.choices import Channel, TaskKind, TaskState
from dcrc.care.defaults import care_defaults_ensure
from dcrc.care.models import CareRule, CareSettings, ContactTask
from dcrc.core.choices import Role
from dcrc.core.models import User
from dcrc.customers.models import Vehicle

from .bench_search import WARM_UP, _timed, p95
from .generate import Archive

MAX_TASKS = 40_000
BATCH = 5_000
SEED = 97
KINDS = [
    (TaskKind.SERVICE_CALLBACK, 1, Channel.PHONE, 30),
    (TaskKind.MAINTENANCE, 2, Channel.PHONE, 20),
    (TaskKind.INSURANCE_RENEWAL, 2, Channel.PHONE, 10),
    (TaskKind.INSPECTION, 3, Channel.PHONE, 8),
    (TaskKind.RETENTION, 3, Channel.PHONE, 15),
    (TaskKind.NEW_CAR_CALL, 1, Channel.PHONE, 5),
    (TaskKind.BIRTHDAY, 5, Channel.SMS, 7),
    (TaskKind.HOLIDAY, 5, Channel.SMS, 5),
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _colleagues(archive: Archive) -> list[int]:
    ids = []
    for number in range(3):
        user, created = User.objects.get_or_create(
            username=f"bench_agent_{number}",
            defaults={"display_name": f"坐席{number}", "role": Role.DCRC_AGENT},
        )
        if created:
            user.set_unusable_password()
            user.save()
            user.dealers.set([archive.dealer_id])
        ids.append(user.pk)
    return ids


def tasks_generate(archive: Archive) -> int:
    """Write the backlog once (a --reuse run keeps it); returns the number of open tasks."""
    existing = ContactTask.objects.filter(dealer_id=archive.dealer_id, source_key__startswith="b:")
    if existing.exists():
        return existing.count()
    started = time.perf_counter()
    care_defaults_ensure(dealer_id=archive.dealer_id)
    CareSettings.objects.filter(dealer_id=archive.dealer_id).update(
        call_windows=[["00:00", "23:59:59"]]
    )
    CareRule.objects.filter(dealer_id=archive.dealer_id).update(call_on_holidays=True)
    rng = random.Random(SEED)
    others = _colleagues(archive)
    now = timezone.now()
    today = timezone.localdate(now)
    vehicles = list(
        Vehicle.objects.filter(dealer_id=archive.dealer_id)
        .order_by("id")
        .values_list("id", "owner_id")[:MAX_TASKS]
    )
    weights = [weight for *_rest, weight in KINDS]
    rows = []
    for vehicle_id, owner_id in vehicles:
        kind, priority, channel, _weight = rng.choices(KINDS, weights)[0]
        due_from = today + datetime.timedelta(days=rng.randint(-10, 20))
        draw = rng.random()
        assignee = archive.user_id if draw < 0.2 else rng.choice(others) if draw < 0.5 else None
        state, claimed_by, claimed_at, next_attempt_at = TaskState.OPEN, None, None, None
        roll = rng.random()
        if roll < 0.05:
            state, claimed_by, claimed_at = TaskState.IN_PROGRESS, rng.choice(others), now
        elif roll < 0.15:
            next_attempt_at = now + datetime.timedelta(hours=rng.randint(-30, 30))
        rows.append(
            ContactTask(
                dealer_id=archive.dealer_id,
                kind=kind,
                state=state,
                channel=channel,
                priority=priority,
                due_from=due_from,
                due_until=due_from + datetime.timedelta(days=rng.randint(0, 14)),
                next_attempt_at=next_attempt_at,
                customer_id=owner_id,
                vehicle_id=vehicle_id,
                source_key=f"b:{vehicle_id}",
                assignee_id=assignee,
                claimed_by_id=claimed_by,
                claimed_at=claimed_at,
            )
        )
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            ContactTask.objects.bulk_create(rows[start : start + BATCH])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    log(f"workbench: {len(rows):,} open tasks written in {time.perf_counter() - started:.1f} s")
    return len(rows)


def workbench(archive: Archive, *, pages: int = 200) -> Iterator[dict[str, Any]]:
    """workbench_p95_ms and workbench_queries: the agent's queue page through the real view."""
    tasks = tasks_generate(archive)
    connection.close()  # autocommit settings and statistics as a fresh process would see them
    client = Client()
    client.force_login(User.objects.get(pk=archive.user_id))
    url = reverse("care:workbench")

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} answered {response.status_code}")
        return response

    for _ in range(WARM_UP):
        get()
    measured = [_timed(get) for _ in range(pages)]
    timings, cpu = [m[0] for m in measured], [m[1] for m in measured]
    user = User.objects.get(pk=archive.user_id)
    queue = selectors.agent_queue(user=user, dealer=None)
    with CaptureQueriesContext(connection) as queries:
        get()
    log(
        f"workbench tasks={tasks:,} n={len(timings)} p50={statistics.median(timings):.2f} ms "
        f"p95={p95(timings):.2f} ms max={max(timings):.2f} ms (cpu p95 {p95(cpu):.2f}) | "
        f"queries {len(queries)} | "
        f"callable {queue.callable_count:,}, sms {queue.sms_count:,}, "
        f"waiting {queue.waiting_count:,}"
    )
    if not queue.calls:
        raise AssertionError("the bench agent's queue is empty: nothing was measured")
    yield {"metric": "workbench_p95_ms", "value": round(p95(timings), 2), "unit": "ms"}
    yield {"metric": "workbench_queries", "value": len(queries), "unit": "queries"}
