"""Two bookings of a slot's last place at the same moment: exactly one wins (PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from dcrc.customers.models import Vehicle
from dcrc.service import appointments as booking
from dcrc.service.models import Appointment, ServiceSettings
from tests.factories import make_customer, make_vehicle


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_the_last_place_cannot_both_succeed(dealer_a, advisor_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write, there is no race to lose")
    ServiceSettings.objects.create(dealer=dealer_a, slot_capacity=1)
    day = timezone.localdate() + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    for round_number in range(5):
        when = datetime.datetime.combine(day, datetime.time(9 + round_number), tzinfo=tz)
        cars = [make_vehicle(make_customer(dealer_a)) for _ in range(2)]
        barrier = threading.Barrier(2)
        winners, refused, errors = [], [], []

        def book(
            car_id, when=when, barrier=barrier, winners=winners, refused=refused, errors=errors
        ):
            try:
                car = Vehicle.objects.select_related("owner").get(pk=car_id)
                barrier.wait(timeout=10)
                booking.appointment_book(
                    vehicle=car, by=advisor_a, scheduled_at=when, requested_work="保养"
                )
                winners.append(car_id)
            except ValidationError as error:
                refused.append(error.message_dict)
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=book, args=(car.pk,)) for car in cars]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)

        assert errors == []
        assert len(winners) == 1 and len(refused) == 1
        assert "scheduled_at" in refused[0]
        assert Appointment.objects.filter(scheduled_at=when).count() == 1
