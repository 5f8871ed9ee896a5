"""Deadlines: the configured hours on the clock; one that falls at night or on a public holiday
moves to the next opening (08:30–18:00 by default; weekends are working days at a 4S store)."""

import datetime

import pytest
from django.utils import timezone

from dcrc.care.models import Holiday
from dcrc.complaints.choices import Severity
from dcrc.complaints.deadlines import deadline_after
from dcrc.complaints.services import complaint_settings
from tests.complaints.conftest import register

pytestmark = pytest.mark.django_db


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Inside the handling hours the next day: unchanged.
        (at(2026, 11, 16, 10, 0), at(2026, 11, 17, 10, 0)),
        (at(2026, 11, 16, 17, 59), at(2026, 11, 17, 17, 59)),
        # At closing time: the next morning.
        (at(2026, 11, 16, 18, 0), at(2026, 11, 18, 8, 30)),
        # A complaint taken at night: the morning after the next.
        (at(2026, 11, 16, 23, 30), at(2026, 11, 18, 8, 30)),
        # Before opening: opening time that day.
        (at(2026, 11, 16, 7, 0), at(2026, 11, 17, 8, 30)),
        # Friday → Saturday: the store is open at weekends.
        (at(2026, 11, 20, 10, 0), at(2026, 11, 21, 10, 0)),
        # Saturday evening → Sunday evening, after closing: Monday morning.
        (at(2026, 11, 21, 19, 0), at(2026, 11, 23, 8, 30)),
        # The eve of National Day → the first working day after the Golden Week.
        (at(2026, 9, 30, 12, 0), at(2026, 10, 8, 8, 30)),
        # Friday 9 October → Saturday 10 October, a working day.
        (at(2026, 10, 9, 12, 0), at(2026, 10, 10, 12, 0)),
    ],
)
def test_it_moves_a_deadline_falling_while_closed_to_the_next_opening(dealer_a, start, due):
    assert deadline_after(dealer_id=dealer_a.pk, start=start, hours=24) == due


def test_it_follows_the_dealers_holiday_table_and_handling_hours(dealer_a, dealer_b):
    Holiday.objects.create(dealer=dealer_a, date=datetime.date(2026, 11, 17), name="店庆闭店")
    Holiday.objects.create(
        dealer=dealer_a, date=datetime.date(2026, 10, 2), name="国庆值班", is_workday=True
    )
    settings = complaint_settings(dealer_a.pk)
    settings.business_hours_start = datetime.time(9)
    settings.save()

    start = at(2026, 11, 16, 10, 0)
    assert deadline_after(dealer_id=dealer_a.pk, start=start, hours=24) == at(2026, 11, 18, 9, 0)
    assert deadline_after(dealer_id=dealer_b.pk, start=start, hours=24) == at(2026, 11, 17, 10, 0)
    # The dealer works on 2 October, a day of the Golden Week.
    eve = at(2026, 9, 30, 12, 0)
    assert deadline_after(dealer_id=dealer_a.pk, start=eve, hours=24) == at(2026, 10, 2, 9, 0)
    assert deadline_after(dealer_id=dealer_b.pk, start=eve, hours=24) == at(2026, 10, 8, 8, 30)


def test_it_sets_the_first_response_and_resolution_deadlines_by_severity(care_a, cr_manager_a):
    settings = complaint_settings(care_a.pk)
    settings.first_response_hours = 4
    settings.save()
    monday = at(2026, 11, 16, 10, 0)

    minor = register(
        care_a,
        cr_manager_a,
        severity=Severity.LOW,
        at=monday,
        contact_name="王女士",
        contact_phone="13700000000",
    )
    critical = register(
        care_a,
        cr_manager_a,
        severity=Severity.CRITICAL,
        at=monday,
        contact_name="王女士",
        contact_phone="13700000000",
    )

    assert minor.first_response_due == at(2026, 11, 16, 14, 0)
    assert minor.resolution_due == at(2026, 11, 23, 10, 0)  # 168 h
    assert critical.resolution_due == at(2026, 11, 17, 10, 0)  # 24 h


def test_it_counts_a_complaint_overdue_once_a_deadline_passed_unanswered(complaint_a):
    from dcrc.complaints.models import Complaint

    due = complaint_a.first_response_due
    assert not complaint_a.is_overdue(due)
    assert complaint_a.is_overdue(due + datetime.timedelta(minutes=1))
    assert list(Complaint.objects.overdue(due + datetime.timedelta(minutes=1))) == [complaint_a]
    assert not Complaint.objects.overdue(due).exists()
