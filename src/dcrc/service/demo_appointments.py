"""Demo appointments of a dealer: today's and tomorrow's book, through the services.

From reminder calls (proactive) and phone calls (customer-initiated); some of today's waiting
for the car (reception can open their repair orders), a no-show yesterday, one cancelled.
Idempotent: nothing happens when the dealer has appointments already.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask
from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle

from . import appointments as booking
from .choices import AppointmentState, ReminderMethod
from .models import Appointment, Station

WORK = [
    ("常规保养：更换机油机滤", VisitType.PERIODIC_MAINTENANCE, "机油 4L、机油滤清器"),
    ("首次保养", VisitType.FIRST_MAINTENANCE, "机油 4L、机油滤清器"),
    ("前刹车片异响，检查更换", VisitType.MINOR_REPAIR, "前刹车片一套"),
    ("空调不制冷，检查加氟", VisitType.MINOR_REPAIR, "冷媒"),
    ("更换四条轮胎并做四轮定位", VisitType.MINOR_REPAIR, "轮胎 225/45R17 ×4"),
    ("年检前检查", VisitType.PERIODIC_MAINTENANCE, ""),
]


def _slot(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def demo_appointments_load(*, dealer: Dealer, users: dict[str, User], now: datetime.datetime):
    """Today's and tomorrow's bookings of `dealer` (after demo_catalogue_load)."""
    if Appointment.objects.filter(dealer=dealer).exists():
        return None
    rng = random.Random(dealer.pk * 17)
    advisor = users.get("advisor") or users.get("admin") or next(iter(users.values()))
    agent = users.get("agent") or advisor
    stations = list(Station.objects.filter(dealer=dealer, active=True, kind="maintenance"))
    vehicles = list(
        Vehicle.objects.filter(dealer=dealer, owner__merged_into__isnull=True)
        .select_related("owner")
        .order_by("pk")[:40]
    )
    reminders = {
        task.vehicle_id: task
        for task in ContactTask.objects.filter(
            dealer=dealer,
            kind__in=[TaskKind.MAINTENANCE, TaskKind.FIRST_MAINTENANCE],
            vehicle__isnull=False,
        ).order_by("pk")[:200]
    }
    today = timezone.localdate(now)
    yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    settings = booking.service_settings(dealer.pk)
    # (day, hour, minute); past ones are booked "yesterday" so the services accept them.
    plan = [
        (yesterday, 9, 0),
        (yesterday, 14, 0),
        (today, 9, 0),
        (today, 9, 30),
        (today, 10, 0),
        (today, 10, 30),
        (today, 14, 0),
        (today, 15, 30),
        (today, 16, 30),
        (tomorrow, 8, 30),
        (tomorrow, 9, 0),
        (tomorrow, 9, 30),
        (tomorrow, 10, 0),
        (tomorrow, 11, 0),
        (tomorrow, 14, 30),
    ]
    made = []
    for (day, hour, minute), vehicle in zip(plan, vehicles, strict=False):
        when = _slot(day, hour, minute)
        if booking.slot_of(settings, when) is None:
            continue
        booked_at = min(now, when) - datetime.timedelta(days=2, hours=rng.randint(0, 5))
        work, visit_type, parts = rng.choice(WORK)
        task = reminders.get(vehicle.pk)
        try:
            appointment = booking.appointment_book(
                vehicle=vehicle,
                by=agent if task else advisor,
                scheduled_at=when,
                requested_work=work,
                visit_type=visit_type,
                expected_parts=parts,
                source_task=task,
                station=rng.choice(stations) if stations and rng.random() < 0.4 else None,
                advisor=advisor,
                reminder_method=rng.choice([ReminderMethod.PHONE, ReminderMethod.SMS]),
                at=booked_at,
            )
        except Exception:  # a demo archive without room or with a booked car: skip it
            continue
        made.append(appointment)
    # Yesterday's first booking never came; one of tomorrow's is cancelled.
    booking.appointments_no_show_mark(now=now)
    waiting_tomorrow = [a for a in made if timezone.localdate(a.scheduled_at) == tomorrow]
    if waiting_tomorrow:
        booking.appointment_cancel(
            appointment=waiting_tomorrow[-1], by=advisor, reason="客户临时出差，改期再约", at=now
        )
    Appointment.objects.filter(
        pk__in=[a.pk for a in made if timezone.localdate(a.scheduled_at) == yesterday][1:]
    ).update(state=AppointmentState.ARRIVED)
    booking.appointment_reminders_plan(dealer=dealer, today=today)
    return len(made)
