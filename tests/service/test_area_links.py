"""Where the after-sales areas meet: a booking's parts and its arrival at reception."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dcrc.customers.choices import VisitType
from dcrc.parts.choices import ReservationState
from dcrc.parts.reservations import appointment_part_reserve
from dcrc.service import appointments as booking
from dcrc.service import orders
from dcrc.service.choices import AppointmentState

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(car_a, advisor_a):
    when = timezone.localtime() + datetime.timedelta(days=1)
    when = when.replace(hour=10, minute=0, second=0, microsecond=0)
    return booking.appointment_book(
        vehicle=car_a, by=advisor_a, scheduled_at=when, requested_work="常规保养"
    )


def test_a_cancelled_booking_gives_its_parts_back(
    booked, oil_filter, advisor_a, warehouse_keeper_a
):
    reservation = appointment_part_reserve(
        appointment=booked, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    booking.appointment_cancel(appointment=booked, by=advisor_a, reason="客户出差")
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.RELEASED


def test_a_late_no_show_opens_an_order_and_counts_as_arrived(booked, car_a, advisor_a):
    type(booked).objects.filter(pk=booked.pk).update(state=AppointmentState.NO_SHOW)
    booked.refresh_from_db()
    order = orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        appointment=booked,
        odometer=15200,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    booked.refresh_from_db()
    assert order.appointment == booked
    assert booked.state == AppointmentState.ARRIVED


def test_cancelling_the_order_gives_back_what_the_booking_reserved(
    booked, car_a, oil_filter, advisor_a, warehouse_keeper_a
):
    reservation = appointment_part_reserve(
        appointment=booked, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    order = orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        appointment=booked,
        odometer=15200,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    orders.repair_order_cancel(order=order, by=advisor_a, reason="客户改期")
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.RELEASED
