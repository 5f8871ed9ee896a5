"""bench/bench_appointments.py runs (small) and its query count stays constant."""

from types import SimpleNamespace

import pytest

from bench import bench_appointments
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db


def test_the_day_book_bench_runs(dealer_a):
    for _ in range(12):
        make_vehicle(make_customer(dealer_a))
    archive = SimpleNamespace(dealer_id=dealer_a.pk)
    figures = {
        f["metric"]: f["value"] for f in bench_appointments.day_book(archive, count=12, pages=2)
    }
    assert figures["appointment_day_book_p95_ms"] > 0
    few = figures["appointment_day_book_queries"]
    for _ in range(12):
        make_vehicle(make_customer(dealer_a))
    more = dict(
        (f["metric"], f["value"]) for f in bench_appointments.day_book(archive, count=24, pages=2)
    )
    assert more["appointment_day_book_queries"] == few
