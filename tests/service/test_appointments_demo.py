"""The demo appointments load through the services, once."""

import pytest
from django.utils import timezone

from dcrc.service.choices import AppointmentState
from dcrc.service.demo_appointments import demo_appointments_load
from dcrc.service.models import Appointment
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db


def test_the_demo_books_today_and_tomorrow_once(dealer_a, advisor_a, agent_a):
    for _ in range(16):
        make_vehicle(make_customer(dealer_a))
    users = {"advisor": advisor_a, "agent": agent_a}
    made = demo_appointments_load(dealer=dealer_a, users=users, now=timezone.now())
    assert made and made >= 10
    states = set(Appointment.objects.values_list("state", flat=True))
    assert {AppointmentState.BOOKED, AppointmentState.NO_SHOW, AppointmentState.CANCELLED} <= states
    assert demo_appointments_load(dealer=dealer_a, users=users, now=timezone.now()) is None
