"""A dealer's after-sales set-up: a warehouse with stock, the catalogues, stations, a car."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dcrc.customers.choices import VisitType
from dcrc.service import orders
from dcrc.service.choices import StationKind
from tests.factories import (
    make_customer,
    make_labour_item,
    make_part,
    make_station,
    make_vehicle,
    make_warehouse,
    stock_put,
)


@pytest.fixture
def warehouse_a(dealer_a):
    return make_warehouse(dealer_a)


@pytest.fixture
def oil_filter(dealer_a, warehouse_a, warehouse_keeper_a):
    part = make_part(dealer_a, code="06L115562B", name="机油滤清器", sale_price=Decimal("68.00"))
    stock_put(part, warehouse_a, "20", warehouse_keeper_a, bin="A-01-01")
    return part


@pytest.fixture
def engine_oil(dealer_a, warehouse_a, warehouse_keeper_a):
    part = make_part(
        dealer_a, code="G052195M4", name="全合成机油 5W-40", unit="升", sale_price=Decimal("98.50")
    )
    stock_put(part, warehouse_a, "40", warehouse_keeper_a, bin="B-02-01")
    return part


@pytest.fixture
def oil_change(dealer_a):
    return make_labour_item(
        dealer_a,
        code="M001",
        name="更换机油机滤",
        standard_hours=Decimal("0.50"),
        rate=Decimal("180.00"),
    )


@pytest.fixture
def brake_job(dealer_a):
    return make_labour_item(
        dealer_a,
        code="J101",
        name="更换前刹车片",
        work_type=StationKind.MECHANICAL,
        standard_hours=Decimal("1.20"),
        rate=Decimal("200.00"),
    )


@pytest.fixture
def quick_bay(dealer_a, technician_a):
    return make_station(
        dealer_a,
        code="M1",
        name="快保工位1",
        kind=StationKind.MAINTENANCE,
        technicians=[technician_a],
    )


@pytest.fixture
def car_a(dealer_a):
    owner = make_customer(dealer_a, name="张伟", mobile="13800138000")
    return make_vehicle(owner, plate="粤A12345", mileage=0)


@pytest.fixture
def order_a(car_a, advisor_a):
    """A walk-in's repair order, just opened."""
    return orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        odometer=15200,
        customer_description="保养，仪表提示保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
        promised_at=timezone.now() + datetime.timedelta(hours=3),
    )
