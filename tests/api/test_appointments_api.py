"""The appointments API: list, slots, detail, booking and cancellation; roles and tenancy."""

import datetime

import pytest
from django.utils import timezone

from dcrc.service import appointments as booking
from dcrc.service.models import Appointment, ServiceSettings
from tests.api.conftest import field_errors
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db


def tomorrow_at(hour, minute=0):
    day = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


@pytest.fixture
def car(dealer_a):
    return make_vehicle(make_customer(dealer_a, name="王芳", mobile="13900139000"))


@pytest.fixture
def booked(car, advisor_a):
    return booking.appointment_book(
        vehicle=car, by=advisor_a, scheduled_at=tomorrow_at(10), requested_work="常规保养"
    )


def test_list_and_detail_mask_phones_and_filter(api, advisor_a, booked):
    client = api(advisor_a)
    day = tomorrow_at(10).date().isoformat()
    page = client.get("/appointments", {"day": day}).json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["number"] == booked.number and item["contact_phone"] != "13900139000"
    assert client.get("/appointments", {"state": "cancelled"}).json()["count"] == 0
    detail = client.get(f"/appointments/{booked.pk}").json()
    assert detail["requested_work"] == "常规保养" and detail["accepted_by"]["id"] == advisor_a.pk


def test_slots_of_a_day(api, advisor_a, booked):
    slots = api(advisor_a).get("/appointments/slots", {"day": tomorrow_at(10).date().isoformat()})
    assert slots.status_code == 200
    ten = next(s for s in slots.json() if s["start"].startswith(tomorrow_at(10).isoformat()[:16]))
    assert (ten["taken"], ten["free"]) == (1, ten["capacity"] - 1)


def test_book_and_cancel(api, advisor_a, car):
    client = api(advisor_a)
    answer = client.post(
        "/appointments",
        {
            "vehicle_id": car.pk,
            "scheduled_at": tomorrow_at(14).isoformat(),
            "requested_work": "更换机油",
        },
    )
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert field_errors(client.post(f"/appointments/{pk}/cancel", {"reason": ""}))
    cancelled = client.post(f"/appointments/{pk}/cancel", {"reason": "客户改期"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = client.post(f"/appointments/{pk}/cancel", {"reason": "again"})
    assert "state" in field_errors(again)


def test_a_full_slot_answers_a_field_error(api, advisor_a, dealer_a, car):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=1)
    booking.appointment_book(
        vehicle=make_vehicle(make_customer(dealer_a)),
        by=advisor_a,
        scheduled_at=tomorrow_at(9),
        requested_work="保养",
    )
    answer = api(advisor_a).post(
        "/appointments",
        {"vehicle_id": car.pk, "scheduled_at": tomorrow_at(9).isoformat(), "requested_work": "x"},
    )
    assert "scheduled_at" in field_errors(answer)
    naive = api(advisor_a).post(
        "/appointments",
        {"vehicle_id": car.pk, "scheduled_at": "2026-12-08T10:00:00", "requested_work": "x"},
    )
    assert naive.status_code == 422
    assert Appointment.objects.count() == 1


def test_roles_and_tenancy(api, technician_a, advisor_b, booked, car):
    tech = api(technician_a)
    assert tech.get("/appointments").status_code == 200
    denied = tech.post(
        "/appointments",
        {"vehicle_id": car.pk, "scheduled_at": tomorrow_at(15).isoformat(), "requested_work": "x"},
    )
    assert denied.status_code == 403
    other = api(advisor_b)
    assert other.get(f"/appointments/{booked.pk}").status_code == 404
    assert other.get("/appointments").json()["count"] == 0
    assert other.post(f"/appointments/{booked.pk}/cancel", {"reason": "x"}).status_code == 404
    foreign = other.post(
        "/appointments",
        {"vehicle_id": car.pk, "scheduled_at": tomorrow_at(15).isoformat(), "requested_work": "x"},
    )
    assert "vehicle_id" in field_errors(foreign)
