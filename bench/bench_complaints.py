"""The complaint list and the manager dashboard at 100 000 complaints, through the real views.

Complaints are written set-wise (bulk_create, 5 000 a transaction) over the three dealers
(80 % the measured one), registered over three years: the last two weeks' still being worked,
the older ones nearly all closed, a few stuck open and long overdue, 3 % important, 6 %
escalated. Then /complaints/ (varied filters, searches and pages) and /complaints/dashboard/
are rendered through django.test.Client as the measured dealer's customer-relations manager.
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

from dcrc.complaints.choices import (
    ACTIVE_STATES,
    Category,
    Channel,
    Department,
    Escalation,
    ImportantFlag,
    Severity,
    State,
)
from dcrc.complaints.models import Complaint
from dcrc.core.choices import Role
from dcrc.core.models import User
from dcrc.customers.models import Vehicle

from .bench_search import WARM_UP, _timed, p95
from .generate import Archive

BATCH = 5_000
SEED = 41
MANAGER = "bench_complaint_manager"
SUBJECTS = [
    "保养后发动机异响",
    "维修等待时间过长",
    "前台接待态度差",
    "配件缺货迟迟不到",
    "收费与报价不符",
    "新车漆面有划痕",
    "空调不制冷反复维修",
    "质保刚过要求免费维修",
    "洗车不干净",
    "交车时间延误",
]
OPEN_SPREAD = [*ACTIVE_STATES, State.RESOLVED, State.FOLLOWED_UP]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _handlers(archive: Archive) -> dict[int, list[int]]:
    """Three handlers per dealer; the measured dealer's first one is the bench manager."""
    handlers: dict[int, list[int]] = {}
    for dealer_id in (archive.dealer_id, *archive.other_dealer_ids):
        ids = []
        for number, role in enumerate(
            (Role.CR_MANAGER, Role.SERVICE_MANAGER, Role.SERVICE_ADVISOR)
        ):
            username = MANAGER if (dealer_id, number) == (archive.dealer_id, 0) else None
            username = username or f"bench_handler_{dealer_id}_{number}"
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": f"处理人{number}", "role": role}
            )
            if created:
                user.set_unusable_password()
                user.save()
                user.dealers.set([dealer_id])
            ids.append(user.pk)
        handlers[dealer_id] = ids
    return handlers


def complaints_generate(archive: Archive, count: int) -> int:
    """Write `count` complaints once (a --reuse run keeps them); returns how many there are."""
    existing = Complaint.objects.count()
    if existing:
        return existing
    started = time.perf_counter()
    rng = random.Random(SEED)
    handlers = _handlers(archive)
    now = timezone.now()
    dealers = [archive.dealer_id, *archive.other_dealer_ids]
    weights = [8] + [2 / max(1, len(archive.other_dealer_ids))] * len(archive.other_dealer_ids)
    vehicles = {
        dealer_id: list(
            Vehicle.objects.filter(dealer_id=dealer_id)
            .order_by("id")
            .values_list("id", "owner_id", "owner__name", "owner__mobile")[:30_000]
        )
        for dealer_id in dealers
    }
    sequences = dict.fromkeys(dealers, 0)
    rows = []
    written = 0
    # Oldest first, so that numbers grow with the registration time as they do in real life.
    ages = sorted((rng.random() * 1095 for _ in range(count)), reverse=True)
    for age_days in ages:
        dealer_id = rng.choices(dealers, weights)[0]
        sequences[dealer_id] += 1
        registered = now - datetime.timedelta(days=age_days)
        vehicle_id, customer_id, name, mobile = rng.choice(vehicles[dealer_id])
        roll = rng.random()
        if age_days < 14:
            state = rng.choice(OPEN_SPREAD)
        elif roll < 0.02:
            state = rng.choice(ACTIVE_STATES)  # stuck: long overdue
        elif roll < 0.03:
            state = State.RESOLVED
        else:
            state = State.CLOSED
        severity = rng.choices(Severity.values, [3, 5, 2, 0.5])[0]
        important = rng.random() < 0.03
        escalation = Escalation.NONE
        draw = rng.random()
        if important or draw < 0.04:
            escalation = Escalation.MANUFACTURER_CRC
        elif draw < 0.06:
            escalation = Escalation.REGIONAL
        responded = state != State.REGISTERED or rng.random() < 0.3
        resolved = state in (State.RESOLVED, State.FOLLOWED_UP, State.CLOSED)
        closed = state == State.CLOSED
        rows.append(
            Complaint(
                dealer_id=dealer_id,
                number=f"TS{registered.year}{sequences[dealer_id]:07d}",
                channel=rng.choice(Channel.values),
                category=rng.choice(Category.values),
                department=rng.choice(Department.values),
                severity=severity,
                customer_id=customer_id,
                vehicle_id=vehicle_id if rng.random() < 0.9 else None,
                contact_name=name,
                contact_phone=mobile if rng.random() < 0.5 else "",
                subject=rng.choice(SUBJECTS),
                description="客户来电反映问题，要求尽快处理。",
                important_flags=[ImportantFlag.SAFETY] if important else [],
                is_important=important,
                state=state,
                escalation=escalation,
                owner_id=rng.choice(handlers[dealer_id]) if rng.random() < 0.95 else None,
                registered_at=registered,
                first_response_due=registered + datetime.timedelta(hours=24),
                resolution_due=registered + datetime.timedelta(hours=rng.choice([48, 72, 168])),
                first_response_at=(
                    registered + datetime.timedelta(hours=rng.uniform(0.2, 30))
                    if responded
                    else None
                ),
                escalated_at=registered if escalation != Escalation.NONE else None,
                resolved_at=(
                    registered + datetime.timedelta(days=rng.uniform(1, 8)) if resolved else None
                ),
                closed_at=(
                    registered + datetime.timedelta(days=rng.uniform(8, 12)) if closed else None
                ),
            )
        )
        if len(rows) == BATCH:
            with transaction.atomic():
                Complaint.objects.bulk_create(rows)
            written += len(rows)
            rows = []
    if rows:
        with transaction.atomic():
            Complaint.objects.bulk_create(rows)
        written += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    log(f"complaints: {written:,} written in {time.perf_counter() - started:.1f} s")
    return written


