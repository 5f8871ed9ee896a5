"""Settling a repair order of 50 lines (25 labour, 25 parts), through the services.

For each of ROUNDS vehicles of the measured dealer an order is opened and taken to ready
(not timed); then the advisor's pre-settlement with fees and a discount, the cashier's
settlement with payments split across three methods and the invoice number are timed
together: `settlement_50_lines_ms` is their p95 (target ≤ 200 ms).
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle
from dcrc.parts.models import Part
from dcrc.service import orders, settlement
from dcrc.service.choices import OrderAction, OrderState, PaymentMethod, StationKind
from dcrc.service.models import LabourItem, RepairOrder

from .bench_search import _timed, p95
from .generate import Archive

ROUNDS = 25
WARM_UP = 3
LINES = 25  # of each kind
ADVISOR, CASHIER = "bench_settlement_advisor", "bench_settlement_cashier"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _user(username: str, role: str, dealer_id: int) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": username, "role": role}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.dealers.add(dealer_id)
    return user


def _ready_order(vehicle: Vehicle, advisor: User, labour: LabourItem, part: Part) -> RepairOrder:
    order = orders.repair_order_open(
        vehicle=vehicle,
        by=advisor,
        odometer=vehicle.mileage + 1000,
        customer_description="保养并检查底盘",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    for number in range(LINES):
        orders.job_line_add(
            order=order, labour_item=labour, by=advisor, billed_hours=Decimal(number + 1) / 4
        )
        orders.part_line_add(order=order, part=part, quantity=Decimal(number % 3 + 1), by=advisor)
    orders.repair_order_estimate(order=order, by=advisor)
    order = orders.repair_order_confirm(order=order, by=advisor, signed_on_paper=True)
    for action in (
        OrderAction.DISPATCH,
        OrderAction.START,
        OrderAction.FINISH,
        OrderAction.QC_PASS,
    ):
        with transaction.atomic():  # the workshop's steps, taken directly
            order = orders.order_step(orders.order_locked(order), action=action, by=advisor)
    return order


def _settle(order: RepairOrder, advisor: User, cashier: User) -> RepairOrder:
    order = settlement.repair_order_presettle(
        order=order,
        by=advisor,
        fees={"management_fee": Decimal("30.00"), "materials_fee": Decimal("18.50")},
        discount=Decimal("0.50"),
        discount_reason="抹零",
    )
    payable = order.customer_payable
    cash = Decimal("100.00")
    card = (payable - cash) / 2
    card = card.quantize(Decimal("0.01"))
    return settlement.repair_order_settle(
        order=order,
        by=cashier,
        payments={
            PaymentMethod.CASH: cash,
            PaymentMethod.CARD: card,
            PaymentMethod.WECHAT: payable - cash - card,
        },
        invoice_no="44000001",
    )


def settlement_50_lines(archive: Archive) -> Iterator[dict[str, Any]]:
    """settlement_50_lines_ms: pre-settle and settle an order of 50 lines (p95)."""
    dealer = Dealer.objects.get(pk=archive.dealer_id)
    advisor = _user(ADVISOR, Role.SERVICE_ADVISOR, dealer.pk)
    cashier = _user(CASHIER, Role.CASHIER, dealer.pk)
    labour, _ = LabourItem.objects.get_or_create(
        dealer=dealer,
        code="BENCH1",
        defaults={
            "name": "底盘检查",
            "work_type": StationKind.MECHANICAL,
            "standard_hours": Decimal("0.50"),
            "rate": Decimal("185.00"),
        },
    )
    part, _ = Part.objects.get_or_create(
        dealer=dealer,
        code="BENCH-P1",
        defaults={"name": "机油滤清器", "unit": "个", "sale_price": Decimal("68.30")},
    )
    busy = RepairOrder.objects.filter(dealer=dealer).values("vehicle_id")
    vehicles = list(
        Vehicle.objects.filter(dealer=dealer, owner__isnull=False)
        .exclude(pk__in=busy)
        .order_by("id")[: ROUNDS + WARM_UP]
    )
    timings = []
    for number, vehicle in enumerate(vehicles):
        order = _ready_order(vehicle, advisor, labour, part)
        wall, _cpu, settled = _timed(lambda order=order: _settle(order, advisor, cashier))
        if settled.state != OrderState.SETTLED or settled.outstanding:
            raise AssertionError(f"{settled} not settled in full")
        if number >= WARM_UP:
            timings.append(wall)
    log(
        f"settlement_50_lines n={len(timings)} p50={statistics.median(timings):.2f} ms "
        f"p95={p95(timings):.2f} ms max={max(timings):.2f} ms"
    )
    yield {"metric": "settlement_50_lines_ms", "value": round(p95(timings), 2), "unit": "ms"}
