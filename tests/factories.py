"""Factories for tests and benchmarks. Customers and vehicles go through the services, as users do."""

from __future__ import annotations

import datetime
import itertools
import random
import string

import factory

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, DealerGroup, Manufacturer, User
from dcrc.customers import services
from dcrc.customers.normalize import vin_check_digit

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志伟海燕小龙云飞晓东春梅宇轩子涵浩然欣怡思远佳琪梓萱"


def random_vin(rng: random.Random | None = None, prefix: str = "LSV") -> str:
    rng = rng or random
    body = prefix + "".join(rng.choice(VIN_CHARS) for _ in range(14 - len(prefix) + 3))
    vin = body[:8] + "0" + body[8:16]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def random_mobile(rng: random.Random | None = None) -> str:
    rng = rng or random
    return rng.choice(["138", "139", "135", "186", "158", "177", "199"]) + "".join(
        rng.choice(string.digits) for _ in range(8)
    )


def random_plate(rng: random.Random | None = None, province: str = "粤") -> str:
    rng = rng or random
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return province + rng.choice(letters) + "".join(rng.choice("0123456789") for _ in range(5))


def random_name(rng: random.Random | None = None) -> str:
    rng = rng or random
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


class ManufacturerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Manufacturer
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"厂家{n}")


class DealerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup

    name = factory.Sequence(lambda n: f"集团{n}")


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"测试汽车销售服务有限公司{n}")
    short_name = factory.Sequence(lambda n: f"测试4S店{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    role = Role.DCRC_AGENT
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def dealers(self, create, extracted, **kwargs):
        if create and extracted:
            self.dealers.set(extracted)


def make_customer(dealer: Dealer, **fields):
    fields.setdefault("name", random_name())
    fields.setdefault("mobile", random_mobile())
    return services.customer_create(dealer=dealer, **fields)


_plates = itertools.count(1)


def make_vehicle(owner, **fields):
    fields.setdefault("vin", random_vin())
    # A plate sits on one vehicle at a time: a sequence never collides, random plates might.
    fields.setdefault("plate", f"粤Z{next(_plates) % 100000:05d}")
    fields.setdefault("brand", "大众")
    fields.setdefault("series", "帕萨特")
    fields.setdefault("purchase_date", datetime.date(2023, 5, 1))
    return services.vehicle_create(owner=owner, **fields)


# --- after-sales: catalogue and stock -----------------------------------------------------


def make_warehouse(dealer: Dealer, **fields):
    from dcrc.parts.models import Warehouse

    fields.setdefault("code", "MAIN")
    fields.setdefault("name", "主仓库")
    fields.setdefault("is_default", not Warehouse.objects.filter(dealer=dealer).exists())
    return Warehouse.objects.create(dealer=dealer, **fields)


_part_codes = itertools.count(1)


def make_part(dealer: Dealer, **fields):
    from decimal import Decimal

    from dcrc.parts.models import Part

    fields.setdefault("code", f"P{next(_part_codes):06d}")
    fields.setdefault("name", "机油滤清器")
    fields.setdefault("unit", "个")
    fields.setdefault("sale_price", Decimal("68.00"))
    fields.setdefault("cost_price", Decimal("40.00"))
    fields.setdefault("default_bin", "A-01-01")
    return Part.objects.create(dealer=dealer, **fields)


def make_labour_item(dealer: Dealer, **fields):
    from decimal import Decimal

    from dcrc.service.choices import StationKind
    from dcrc.service.models import LabourItem

    fields.setdefault("code", f"L{next(_part_codes):05d}")
    fields.setdefault("name", "更换机油机滤")
    fields.setdefault("work_type", StationKind.MAINTENANCE)
    fields.setdefault("standard_hours", Decimal("0.50"))
    fields.setdefault("rate", Decimal("180.00"))
    return LabourItem.objects.create(dealer=dealer, **fields)


def make_station(dealer: Dealer, **fields):
    from dcrc.service.choices import StationKind
    from dcrc.service.models import Station

    fields.setdefault("kind", StationKind.MAINTENANCE)
    fields.setdefault("code", f"S{next(_part_codes):04d}")
    fields.setdefault("name", "快保工位")
    technicians = fields.pop("technicians", [])
    station = Station.objects.create(dealer=dealer, **fields)
    station.technicians.set(technicians)
    return station


def stock_put(part, warehouse, quantity, by, bin: str = ""):
    """Receive `quantity` of a part, through the receiving service."""
    from decimal import Decimal

    from dcrc.parts.stock import stock_receive

    return stock_receive(part=part, warehouse=warehouse, quantity=Decimal(quantity), by=by, bin=bin)


# --- after-sales: workshop --------------------------------------------------------------


def make_confirmed_order(vehicle, advisor, labour_items, **fields):
    """A repair order with one job line per labour item, estimated and signed: ready to dispatch."""
    from dcrc.customers.choices import VisitType
    from dcrc.service import orders

    fields.setdefault("odometer", max(vehicle.mileage, 10000))
    fields.setdefault("customer_description", "保养")
    fields.setdefault("visit_type", VisitType.PERIODIC_MAINTENANCE)
    order = orders.repair_order_open(vehicle=vehicle, by=advisor, **fields)
    for item in labour_items:
        orders.job_line_add(order=order, labour_item=item, by=advisor)
    orders.repair_order_estimate(order=order, by=advisor)
    return orders.repair_order_confirm(order=order, by=advisor, signed_on_paper=True)


def make_tool(dealer, **fields):
    from dcrc.service.choices import ToolKind
    from dcrc.service.models import Tool

    fields.setdefault("code", f"T{next(_part_codes):04d}")
    fields.setdefault("name", "扭力扳手")
    fields.setdefault("kind", ToolKind.TOOL)
    return Tool.objects.create(dealer=dealer, **fields)


# --- after-sales: settlement --------------------------------------------------------------


def make_ready_order(order, by, *, labour_items=(), parts=()):
    """Take an open repair order to ready for delivery (待交车) through the services: its lines,
    the estimate signed on paper, then the workshop's steps (dispatch, start, finish, QC pass)."""
    from decimal import Decimal

    from dcrc.service import orders
    from dcrc.service.choices import OrderAction

    for item in labour_items:
        orders.job_line_add(order=order, labour_item=item, by=by)
    for part, quantity in parts:
        orders.part_line_add(order=order, part=part, quantity=Decimal(quantity), by=by)
    orders.repair_order_estimate(order=order, by=by)
    order = orders.repair_order_confirm(order=order, by=by, signed_on_paper=True)
    for action in (
        OrderAction.DISPATCH,
        OrderAction.START,
        OrderAction.FINISH,
        OrderAction.QC_PASS,
    ):
        order = orders.order_step(orders.order_locked(order), action=action, by=by)
    return order
