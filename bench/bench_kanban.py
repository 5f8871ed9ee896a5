"""The workshop kanban's htmx refresh with 200 vehicles in the shop, through the real view.

The measured dealer gets the demo catalogue (stations, labour items) and, through the same
services reception and the workshop use, 200 repair orders spread over the kanban's states
(waiting for dispatch, dispatched, in work, QC, rework, ready), two job lines each. Then the
partial that `hx-trigger="every 15s"` asks for is fetched through django.test.Client as the
dealer's dispatcher, for all stations and filtered by one station.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle
from dcrc.service import orders, workshop
from dcrc.service.choices import IN_SHOP_STATES, WORKSHOP_STATES, QcItem, QcResult
from dcrc.service.demo_catalogue import demo_catalogue_load
from dcrc.service.models import LabourItem, RepairOrder, Station

from .bench_search import WARM_UP, _timed, p95
from .generate import Archive

VEHICLES = 200
SEED = 57
DISPATCHER = "bench_dispatcher"
# The share of the shop in each state, the way a busy afternoon looks.
GOALS = (
    ["confirmed"] * 3 + ["dispatched"] * 3 + ["in_work"] * 6 + ["qc"] * 2 + ["rework", "ready"] * 2
)
LABOUR = ["M001", "M009", "J101", "J110", "M006", "B202", "P302", "J108"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _user(username: str, role: str, dealer: Dealer, display: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display, "role": role}
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.dealers.add(dealer)
    return user


def shop_fill(archive: Archive, vehicles: int = VEHICLES) -> int:
    """Bring the dealer's workshop to `vehicles` orders (a --reuse run keeps them)."""
    dealer = Dealer.objects.get(pk=archive.dealer_id)
    dispatcher = _user(DISPATCHER, Role.DISPATCHER, dealer, "调度")
    advisor = _user("bench_advisor", Role.SERVICE_ADVISOR, dealer, "顾问")
    inspector = _user("bench_qc", Role.QC_INSPECTOR, dealer, "质检")
    technicians = [_user(f"bench_tech_{n}", Role.TECHNICIAN, dealer, f"技师{n}") for n in range(6)]
    demo_catalogue_load(dealer=dealer, users={"dispatcher": dispatcher, "warehouse": dispatcher})
    stations = list(Station.objects.filter(dealer=dealer, active=True))
    for index, station in enumerate(stations):
        station.technicians.add(technicians[index % len(technicians)])
    existing = RepairOrder.objects.filter(dealer=dealer, state__in=WORKSHOP_STATES).count()
    missing = vehicles - existing
    if missing <= 0:
        return existing
    items = {i.code: i for i in LabourItem.objects.filter(dealer=dealer, code__in=LABOUR)}
    busy = RepairOrder.objects.filter(dealer=dealer, state__in=IN_SHOP_STATES).values("vehicle")
    cars = list(
        Vehicle.objects.filter(dealer=dealer, owner__isnull=False).exclude(pk__in=busy)[:missing]
    )
    rng = random.Random(SEED)
    now = timezone.now()
    log(f"bench: filling the workshop with {len(cars)} repair orders …")
    for number, vehicle in enumerate(cars):
        goal = GOALS[number % len(GOALS)]
        opened = now - datetime.timedelta(minutes=rng.randint(30, 480))
        _order(vehicle, goal, opened, rng, items, stations, advisor, dispatcher, inspector)
    return RepairOrder.objects.filter(dealer=dealer, state__in=WORKSHOP_STATES).count()


def _order(vehicle, goal, opened, rng, items, stations, advisor, dispatcher, inspector):
    order = orders.repair_order_open(
        vehicle=vehicle,
        by=advisor,
        odometer=vehicle.mileage + 500,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
        promised_at=opened + datetime.timedelta(hours=rng.choice([2, 3, 4, 6])),
        at=opened,
    )
    for code in rng.sample(sorted(items), 2):
        orders.job_line_add(order=order, labour_item=items[code], by=advisor)
    orders.repair_order_estimate(order=order, by=advisor, at=opened)
    order = orders.repair_order_confirm(order=order, by=advisor, signed_on_paper=True, at=opened)
    if goal == "confirmed":
        return
    plan = []
    for line in order.job_lines.all():
        station = next((s for s in stations if s.kind == line.work_type), stations[0])
        plan.append(
            workshop.LineDispatch(
                line=line, station=station, technician=station.technicians.first()
            )
        )
    workshop.repair_order_dispatch(order=order, by=dispatcher, lines=plan, at=opened)
    if goal == "dispatched":
        return
    lines = list(order.job_lines.select_related("technician"))
    for line in lines:
        workshop.job_line_start(line=line, by=line.technician)
    if goal == "in_work":
        return
    for line in lines:
        workshop.job_line_finish(line=line, by=line.technician)
    if goal == "qc":
        return
    order.refresh_from_db()
    late = order.work_finished_at > order.promised_at
    if goal == "rework":
        workshop.quality_check_record(
            order=order,
            by=inspector,
            result=QcResult.FAIL,
            checklist=[],
            rework_reason="返工",
            rework_owner=lines[0].technician,
            delay_reason="超时" if late else "",
        )
    else:
        workshop.quality_check_record(
            order=order,
            by=inspector,
            result=QcResult.PASS,
            checklist=list(QcItem.values),
            delay_reason="超时" if late else "",
        )


def kanban(archive: Archive, *, pages: int = 100) -> Iterator[dict[str, Any]]:
    """kanban_refresh_p95_ms and kanban_refresh_queries."""
    total = shop_fill(archive)
    connection.close()
    client = Client()
    client.force_login(User.objects.get(username=DISPATCHER))
    url = reverse("service:workshop_kanban")
    station = Station.objects.filter(dealer_id=archive.dealer_id, active=True).first()
    variants = [{}, {}, {"station": str(station.pk)}] if station else [{}]

    def get(params):
        response = client.get(url, params, HTTP_HX_REQUEST="true")
        if response.status_code != 200:
            raise AssertionError(f"GET {url} {params} answered {response.status_code}")
        return response

    for index in range(WARM_UP):
        get(variants[index % len(variants)])
    measured = [_timed(lambda i=i: get(variants[i % len(variants)])) for i in range(pages)]
    timings, cpu = [m[0] for m in measured], [m[1] for m in measured]
    most = 0
    for params in variants:
        with CaptureQueriesContext(connection) as queries:
            get(params)
        most = max(most, len(queries))
    cards = get({}).content.decode().count('data-testid="kanban-card"')
    log(
        f"kanban_refresh vehicles={total} cards={cards} n={len(timings)} "
        f"p50={statistics.median(timings):.2f} ms p95={p95(timings):.2f} ms "
        f"max={max(timings):.2f} ms (cpu p95 {p95(cpu):.2f}) | queries {most}"
    )
    yield {"metric": "kanban_refresh_p95_ms", "value": round(p95(timings), 2), "unit": "ms"}
    yield {"metric": "kanban_refresh_queries", "value": most, "unit": "queries"}
