"""The appointment day book with many bookings on one day, through the real view.

    from bench import bench_appointments; bench_appointments.day_book(archive)

Books `count` vehicles of the measured dealer on tomorrow's slots (capacity raised so that all
fit), then renders /service/appointments/?day=… as a service manager: appointment_day_book_p95_ms
and appointment_day_book_queries (constant whatever the number of bookings).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, User
from dcrc.customers.models import Vehicle
from dcrc.service import appointments as booking
from dcrc.service.models import ServiceSettings

from .bench_search import WARM_UP, _timed, log, p95

MANAGER = "bench_appointments_manager"


def _bookings(archive, count: int) -> datetime.date:
    dealer = Dealer.objects.get(pk=archive.dealer_id)
    ServiceSettings.objects.update_or_create(dealer=dealer, defaults={"slot_capacity": 100})
    day = timezone.localdate() + datetime.timedelta(days=1)
    slots = booking.slot_starts(booking.service_settings(dealer.pk), day)
    user = _manager(dealer)
    have = booking.on_day(booking.appointments_for_user(user, dealer), day).count()
    vehicles = Vehicle.objects.filter(dealer=dealer).exclude(appointments__isnull=False)
    for number, vehicle in enumerate(vehicles.select_related("owner")[: max(0, count - have)]):
        booking.appointment_book(
            vehicle=vehicle,
            by=user,
            scheduled_at=slots[number % len(slots)],
            requested_work="常规保养",
            reminder_method="none",
        )
    return day


def _manager(dealer: Dealer) -> User:
    user, created = User.objects.get_or_create(
        username=MANAGER, defaults={"display_name": "预约经理", "role": Role.SERVICE_MANAGER}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.dealers.add(dealer)
    return user


def day_book(archive, *, count: int = 400, pages: int = 50) -> Iterator[dict[str, Any]]:
    """appointment_day_book_p95_ms and appointment_day_book_queries."""
    day = _bookings(archive, count)
    dealer = Dealer.objects.get(pk=archive.dealer_id)
    client = Client()
    client.force_login(_manager(dealer))
    url = reverse("service:appointments")
    samples = []
    queries = 0
    for number in range(pages + WARM_UP):
        params = {"day": day.isoformat(), "page": 1 + number % 3}
        with CaptureQueriesContext(connection) as captured:
            wall, _cpu, response = _timed(lambda params=params: client.get(url, params))
        assert response.status_code == 200, response.status_code
        if number >= WARM_UP:
            samples.append(wall)
            queries = max(queries, len(captured))
    log(f"appointment_day_book bookings={count}: p95 {p95(samples):.1f} ms, {queries} queries")
    yield {"metric": "appointment_day_book_p95_ms", "value": round(p95(samples), 2), "unit": "ms"}
    yield {"metric": "appointment_day_book_queries", "value": queries, "unit": "queries"}