def _client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username=MANAGER))
    return client


def _list_params(archive: Archive, count: int, rng: random.Random) -> list[dict[str, str]]:
    """Filters a manager uses: open, overdue, important, categories, searches, pages."""
    sample = list(
        Complaint.objects.filter(dealer_id=archive.dealer_id)
        .order_by("-registered_at")
        .values_list("number", "contact_name", "contact_phone", "vehicle__plate")[:2000]
    )
    today = timezone.localdate()
    variants = []
    for index in range(count):
        number, name, phone, plate = rng.choice(sample)
        kind = index % 16
        params: dict[str, str] = {}
        if kind == 0:
            params = {}
        elif kind == 1:
            params = {"state": "open"}
        elif kind == 2:
            params = {"overdue": "1", "sort": "due"}
        elif kind == 3:
            params = {"state": "open", "important": "1"}
        elif kind == 4:
            params = {"escalated": "1", "state": "open"}
        elif kind == 5:
            params = {"category": rng.choice(Category.values)}
        elif kind == 6:
            params = {"q": number}
        elif kind == 7:
            params = {"q": name}
        elif kind == 8:
            params = {"q": plate or name}
        elif kind == 9:
            params = {"q": phone or number}
        elif kind == 10:
            params = {"page": str(rng.randint(2, 400))}
        elif kind == 11:
            params = {"mine": "1", "state": "open", "sort": "due"}
        elif kind == 12:
            start = today - datetime.timedelta(days=rng.randint(30, 900))
            params = {
                "from": f"{start:%Y-%m-%d}",
                "to": f"{start + datetime.timedelta(30):%Y-%m-%d}",
            }
        elif kind == 13:
            params = {"severity": "critical", "state": "open"}
        elif kind == 14:
            params = {"state": "closed", "page": str(rng.randint(1, 50))}
        else:
            params = {
                "channel": rng.choice(Channel.values),
                "department": rng.choice(Department.values),
            }
        variants.append(params)
    return variants


def _measure(name: str, client: Client, url: str, variants: list[dict[str, str]]):
    def get(params):
        response = client.get(url, params)
        if response.status_code != 200:
            raise AssertionError(f"GET {url} {params} answered {response.status_code}")
        return response

    for params in variants[:WARM_UP]:
        get(params)
    measured = [_timed(lambda params=params: get(params)) for params in variants[WARM_UP:]]
    timings, cpu = [m[0] for m in measured], [m[1] for m in measured]
    most = 0
    slowest = sorted(zip(timings, variants[WARM_UP:], strict=True), key=lambda pair: -pair[0])[:3]
    for params in variants[WARM_UP:]:
        with CaptureQueriesContext(connection) as queries:
            get(params)
        most = max(most, len(queries))
    log(
        f"{name} n={len(timings)} p50={statistics.median(timings):.2f} ms "
        f"p95={p95(timings):.2f} ms max={max(timings):.2f} ms (cpu p95 {p95(cpu):.2f}) | "
        f"queries {most} | slowest {[(round(t, 1), p) for t, p in slowest]}"
    )
    return p95(timings), most


def complaint_list(archive: Archive, *, n: int, pages: int = 50) -> Iterator[dict[str, Any]]:
    """complaint_list_p95_ms and complaint_list_queries."""
    total = complaints_generate(archive, n)
    connection.close()
    rng = random.Random(SEED + 1)
    variants = _list_params(archive, pages + WARM_UP, rng)
    value, queries = _measure(
        f"complaint_list complaints={total:,}", _client(), reverse("complaints:list"), variants
    )
    yield {"metric": "complaint_list_p95_ms", "value": round(value, 2), "unit": "ms"}
    yield {"metric": "complaint_list_queries", "value": queries, "unit": "queries"}


def complaint_dashboard(archive: Archive, *, n: int, pages: int = 50) -> Iterator[dict[str, Any]]:
    """complaint_dashboard_p95_ms and complaint_dashboard_queries."""
    total = complaints_generate(archive, n)
    connection.close()
    value, queries = _measure(
        f"complaint_dashboard complaints={total:,}",
        _client(),
        reverse("complaints:dashboard"),
        [{}] * (pages + WARM_UP),
    )
    yield {"metric": "complaint_dashboard_p95_ms", "value": round(value, 2), "unit": "ms"}
    yield {"metric": "complaint_dashboard_queries", "value": queries, "unit": "queries"}
