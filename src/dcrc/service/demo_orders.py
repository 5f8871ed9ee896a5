"""Demo reception day of a dealer: repair orders open, estimated, confirmed (signed on screen
and on paper), one waiting for a new confirmation after a change, one cancelled, one insurance
job, one late in the workshop, one ready for delivery and two released today (which queue
their callbacks). Everything goes through service.orders.

Idempotent: a dealer that has today's first demo order already is left alone.
Needs the demo catalogue (service.demo_catalogue) and customers with vehicles.
"""

from __future__ import annotations

import datetime
import math
import struct
import zlib
from decimal import Decimal

from django.db import transaction

from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle
from dcrc.parts.models import Part

from . import orders
from .choices import BusinessType, FuelLevel, OrderAction, PaymentMethod
from .models import LabourItem, RepairOrder

FIRST_DESCRIPTION = "仪表提示保养，顺便检查底盘异响"
# name: (description, visit type, labour codes, parts (code, quantity), where it gets to)
SCENARIOS = [
    ("open", FIRST_DESCRIPTION, VisitType.PERIODIC_MAINTENANCE, [], []),
    (
        "estimated",
        "刹车时有尖锐异响",
        VisitType.MINOR_REPAIR,
        ["J101", "M009"],
        [("5QD698151", "1")],
    ),
    (
        "signed_on_screen",
        "常规保养，更换机油机滤",
        VisitType.PERIODIC_MAINTENANCE,
        ["M001", "M009"],
        [("06L115562B", "1"), ("G052195M4", "4"), ("N90813202", "1")],
    ),
    (
        "signed_on_paper",
        "空调不凉",
        VisitType.MINOR_REPAIR,
        ["J108"],
        [("R134A-500", "2")],
    ),
    (
        "reconfirm",
        "保养，客户要求检查蓄电池",
        VisitType.PERIODIC_MAINTENANCE,
        ["M001"],
        [("06L115562B", "1"), ("G052195M4", "4")],
    ),
    ("cancelled", "雨刮器刮不干净", VisitType.MINOR_REPAIR, ["J109"], [("5G1955425", "1")]),
    (
        "insurance",
        "前保险杠剐蹭，需钣喷",
        VisitType.ACCIDENT,
        ["B201", "P301"],
        [("LA7W-PAINT", "0.5")],
    ),
    (
        "late",
        "发动机冷启动异响",
        VisitType.MAJOR_REPAIR,
        ["J106", "J110"],
        [],
    ),
    (
        "ready",
        "更换空气滤和空调滤",
        VisitType.PERIODIC_MAINTENANCE,
        ["M002", "M003"],
        [("5Q0129620D", "1"), ("5Q0819653", "1")],
    ),
    (
        "released",
        "首保",
        VisitType.FIRST_MAINTENANCE,
        ["M008", "M001"],
        [("06L115562B", "1"), ("G052195M4", "4")],
    ),
    (
        "released",
        "轮胎偏磨，做四轮定位",
        VisitType.MINOR_REPAIR,
        ["M006", "M007"],
        [],
    ),
]
WORKSHOP_PATH = (
    OrderAction.DISPATCH,
    OrderAction.START,
    OrderAction.FINISH,
    OrderAction.QC_PASS,
)


