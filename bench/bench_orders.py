"""Reception and the repair order with 200 vehicles in the shop, through the real views.

The measured dealer gets the demo catalogue (labour items, parts with stock) and 200 repair
orders in the shop, each with two job lines and a part line, opened through service.orders.
Then, as the dealer's service advisor through django.test.Client:
- repair_order_open_p95_ms: the reception POST that opens a repair order for a walk-in
  (form, odometer rule, membership discount, numbering, the event);
- repair_order_page_p95_ms: the repair order page (lines, totals, events, panels);
- repair_order_save_p95_ms: saving on the order page (an htmx line change or part line added,
  which reprices the order and answers the lines block).

Register in bench/run.py:
    from . import bench_orders
    for figure in bench_orders.repair_orders(archive):
        figures.emit(figure)

"""

from __future__ import annotations

import random
import re
import statistics
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle
from dcrc.parts.models import Part
from dcrc.service import orders
from dcrc.service.choices import IN_SHOP_STATES
from dcrc.service.demo_catalogue import demo_catalogue_load
from dcrc.service.models import JobLine, LabourItem, RepairOrder

from .bench_search import WARM_UP, _timed, p95
from .generate import Archive

SEED = 53
ADVISOR = "bench_service_advisor"
IN_SHOP = 200


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _advisor(dealer_id: int) -> User:
    user, created = User.objects.get_or_create(
        username=ADVISOR, defaults={"display_name": "压测顾问", "role": Role.SERVICE_ADVISOR}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.dealers.set([dealer_id])
    return user


def shop_fill(archive: Archive, advisor: User, count: int = IN_SHOP) -> list[int]:
    """The dealer's catalogue and `count` orders in the shop (once: a --reuse run keeps them)."""
    dealer = Dealer.objects.get(pk=archive.dealer_id)
    demo_catalogue_load(dealer=dealer, users={"admin": advisor, "warehouse": advisor})
    in_shop = list(
        RepairOrder.objects.filter(dealer=dealer, state__in=IN_SHOP_STATES).values_list(
            "pk", flat=True
        )
    )
    labour = list(LabourItem.objects.filter(dealer=dealer)[:10])
    parts = list(Part.objects.filter(dealer=dealer, sale_price__gt=0)[:10])
    vehicles = Vehicle.objects.filter(dealer=dealer).exclude(repair_orders__isnull=False)
    rng = random.Random(SEED)
    for vehicle in vehicles.select_related("owner__membership_level")[
        : max(0, count - len(in_shop))
    ]:
        order = orders.repair_order_open(
            vehicle=vehicle,
            by=advisor,
            odometer=vehicle.mileage + 500,
            customer_description="保养",
            visit_type=VisitType.PERIODIC_MAINTENANCE,
        )
        for item in rng.sample(labour, 2):
            orders.job_line_add(order=order, labour_item=item, by=advisor)
        orders.part_line_add(order=order, part=rng.choice(parts), quantity=Decimal("1"), by=advisor)
        in_shop.append(order.pk)
    log(f"orders: {len(in_shop)} vehicles in the shop")
    return in_shop


def _measure(name: str, calls: list) -> tuple[float, int]:
    # The warm-up calls count the queries: a reception call cannot be repeated.
    most = 0
    for call in calls[:WARM_UP]:
        with CaptureQueriesContext(connection) as queries:
            call()
        most = max(most, len(queries))
    timings = [_timed(call)[0] for call in calls[WARM_UP:]]
    log(
        f"{name} n={len(timings)} p50={statistics.median(timings):.2f} ms "
        f"p95={p95(timings):.2f} ms max={max(timings):.2f} ms | queries {most}"
    )
    return p95(timings), most


def _ok(response, expected: int = 200):
    if response.status_code != expected:
        errors = re.findall(r"invalid-feedback[^>]*>([^<]+)<", response.content.decode())
        path = response.request["PATH_INFO"]
        raise AssertionError(f"{path} answered {response.status_code} {errors}")
    return response


def repair_orders(archive: Archive, *, pages: int = 50) -> Iterator[dict[str, Any]]:
    """repair_order_open_p95_ms, repair_order_page_p95_ms, repair_order_save_p95_ms."""
    advisor = _advisor(archive.dealer_id)
    in_shop = shop_fill(archive, advisor)
    connection.close()
    client = Client()
    client.force_login(advisor)
    rng = random.Random(SEED + 1)
    dealer_id = archive.dealer_id
    walk_ins = list(
        Vehicle.objects.filter(dealer_id=dealer_id)
        .exclude(repair_orders__isnull=False)
        .values_list("pk", "mileage")[: (pages + WARM_UP) * 2]
    )
    rng.shuffle(walk_ins)

    def reception(vehicle_id: int, mileage: int):
        def call():
            return _ok(
                client.post(
                    reverse("service:reception"),
                    {
                        "vehicle": vehicle_id,
                        "odometer": mileage + 300,
                        "fuel_level": "50",
                        "customer_description": "客户反映刹车异响",
                        "visit_type": VisitType.MINOR_REPAIR,
                        "business_type": "self_pay",
                        "promised_at": "2030-01-01T17:00",
                    },
                ),
                302,
            )

        return call

    opens = [reception(pk, km) for pk, km in walk_ins[: pages + WARM_UP]]
    value, queries = _measure("repair_order_open", opens)
    yield {"metric": "repair_order_open_p95_ms", "value": round(value, 2), "unit": "ms"}
    yield {"metric": "repair_order_open_queries", "value": queries, "unit": "queries"}

    page_urls = [
        reverse("service:order", args=[rng.choice(in_shop)]) for _ in range(pages + WARM_UP)
    ]
    pages_ = [(lambda url=url: _ok(client.get(url))) for url in page_urls]
    value, queries = _measure("repair_order_page", pages_)
    yield {"metric": "repair_order_page_p95_ms", "value": round(value, 2), "unit": "ms"}
    yield {"metric": "repair_order_page_queries", "value": queries, "unit": "queries"}

    lines = {
        order_id: line_id
        for order_id, line_id in JobLine.objects.filter(order_id__in=in_shop).values_list(
            "order_id", "pk"
        )
    }
    part_ids = list(Part.objects.filter(dealer_id=dealer_id).values_list("pk", flat=True)[:10])
    saves = []
    with_lines = sorted(lines)
    for index in range(pages + WARM_UP):
        order_id = rng.choice(with_lines)
        if index % 2:
            url = reverse("service:order_part_add", args=[order_id])
            data = {"part": rng.choice(part_ids), "quantity": "1"}
        else:
            url = reverse("service:order_job_change", args=[order_id, lines[order_id]])
            data = {"billed_hours": f"{rng.randint(5, 30) / 10:.2f}", "discount_pct": "5"}
        saves.append(lambda url=url, data=data: _ok(client.post(url, data, HTTP_HX_REQUEST="true")))
    value, queries = _measure("repair_order_save", saves)
    yield {"metric": "repair_order_save_p95_ms", "value": round(value, 2), "unit": "ms"}
    yield {"metric": "repair_order_save_queries", "value": queries, "unit": "queries"}
