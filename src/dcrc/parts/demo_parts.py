"""The parts warehouse's part of a demo day, through the services.

For a dealer with customers and the demo catalogue (service.demo_catalogue): receipts of the
last days, parts under their threshold, a repair order with parts issued and an old part
recorded, a confirmed order waiting in the requisition queue with a back-order, and a
stocktake whose variance is posted. Idempotent: does nothing once a demo receipt exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle

from . import requisitions, stock, stocktaking
from .choices import OldPartDisposition
from .models import Part, StockMovement, Warehouse

DEMO_REFERENCE = "DN-DEMO"
SUPPLIER = "供应商：一汽-大众华南配件中心"
# part no., quantity, days ago
RECEIPTS = [
    ("06L115562B", 40, 4),
    ("G052195M4", 120, 4),
    ("5QD698151", 6, 3),
    ("04E905612C", 24, 2),
    ("5Q0819653", 12, 1),
]
# Taken down below their thresholds by the day's work (part no., quantity issued).
SHORT = [("5QD615301", "5"), ("000915105DE", "4")]


def _part(dealer: Dealer, code: str) -> Part | None:
    return Part.objects.filter(dealer=dealer, code=code).first()


def _confirmed_order(vehicle: Vehicle, advisor: User, lines, now: datetime.datetime, text: str):
    from dcrc.service import orders

    order = orders.repair_order_open(
        vehicle=vehicle,
        by=advisor,
        odometer=(vehicle.mileage or 0) + 5000,
        customer_description=text,
        visit_type=VisitType.PERIODIC_MAINTENANCE,
        promised_at=now + datetime.timedelta(hours=4),
        at=now - datetime.timedelta(hours=2),
    )
    made = [
        orders.part_line_add(order=order, part=part, quantity=Decimal(q), by=advisor)
        for part, q in lines
    ]
    orders.repair_order_estimate(order=order, by=advisor)
    orders.repair_order_confirm(order=order, by=advisor, signed_on_paper=True)
    return order, made


@transaction.atomic
def demo_parts_load(*, dealer: Dealer, users: dict[str, User], now: datetime.datetime) -> None:
    main = Warehouse.objects.filter(dealer=dealer, is_default=True).first()
    if (
        main is None
        or StockMovement.objects.filter(
            dealer=dealer, reference__startswith=DEMO_REFERENCE
        ).exists()
    ):
        return
    keeper = users.get("warehouse") or users["admin"]
    advisor = users.get("advisor") or keeper

    for n, (code, quantity, days) in enumerate(RECEIPTS, start=1):
        part = _part(dealer, code)
        if part:
            stock.stock_receive(
                part=part,
                warehouse=main,
                quantity=Decimal(quantity),
                by=keeper,
                reference=f"{DEMO_REFERENCE}-{n:03d}",
                note=SUPPLIER,
                at=now - datetime.timedelta(days=days, hours=-9),
            )

    vehicles = list(Vehicle.objects.filter(dealer=dealer).exclude(plate="").order_by("pk")[:2])
    filter_, oil, swing_arm = (_part(dealer, c) for c in ("06L115562B", "G052195M4", "5Q0407151A"))
    if len(vehicles) == 2 and filter_ and oil:
        # An order being worked on: its parts issued, the old filter for the customer.
        short = [(part, q) for code, q in SHORT if (part := _part(dealer, code))]
        order, (filter_line, oil_line, *short_lines) = _confirmed_order(
            vehicles[0],
            advisor,
            [(filter_, "1"), (oil, "4.5"), *short],
            now,
            "常规保养，更换机油机滤",
        )
        for line in (filter_line, oil_line, *short_lines):
            requisitions.requisition_issue(
                line=line, quantity=line.quantity, by=keeper, at=now - datetime.timedelta(hours=1)
            )
        requisitions.old_part_record(
            order=order,
            part_line=filter_line,
            description="",
            quantity=Decimal("1"),
            disposition=OldPartDisposition.TO_CUSTOMER,
            note="客户要求带走旧件",
            by=keeper,
            at=now - datetime.timedelta(minutes=40),
        )
        # A confirmed order waiting in the queue, its swing arm back-ordered.
        waiting_lines = [(filter_, "1")] + ([(swing_arm, "1")] if swing_arm else [])
        waiting, _lines = _confirmed_order(
            vehicles[1], advisor, waiting_lines, now, "底盘异响，更换左下摆臂"
        )
        if swing_arm:
            stock.stock_reserve(
                part=swing_arm,
                warehouse=main,
                quantity=Decimal("1"),
                order=waiting,
                by=keeper,
                needed_by=now + datetime.timedelta(days=1),
                supplier_order_no="PO-DEMO-0087",
                expected_on=(now + datetime.timedelta(days=2)).date(),
            )

    # Yesterday's count of the main store: wiper blades one short, gaskets two over.
    count = stocktaking.stocktake_open(
        warehouse=main, by=keeper, note="月度盘点", at=now - datetime.timedelta(days=1)
    )
    variance = {"5G1955425": Decimal("-1"), "N90813202": Decimal("2")}
    lines = list(count.lines.select_related("part"))
    stocktaking.stocktake_count(
        stocktake=count,
        counts={
            line.pk: line.expected + variance.get(line.part.code, Decimal("0")) for line in lines
        },
        by=keeper,
    )
    stocktaking.stocktake_post(
        stocktake=count, by=keeper, at=now - datetime.timedelta(days=1, hours=-2)
    )
