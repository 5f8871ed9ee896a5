"""Appointments: booking, capacity, change, cancel, no-shows, reminders, arrival."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from dcrc.care.choices import Channel, CloseReason, TaskKind, TaskState
from dcrc.care.models import ContactTask
from dcrc.customers.choices import ContactPreference, VisitType
from dcrc.service import appointments as booking
from dcrc.service import orders
from dcrc.service.choices import AppointmentSource, AppointmentState, ReminderMethod
from dcrc.service.models import Appointment, ServiceSettings
from tests.factories import make_customer, make_station, make_vehicle

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning; the bookings are for Tuesday.
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
TOMORROW = NOW.date() + datetime.timedelta(days=1)


def at(hour, minute=0, day=TOMORROW):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def book(vehicle, by, when, **fields):
    fields.setdefault("requested_work", "常规保养")
    return booking.appointment_book(vehicle=vehicle, by=by, scheduled_at=when, at=NOW, **fields)


def cars(dealer, count):
    return [make_vehicle(make_customer(dealer)) for _ in range(count)]


def reminder_task(dealer, vehicle, kind=TaskKind.MAINTENANCE, **fields):
    return ContactTask.objects.create(
        dealer=dealer,
        kind=kind,
        customer=vehicle.owner,
        vehicle=vehicle,
        due_from=NOW.date(),
        due_until=NOW.date() + datetime.timedelta(days=7),
        source_key=f"test:{vehicle.pk}",
        **fields,
    )


def test_a_customer_books_and_gets_a_number_contact_and_reminder(car_a, advisor_a):
    appointment = book(car_a, advisor_a, at(10), advisor=advisor_a, estimate_amount=Decimal("380"))

    assert appointment.number.startswith("AP2612")
    assert appointment.source == AppointmentSource.CUSTOMER
    assert appointment.state == AppointmentState.BOOKED
    assert (appointment.contact_name, appointment.contact_phone) == ("张伟", "13800138000")
    assert (appointment.accepted_by, appointment.accepted_at) == (advisor_a, NOW)
    # Tomorrow's booking gets its reminder call at once.
    reminder = appointment.reminder_task
    assert reminder.kind == TaskKind.APPOINTMENT_REMINDER
    assert reminder.appointment_at == at(10)
    assert (reminder.due_from, reminder.due_until) == (NOW.date(), TOMORROW)
    assert reminder.source_key == f"appointment:{appointment.pk}:{TOMORROW}"


def test_a_booking_from_a_reminder_is_proactive_and_records_the_appointment_time(
    dealer_a, car_a, agent_a
):
    task = reminder_task(dealer_a, car_a)

    appointment = book(car_a, agent_a, at(14), source_task=task)

    assert appointment.source == AppointmentSource.PROACTIVE
    assert appointment.source_task == task
    task.refresh_from_db()
    assert task.appointment_at == at(14)


def test_a_reminder_about_another_car_is_refused(dealer_a, car_a, agent_a):
    other = make_vehicle(make_customer(dealer_a))
    with pytest.raises(ValidationError) as error:
        book(car_a, agent_a, at(14), source_task=reminder_task(dealer_a, other))
    assert "source_task" in error.value.message_dict


def test_it_answers_every_bad_input_per_field(dealer_a, car_a, advisor_a, advisor_b):
    station_b = make_station(advisor_b.dealers.first(), code="X1", name="B站")
    with pytest.raises(ValidationError) as error:
        book(
            car_a,
            advisor_a,
            at(10),
            requested_work=" ",
            reminder_method="pigeon",
            visit_type="nonsense",
            estimate_amount=Decimal("-1"),
            station=station_b,
            advisor=advisor_b,
        )
    assert set(error.value.message_dict) == {
        "requested_work",
        "reminder_method",
        "visit_type",
        "estimate_amount",
        "station",
        "advisor",
    }
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [(NOW - datetime.timedelta(hours=1), ""), (at(7), "08:30"), (at(17, 30), "17:30")],
)
def test_it_refuses_the_past_and_times_outside_the_opening_hours(car_a, advisor_a, when, message):
    with pytest.raises(ValidationError) as error:
        book(car_a, advisor_a, when)
    assert message in error.value.message_dict["scheduled_at"][0]


def test_the_slot_capacity_refuses_overbooking(dealer_a, advisor_a):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=2)
    first, second, third = cars(dealer_a, 3)
    book(first, advisor_a, at(9))
    book(second, advisor_a, at(9, 10))  # the same 09:00–09:30 slot

    with pytest.raises(ValidationError) as error:
        book(third, advisor_a, at(9, 20))
    assert "09:00" in error.value.message_dict["scheduled_at"][0]

    book(third, advisor_a, at(9, 30))  # the next slot is free


def test_a_station_takes_at_most_its_bays_per_slot(dealer_a, advisor_a, quick_bay):
    first, second = cars(dealer_a, 2)
    book(first, advisor_a, at(10), station=quick_bay)  # one bay
    with pytest.raises(ValidationError) as error:
        book(second, advisor_a, at(10), station=quick_bay)
    assert set(error.value.message_dict) == {"station"}
    book(second, advisor_a, at(10))  # without a station: the slot has room


def test_cancelled_and_no_show_bookings_free_their_place(dealer_a, advisor_a):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=1)
    first, second = cars(dealer_a, 2)
    appointment = book(first, advisor_a, at(11))
    booking.appointment_cancel(appointment=appointment, by=advisor_a, reason="客户出差", at=NOW)
    book(second, advisor_a, at(11))


def test_a_vehicle_is_booked_once_at_a_time(car_a, advisor_a):
    first = book(car_a, advisor_a, at(10))
    with pytest.raises(ValidationError) as error:
        book(car_a, advisor_a, at(15))
    assert first.number in error.value.message_dict["vehicle"][0]


def test_slots_show_free_and_taken_places(dealer_a, advisor_a, quick_bay):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=3, slot_minutes=60)
    first, second = cars(dealer_a, 2)
    book(first, advisor_a, at(9, 45), station=quick_bay)
    book(second, advisor_a, at(10))

    slots = booking.appointment_slots(dealer=dealer_a, day=TOMORROW, now=NOW)
    assert [s.start.strftime("%H:%M") for s in slots][:3] == ["08:30", "09:30", "10:30"]
    assert len(slots) == 9  # 08:30 … 16:30
    assert [(s.taken, s.free) for s in slots[:3]] == [(0, 3), (2, 1), (0, 3)]

    with_station = booking.appointment_slots(
        dealer=dealer_a, day=TOMORROW, station=quick_bay, now=NOW
    )
    assert (with_station[1].station_taken, with_station[1].free) == (1, 0)
    assert not with_station[1].bookable

    today = booking.appointment_slots(dealer=dealer_a, day=NOW.date(), now=NOW)
    assert today[0].past and not today[0].bookable and not today[1].past


def test_nearest_free_slot_skips_full_and_past_slots(dealer_a, advisor_a):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=1, slot_minutes=60)
    (car,) = cars(dealer_a, 1)
    book(car, advisor_a, at(8, 30))

    assert booking.nearest_free_slot(dealer=dealer_a, after=at(8, 0)) == at(9, 30)
    late = datetime.datetime.combine(NOW.date(), datetime.time(20), tzinfo=SHANGHAI)
    assert booking.nearest_free_slot(dealer=dealer_a, after=late) == at(9, 30)


def test_a_reschedule_takes_a_place_and_moves_the_reminder(dealer_a, car_a, advisor_a):
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=1)
    appointment = book(car_a, advisor_a, at(10))
    old_reminder = appointment.reminder_task
    (other,) = cars(dealer_a, 1)
    book(other, advisor_a, at(15))

    with pytest.raises(ValidationError) as error:
        booking.appointment_reschedule(
            appointment=appointment, by=advisor_a, scheduled_at=at(15), at=NOW
        )
    assert "scheduled_at" in error.value.message_dict

    later = at(10, day=TOMORROW + datetime.timedelta(days=3))
    moved = booking.appointment_reschedule(
        appointment=appointment, by=advisor_a, scheduled_at=later, at=NOW
    )
    assert moved.scheduled_at == later
    old_reminder.refresh_from_db()
    assert (old_reminder.state, old_reminder.close_reason) == (
        TaskState.CANCELLED,
        CloseReason.MOOT,
    )
    assert moved.reminder_task is None  # planned the day before the new date
    # Keeping its own place is no conflict.
    booking.appointment_change(
        appointment=moved, by=advisor_a, requested_work="保养+四轮定位", at=NOW
    )


def test_cancel_needs_a_reason_and_closes_the_reminder(car_a, advisor_a):
    appointment = book(car_a, advisor_a, at(10))
    with pytest.raises(ValidationError) as error:
        booking.appointment_cancel(appointment=appointment, by=advisor_a, reason="  ", at=NOW)
    assert set(error.value.message_dict) == {"cancel_reason"}

    cancelled = booking.appointment_cancel(
        appointment=appointment, by=advisor_a, reason="客户改期", at=NOW
    )
    assert (cancelled.state, cancelled.cancel_reason) == (AppointmentState.CANCELLED, "客户改期")
    reminder = ContactTask.objects.get(kind=TaskKind.APPOINTMENT_REMINDER)
    assert reminder.state == TaskState.CANCELLED
    with pytest.raises(ValidationError) as error:
        booking.appointment_cancel(appointment=appointment, by=advisor_a, reason="again", at=NOW)
    assert "state" in error.value.message_dict


def test_no_shows_are_marked_after_the_grace_period_once(dealer_a, advisor_a):
    early, late, came = cars(dealer_a, 3)
    a_early = book(early, advisor_a, at(9))
    a_late = book(late, advisor_a, at(11))
    a_came = book(came, advisor_a, at(9))
    orders.repair_order_open(
        vehicle=came,
        by=advisor_a,
        odometer=1000,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
        appointment=a_came,
        at=at(9, 5),
    )

    assert booking.appointments_no_show_mark(now=at(12)) == 1
    assert booking.appointments_no_show_mark(now=at(12)) == 0
    states = dict(Appointment.objects.values_list("pk", "state"))
    assert states == {
        a_early.pk: AppointmentState.NO_SHOW,
        a_late.pk: AppointmentState.BOOKED,
        a_came.pk: AppointmentState.ARRIVED,
    }
    assert booking.appointments_no_show_mark(now=at(13, 1)) == 1


def test_arrival_is_idempotent_and_takes_a_late_no_show(dealer_a, car_a, advisor_a):
    appointment = book(car_a, advisor_a, at(9))
    booking.appointments_no_show_mark(now=at(12))
    order = orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        odometer=1000,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
        at=at(12, 30),
    )
    arrived = booking.appointment_arrived(appointment=appointment, order=order)
    assert arrived.state == AppointmentState.ARRIVED
    assert booking.appointment_arrived(appointment=appointment, order=order).state == "arrived"

    (other,) = cars(dealer_a, 1)
    with pytest.raises(ValidationError):
        booking.appointment_arrived(appointment=book(other, advisor_a, at(15)), order=order)


def test_the_reminder_plan_makes_tomorrow_s_calls_once(dealer_a, advisor_a):
    phone, sms, none, quiet, later = cars(dealer_a, 5)
    sms.owner.contact_preference = ContactPreference.SMS
    sms.owner.save()
    quiet.owner.contact_preference = ContactPreference.NONE
    quiet.owner.save()
    # Booked two days ahead: no reminder yet.
    day_after = TOMORROW + datetime.timedelta(days=1)
    appointments = [
        book(phone, advisor_a, at(10, day=day_after)),
        book(sms, advisor_a, at(11, day=day_after)),
        book(none, advisor_a, at(11, day=day_after), reminder_method=ReminderMethod.NONE),
        book(quiet, advisor_a, at(11, day=day_after)),
        book(later, advisor_a, at(11, day=day_after + datetime.timedelta(days=1))),
    ]
    assert not ContactTask.objects.exists()

    assert booking.appointment_reminders_plan(dealer=dealer_a, today=TOMORROW) == 2
    assert booking.appointment_reminders_plan(dealer=dealer_a, today=TOMORROW) == 0
    tasks = ContactTask.objects.filter(kind=TaskKind.APPOINTMENT_REMINDER)
    assert {(t.vehicle_id, t.channel) for t in tasks} == {
        (phone.pk, Channel.PHONE),
        (sms.pk, Channel.SMS),
    }
    first = Appointment.objects.get(pk=appointments[0].pk)
    assert first.reminder_task.due_until == day_after
    assert "常规保养" in first.reminder_task.subject


def test_the_daily_job_marks_no_shows_and_plans_reminders(dealer_a, advisor_a, dealer_b):
    (car,) = cars(dealer_a, 1)
    book(car, advisor_a, at(10, day=TOMORROW + datetime.timedelta(days=1)))
    result = booking.appointments_daily(now=at(7))
    assert result == {"no_shows": 0, "reminders": 1}


def test_the_workbench_call_books_the_real_appointment(dealer_a, car_a, agent_a):
    from dcrc.care import services as care

    task = reminder_task(dealer_a, car_a, state=TaskState.OPEN)
    care.attempt_record(
        task=task,
        agent=agent_a,
        outcome="reached",
        appointment_at=at(10),
        book_appointment=True,
        at=NOW,
    )
    appointment = Appointment.objects.get()
    assert (appointment.source, appointment.source_task) == (AppointmentSource.PROACTIVE, task)
    assert appointment.visit_type == VisitType.PERIODIC_MAINTENANCE
    assert "保养" in appointment.requested_work
    # care's own reminder of that call is the appointment's: no second reminder.
    reminders = ContactTask.objects.filter(kind=TaskKind.APPOINTMENT_REMINDER)
    assert reminders.count() == 1
    assert appointment.reminder_task == reminders.get()
    assert booking.appointment_reminders_plan(dealer=dealer_a, today=NOW.date()) == 0


def test_a_full_slot_refuses_the_workbench_call_on_its_appointment_field(
    dealer_a, car_a, agent_a, advisor_a
):
    from dcrc.care import services as care

    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=1)
    (other,) = cars(dealer_a, 1)
    book(other, advisor_a, at(10))
    task = reminder_task(dealer_a, car_a)
    with pytest.raises(ValidationError) as error:
        care.attempt_record(
            task=task,
            agent=agent_a,
            outcome="reached",
            appointment_at=at(10),
            book_appointment=True,
            at=NOW,
        )
    assert set(error.value.message_dict) == {"appointment_at"}
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.attempt_count == 0


def test_settings_update_checks_each_field(dealer_a, service_manager_a):
    with pytest.raises(ValidationError) as error:
        booking.service_settings_update(
            dealer=dealer_a,
            by=service_manager_a,
            opens_at=datetime.time(18),
            closes_at=datetime.time(9),
            slot_minutes=5,
            slot_capacity=0,
        )
    assert set(error.value.message_dict) == {"closes_at", "slot_minutes", "slot_capacity"}
    settings = booking.service_settings_update(
        dealer=dealer_a, by=service_manager_a, slot_minutes=60, slot_capacity=6
    )
    assert (settings.slot_minutes, settings.slot_capacity) == (60, 6)
