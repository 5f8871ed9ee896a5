"""The parts tests share the after-sales set-up of tests/service/conftest.py."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dcrc.customers.choices import VisitType
from dcrc.service import orders
from dcrc.service.choices import AppointmentSource
from dcrc.service.models import Appointment
from tests.factories import make_customer, make_part, make_vehicle, make_warehouse
from tests.service import conftest as service_fixtures

# The after-sales fixtures (a warehouse with oil filters and engine oil, a car, an open order).
for _name in ("car_a", "engine_oil", "oil_change", "oil_filter", "order_a", "warehouse_a"):
    globals()[_name] = getattr(service_fixtures, _name)


def order_confirm(order, by, part, quantity="2"):
    """Given an order with a part line for `part`, confirmed by the customer."""
    line = orders.part_line_add(order=order, part=part, quantity=Decimal(quantity), by=by)
    orders.repair_order_estimate(order=order, by=by)
    orders.repair_order_confirm(order=order, by=by, signed_on_paper=True)
    line.refresh_from_db()
    return line


@pytest.fixture
def confirmed_line(order_a, advisor_a, oil_filter):
    """A confirmed order's line of 2 oil filters (20 on the shelf)."""
    return order_confirm(order_a, advisor_a, oil_filter)


def make_appointment(vehicle, by, *, days=1, **fields):
    now = timezone.now()
    fields.setdefault("number", f"AP{Appointment.objects.count() + 1:05d}")
    fields.setdefault("source", AppointmentSource.CUSTOMER)
    fields.setdefault("requested_work", "常规保养")
    fields.setdefault("expected_parts", "机油滤清器×1")
    fields.setdefault("scheduled_at", now + datetime.timedelta(days=days))
    return Appointment.objects.create(
        dealer_id=vehicle.dealer_id,
        customer_id=vehicle.owner_id,
        vehicle=vehicle,
        accepted_by=by,
        accepted_at=now,
        **fields,
    )


@pytest.fixture
def appointment_a(car_a, advisor_a):
    return make_appointment(car_a, advisor_a)


@pytest.fixture
def part_b(dealer_b):
    make_warehouse(dealer_b)
    return make_part(dealer_b, code="B-ONLY", name="北京店配件")


@pytest.fixture
def order_b(dealer_b, advisor_b):
    car = make_vehicle(make_customer(dealer_b, name="赵六"), plate="京A00001", mileage=0)
    return orders.repair_order_open(
        vehicle=car,
        by=advisor_b,
        odometer=1000,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
