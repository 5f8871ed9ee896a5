"""Demo settlement of a dealer's after-sales day: repair orders taken to ready through the
services, some waiting for pre-settlement, some in the cashier's queue, some settled with
payments split across methods (one on account with a balance), a few released.

Idempotent: a dealer with a pre-settled order already is left alone. Needs the dealer's
customers and its demo catalogue (service.demo_catalogue).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle
from dcrc.parts.models import Part

from . import orders, settlement
from .choices import BusinessType, OrderAction, PaymentMethod
from .models import LabourItem, RepairOrder

D = Decimal
CASH, CARD, ALIPAY, WECHAT = (
    PaymentMethod.CASH,
    PaymentMethod.CARD,
    PaymentMethod.ALIPAY,
    PaymentMethod.WECHAT,
)
# description, labour codes, parts (code, quantity), business type, what happens at the till:
# None = waiting for pre-settlement; "queue" = pre-settled; else (payments, on account, release)
ORDERS = [
    ("保养到期，做常规保养", ["M001", "M009"], [("06L115562B", 1)], BusinessType.SELF_PAY, None),
    ("前刹车异响", ["J101"], [], BusinessType.SELF_PAY, None),
    ("空调有异味，更换空调滤", ["M003"], [], BusinessType.SELF_PAY, "queue"),
    ("路上抛锚拖车进厂", ["M001"], [("06L115562B", 1)], BusinessType.SELF_PAY, "queue"),
    ("常规保养", ["M001"], [("06L115562B", 1)], BusinessType.SELF_PAY, ("split", "", True)),
    ("四轮定位", ["M006"], [], BusinessType.SELF_PAY, ("card", "", False)),
    ("车队车辆保养", ["M001", "M002"], [], BusinessType.SELF_PAY, ("part", "车队客户月结", False)),
    ("首保", ["M008"], [], BusinessType.WARRANTY, ("none", "", True)),
]


def _vehicles(dealer: Dealer, count: int) -> list[Vehicle]:
    busy = RepairOrder.objects.for_dealer(dealer).in_shop().values("vehicle_id")
    return list(
        Vehicle.objects.filter(dealer=dealer, owner__isnull=False)
        .exclude(pk__in=busy)
        .select_related("owner")
        .order_by("id")[:count]
    )


def _payments(kind: str, payable: Decimal) -> dict[str, Decimal]:
    if kind == "split":  # part in cash, the rest by WeChat Pay, to the fen
        cash = (payable / 3).quantize(D("1"))
        return {CASH: cash, WECHAT: payable - cash}
    if kind == "card":
        return {CARD: payable}
    if kind == "part":
        return {ALIPAY: (payable / 2).quantize(D("0.01"))}
    return {}


def _visit_type(codes: list[str], business_type: str) -> str:
    if business_type == BusinessType.WARRANTY:
        return VisitType.FIRST_MAINTENANCE
    return VisitType.PERIODIC_MAINTENANCE if codes[0].startswith("M") else VisitType.MINOR_REPAIR


@transaction.atomic
def demo_settlement_load(*, dealer: Dealer, users: dict[str, User], now: datetime.datetime) -> None:
    if RepairOrder.objects.for_dealer(dealer).filter(presettled_at__isnull=False).exists():
        return
    advisor = users.get("advisor") or users["admin"]
    cashier = users.get("cashier") or users["admin"]
    labour = {item.code: item for item in LabourItem.objects.for_dealer(dealer)}
    parts = {part.code: part for part in Part.objects.for_dealer(dealer)}
    if not labour:
        return
    vehicles = _vehicles(dealer, len(ORDERS))
    for number, (vehicle, spec) in enumerate(zip(vehicles, ORDERS, strict=False)):
        description, codes, part_specs, business_type, till = spec
        at = now - datetime.timedelta(hours=5, minutes=20 * (len(ORDERS) - number))
        order = orders.repair_order_open(
            vehicle=vehicle,
            by=advisor,
            odometer=vehicle.mileage + 1200 + 150 * number,
            customer_description=description,
            visit_type=_visit_type(codes, business_type),
            business_type=business_type,
            contact_phone=vehicle.owner.mobile,
            at=at,
        )
        for code in codes:
            if code in labour:
                orders.job_line_add(order=order, labour_item=labour[code], by=advisor)
        for code, quantity in part_specs:
            if code in parts:
                orders.part_line_add(
                    order=order, part=parts[code], quantity=D(quantity), by=advisor
                )
        orders.repair_order_estimate(order=order, by=advisor, at=at + datetime.timedelta(minutes=5))
        order = orders.repair_order_confirm(
            order=order, by=advisor, signed_on_paper=True, at=at + datetime.timedelta(minutes=8)
        )
        step_at = at + datetime.timedelta(minutes=10)
        for action in (
            OrderAction.DISPATCH,
            OrderAction.START,
            OrderAction.FINISH,
            OrderAction.QC_PASS,
        ):
            step_at += datetime.timedelta(minutes=25)
            order = orders.order_step(
                orders.order_locked(order), action=action, by=advisor, at=step_at
            )
        if till is None:
            continue
        fees = (
            {"rescue_fee": D("300.00")} if "拖车" in description else {"materials_fee": D("15.00")}
        )
        order = settlement.repair_order_presettle(
            order=order, by=advisor, fees=fees, at=step_at + datetime.timedelta(minutes=10)
        )
        if till == "queue":
            continue
        kind, on_account, release = till
        paid_at = step_at + datetime.timedelta(minutes=30)
        order = settlement.repair_order_settle(
            order=order,
            by=cashier,
            payments=_payments(kind, order.customer_payable),
            references={WECHAT: f"42000{number:08d}"} if kind == "split" else {},
            invoice_no=f"4400{number:06d}" if order.customer_payable else "",
            on_account_reason=on_account,
            at=paid_at,
        )
        if release:
            orders.repair_order_release(
                order=order, by=advisor, at=paid_at + datetime.timedelta(minutes=10)
            )
