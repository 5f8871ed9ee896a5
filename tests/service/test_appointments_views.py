"""The appointment pages through the Django client: roles, tenancy, forms, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask
from dcrc.service import appointments as booking
from dcrc.service.choices import AppointmentSource, AppointmentState
from dcrc.service.models import Appointment, ServiceSettings
from tests.conftest import login
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db


def tomorrow_at(hour, minute=0):
    day = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def slot_key(when):
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def book(vehicle, by, when, **fields):
    fields.setdefault("requested_work", "常规保养")
    return booking.appointment_book(vehicle=vehicle, by=by, scheduled_at=when, **fields)


@pytest.fixture
def booked_a(car_a, advisor_a):
    return book(car_a, advisor_a, tomorrow_at(10), advisor=advisor_a)


def many(dealer, by, count, hour=9):
    for number in range(count):
        book(
            make_vehicle(make_customer(dealer)),
            by,
            tomorrow_at(hour + number // 8, 0 if number % 8 < 4 else 30),
        )


def test_the_day_book_lists_a_day_with_its_slots_and_filters(client, advisor_a, booked_a, dealer_a):
    login(client, advisor_a)
    day = timezone.localtime(booked_a.scheduled_at).date().isoformat()
    page = client.get(reverse("service:appointments"), {"day": day})
    assert page.status_code == 200
    html = page.content.decode()
    assert booked_a.number in html and 'data-testid="slot"' in html
    assert html.count('data-testid="appointment-row"') == 1

    filtered = client.get(reverse("service:appointments"), {"day": day, "state": "cancelled"})
    assert 'data-testid="appointment-row"' not in filtered.content.decode()
    # A nonsense filter falls back to today, never a 500.
    assert client.get(reverse("service:appointments"), {"day": "99999-1"}).status_code == 200
    assert client.get(reverse("service:appointments"), {"advisor": "x"}).status_code == 200


def test_the_day_book_costs_the_same_queries_with_many_appointments(
    client, advisor_a, dealer_a, django_assert_max_num_queries
):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=8)
    login(client, advisor_a)
    day = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    many(dealer_a, advisor_a, 3)
    client.get(reverse("service:appointments"), {"day": day})  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("service:appointments"), {"day": day})
    many(dealer_a, advisor_a, 30, hour=11)
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("service:appointments"), {"day": day})
    assert page.content.decode().count('data-testid="appointment-row"') == 33


def test_booking_through_the_form(client, advisor_a, car_a):
    login(client, advisor_a)
    form = client.get(reverse("service:appointment_new"))
    assert form.status_code == 200
    when = tomorrow_at(14)
    answer = client.post(
        reverse("service:appointment_new"),
        {
            "lookup": "粤A12345",
            "vehicle": car_a.pk,
            "scheduled_at": slot_key(when),
            "requested_work": "更换刹车片",
            "reminder_method": "sms",
        },
    )
    appointment = Appointment.objects.get()
    assert answer.status_code == 302 and answer.url == appointment.get_absolute_url()
    assert appointment.scheduled_at == when
    assert appointment.source == AppointmentSource.CUSTOMER


def test_the_form_answers_bad_input_per_field(client, advisor_a, car_a, dealer_a):
    login(client, advisor_a)
    empty = client.post(reverse("service:appointment_new"), {})
    assert empty.status_code == 422
    errors = empty.context["form"].errors
    assert {"vehicle", "scheduled_at", "requested_work", "reminder_method"} <= set(errors)

    ServiceSettings.objects.update_or_create(dealer=dealer_a, defaults={"slot_capacity": 1})
    book(make_vehicle(make_customer(dealer_a)), advisor_a, tomorrow_at(9))
    full = client.post(
        reverse("service:appointment_new"),
        {
            "vehicle": car_a.pk,
            "scheduled_at": slot_key(tomorrow_at(9)),
            "requested_work": "保养",
            "reminder_method": "phone",
            "estimate_amount": "abc",
        },
    )
    assert full.status_code == 422
    assert set(full.context["form"].errors) == {"estimate_amount"}
    full = client.post(
        reverse("service:appointment_new"),
        {
            "vehicle": car_a.pk,
            "scheduled_at": slot_key(tomorrow_at(9)),
            "requested_work": "保养",
            "reminder_method": "phone",
        },
    )
    assert full.status_code == 422 and "scheduled_at" in full.context["form"].errors
    assert Appointment.objects.count() == 1


def test_booking_from_a_reminder_task_is_prefilled_and_proactive(client, agent_a, dealer_a, car_a):
    task = ContactTask.objects.create(
        dealer=dealer_a,
        kind=TaskKind.MAINTENANCE,
        customer=car_a.owner,
        vehicle=car_a,
        due_from=timezone.localdate(),
        due_until=timezone.localdate(),
        source_key="test:1",
    )
    login(client, agent_a)
    page = client.get(reverse("service:appointment_new"), {"task": task.pk})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["vehicle"] == car_a.pk
    assert "保养" in form.initial["requested_work"]
    assert 'data-testid="source-task"' in page.content.decode()

    answer = client.post(
        reverse("service:appointment_new"),
        {
            "task": task.pk,
            "vehicle": car_a.pk,
            "scheduled_at": slot_key(tomorrow_at(10)),
            "requested_work": form.initial["requested_work"],
            "reminder_method": "phone",
            "then": "task",
        },
    )
    assert answer.status_code == 302 and answer.url == reverse("care:task", args=[task.pk])
    assert Appointment.objects.get().source_task == task


def test_lookup_and_slot_partials(client, advisor_a, car_a, booked_a):
    login(client, advisor_a)
    found = client.get(reverse("service:appointment_lookup"), {"lookup": "13800138000"})
    assert f'value="{car_a.pk}"' in found.content.decode()
    day = timezone.localtime(booked_a.scheduled_at).date().isoformat()
    slots = client.get(reverse("service:appointment_slots"), {"day": day, "vehicle": car_a.pk})
    assert slots.status_code == 200 and 'data-testid="slot-picker"' in slots.content.decode()
    assert client.get(reverse("service:appointment_slots"), {"day": "bad"}).status_code == 200


def test_detail_change_and_cancel(client, advisor_a, booked_a):
    login(client, advisor_a)
    page = client.get(booked_a.get_absolute_url())
    assert page.status_code == 200 and booked_a.number in page.content.decode()

    edit = reverse("service:appointment_edit", args=[booked_a.pk])
    assert client.get(edit).status_code == 200
    moved = client.post(
        edit,
        {
            "scheduled_at": slot_key(tomorrow_at(15)),
            "requested_work": "保养+洗车",
            "reminder_method": "phone",
            "advisor": advisor_a.pk,
        },
    )
    assert moved.status_code == 302
    booked_a.refresh_from_db()
    assert booked_a.scheduled_at == tomorrow_at(15)

    cancel = reverse("service:appointment_cancel", args=[booked_a.pk])
    refused = client.post(cancel, {"cancel_reason": ""})
    assert refused.status_code == 422
    assert client.post(cancel, {"cancel_reason": "客户改期"}).status_code == 302
    booked_a.refresh_from_db()
    assert booked_a.state == AppointmentState.CANCELLED
    # A cancelled booking no longer changes.
    assert client.get(edit).status_code == 302


def test_no_show_list(client, advisor_a, booked_a):
    Appointment.objects.filter(pk=booked_a.pk).update(
        state=AppointmentState.NO_SHOW, scheduled_at=timezone.now() - datetime.timedelta(days=1)
    )
    login(client, advisor_a)
    page = client.get(reverse("service:appointment_no_shows"))
    assert page.status_code == 200 and booked_a.number in page.content.decode()


def test_settings_page_for_managers_only(client, service_manager_a, advisor_a, dealer_a):
    url = reverse("service:appointment_settings")
    login(client, advisor_a)
    assert client.get(url).status_code == 403
    login(client, service_manager_a)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"opens_at": "18:00", "closes_at": "09:00", "slot_minutes": "5"})
    assert bad.status_code == 422
    assert {"closes_at", "slot_minutes", "slot_capacity"} <= set(bad.context["form"].errors)
    ok = client.post(
        url, {"opens_at": "08:00", "closes_at": "18:00", "slot_minutes": 60, "slot_capacity": 5}
    )
    assert ok.status_code == 302
    assert ServiceSettings.objects.get(dealer=dealer_a).slot_capacity == 5


def test_roles_and_tenancy(client, technician_a, cashier_a, advisor_b, booked_a, car_a):
    # A technician sees appointments but does not book.
    login(client, technician_a)
    assert client.get(reverse("service:appointments")).status_code == 200
    assert client.get(reverse("service:appointment_new")).status_code == 403
    assert (
        client.post(
            reverse("service:appointment_cancel", args=[booked_a.pk]), {"cancel_reason": "x"}
        ).status_code
        == 403
    )
    # Another dealer's appointment answers 404, its car is not bookable.
    login(client, advisor_b)
    assert client.get(booked_a.get_absolute_url()).status_code == 404
    assert client.get(reverse("service:appointment_edit", args=[booked_a.pk])).status_code == 404
    assert (
        client.post(
            reverse("service:appointment_cancel", args=[booked_a.pk]), {"cancel_reason": "x"}
        ).status_code
        == 404
    )
    answer = client.post(
        reverse("service:appointment_new"),
        {
            "vehicle": car_a.pk,
            "scheduled_at": slot_key(tomorrow_at(11)),
            "requested_work": "保养",
            "reminder_method": "phone",
        },
    )
    assert answer.status_code == 422 and "vehicle" in answer.context["form"].errors
    assert (
        "13800138000"
        not in client.get(
            reverse("service:appointment_lookup"), {"lookup": "13800138000"}
        ).content.decode()
    )
    task = ContactTask.objects.create(
        dealer=car_a.dealer,
        kind=TaskKind.MAINTENANCE,
        customer=car_a.owner,
        vehicle=car_a,
        due_from=timezone.localdate(),
        due_until=timezone.localdate(),
        source_key="test:2",
    )
    assert client.get(reverse("service:appointment_new"), {"task": task.pk}).status_code == 404
    # Not logged in: to the login page.
    client.logout()
    assert client.get(reverse("service:appointments")).status_code == 302


def test_the_workbench_books_the_appointment_of_a_reached_call(client, agent_a, dealer_a, car_a):
    task = ContactTask.objects.create(
        dealer=dealer_a,
        kind=TaskKind.MAINTENANCE,
        customer=car_a.owner,
        vehicle=car_a,
        due_from=timezone.localdate(),
        due_until=timezone.localdate() + datetime.timedelta(days=3),
        source_key="test:3",
    )
    login(client, agent_a)
    page = client.get(reverse("care:task", args=[task.pk]))
    assert 'data-testid="book-appointment"' in page.content.decode()
    client.post(
        reverse("care:task", args=[task.pk]),
        {
            "outcome": "reached",
            "appointment_at": slot_key(tomorrow_at(10)),
            "preferred_call_window": "any",
        },
    )
    appointment = Appointment.objects.get()
    assert appointment.source_task == task and appointment.scheduled_at == tomorrow_at(10)