def _png(width: int, height: int, pixels: set[tuple[int, int]]) -> bytes:
    """A black-on-white PNG (8-bit greyscale) of the given pixels."""
    rows = b"".join(
        b"\x00" + bytes(0 if (x, y) in pixels else 255 for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def demo_signature() -> str:
    """A hand-drawn-looking scribble as the data URL a signature pad sends."""
    import base64

    width, height = 240, 80
    pixels: set[tuple[int, int]] = set()
    for step in range(1400):
        t = step / 1400
        x = 15 + t * 210
        y = 40 + 18 * math.sin(t * 19) * (1 - t * 0.6) + 6 * math.sin(t * 53)
        for dx in (0, 1):
            for dy in (0, 1):
                pixels.add((int(x) + dx, int(y) + dy))
    png = _png(width, height, pixels)
    return orders.SIGNATURE_PREFIX + base64.b64encode(png).decode()


def _lines(order, *, labour, parts, by) -> None:
    items = {
        item.code: item
        for item in LabourItem.objects.filter(dealer_id=order.dealer_id, code__in=labour)
    }
    codes = [code for code, _quantity in parts]
    stock = {
        part.code: part for part in Part.objects.filter(dealer_id=order.dealer_id, code__in=codes)
    }
    for code in labour:
        if code in items:
            orders.job_line_add(order=order, labour_item=items[code], by=by)
    for code, quantity in parts:
        if code in stock:
            orders.part_line_add(order=order, part=stock[code], quantity=Decimal(quantity), by=by)


@transaction.atomic
def demo_orders_load(*, dealer: Dealer, users: dict[str, User], now: datetime.datetime) -> None:
    """Today's reception at `dealer` (see the module's docstring)."""
    if RepairOrder.objects.filter(dealer=dealer, customer_description=FIRST_DESCRIPTION).exists():
        return
    if not LabourItem.objects.filter(dealer=dealer).exists():
        return  # no catalogue: nothing sensible to put on an order
    advisor = users.get("advisor") or users["admin"]
    busy = RepairOrder.objects.in_shop().filter(dealer=dealer).values("vehicle_id")
    vehicles = list(
        Vehicle.objects.filter(dealer=dealer, owner__merged_into__isnull=True)
        .exclude(pk__in=busy)
        .select_related("owner__membership_level")
        .order_by("-pk")[: len(SCENARIOS)]
    )
    signature = demo_signature()
    for index, ((kind, description, visit_type, labour, parts), vehicle) in enumerate(
        zip(SCENARIOS, vehicles, strict=False)
    ):
        if kind in ("late", "ready", "released"):  # came in early: the workshop had them
            opened = now - datetime.timedelta(hours=5, minutes=10 * index)
        else:
            opened = now - datetime.timedelta(minutes=20 + 25 * (len(SCENARIOS) - index))
        insured = kind == "insurance"
        extra = {}
        if insured:
            extra = {
                "insurer": "中国人民财产保险",
                "paying_company": "人保财险广州分公司",
                "insurance_report_no": f"RDAA{now:%Y%m%d}{index:04d}",
                "loss_assessment": Decimal("4200.00"),
                "property_loss": True,
                "deductible": Decimal("500.00"),
            }
        promised = opened + datetime.timedelta(hours=1 if kind == "late" else 4)
        order = orders.repair_order_open(
            vehicle=vehicle,
            by=advisor,
            odometer=vehicle.mileage + 120 + 37 * index,
            customer_description=description,
            visit_type=visit_type,
            business_type=BusinessType.INSURANCE if insured else BusinessType.SELF_PAY,
            fuel_level=(FuelLevel.QUARTER, FuelLevel.HALF, FuelLevel.THREE_QUARTERS)[index % 3],
            contact_name=vehicle.owner.name,
            contact_phone=vehicle.owner.mobile,
            payment_method=(PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.CARD)[
                index % 3
            ],
            items_left="行车记录仪" if index % 4 == 0 else "",
            promised_at=promised,
            at=opened,
            **extra,
        )
        _lines(order, labour=labour, parts=parts, by=advisor)
        if kind == "open":
            continue
        order = orders.repair_order_estimate(
            order=order, by=advisor, at=opened + datetime.timedelta(minutes=10)
        )
        if kind in ("estimated", "insurance"):
            continue
        if kind == "cancelled":
            orders.repair_order_cancel(
                order=order,
                by=advisor,
                reason="客户嫌价格高，改天再来",
                at=opened + datetime.timedelta(minutes=15),
            )
            continue
        on_paper = kind in ("signed_on_paper", "late")
        order = orders.repair_order_confirm(
            order=order,
            by=advisor,
            signature="" if on_paper else signature,
            signed_on_paper=on_paper,
            at=opened + datetime.timedelta(minutes=14),
        )
        if kind == "reconfirm":
            battery = LabourItem.objects.filter(dealer=dealer, code="J105").first()
            if battery is not None:
                orders.job_line_add(order=order, labour_item=battery, by=advisor)
            continue
        if kind in ("signed_on_screen", "signed_on_paper"):
            continue
        path = WORKSHOP_PATH[:2] if kind == "late" else WORKSHOP_PATH
        if kind == "released":
            path = (*WORKSHOP_PATH, OrderAction.SETTLE)
        for step, action in enumerate(path, start=1):
            order = orders.order_step(
                orders.order_locked(order),
                action=action,
                by=advisor,
                at=opened + datetime.timedelta(minutes=15 + 20 * step),
            )
        if kind == "released":
            orders.repair_order_release(
                order=order, by=advisor, at=opened + datetime.timedelta(minutes=20 + 20 * len(path))
            )
