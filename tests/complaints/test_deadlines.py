"""Deadlines: the configured hours on the clock; one that falls at night, on a weekend or on a
holiday moves to the next opening of the office (09:00–17:30 by default)."""

import datetime

import pytest
from django.utils import timezone

from dcrc.care.calendar import care_settings
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
        # Inside office hours the next day: unchanged.
        (at(2026, 11, 16, 10, 0), at(2026, 11, 17, 10, 0)),
        (at(2026, 11, 16, 17, 29), at(2026, 11, 17, 17, 29)),
        # After closing time: the next morning.
        (at(2026, 11, 16, 18, 0), at(2026, 11, 18, 9, 0)),
        # A complaint taken at night: the morning after the next.
        (at(2026, 11, 16, 23, 30), at(2026, 11, 18, 9, 0)),
        # Before opening: opening time that day.
        (at(2026, 11, 16, 7, 0), at(2026, 11, 17, 9, 0)),
        # Friday → Saturday: Monday morning.
        (at(2026, 11, 20, 10, 0), at(2026, 11, 23, 9, 0)),
        # The eve of National Day → the first working day after the Golden Week.
        (at(2026, 9, 30, 12, 0), at(2026, 10, 8, 9, 0)),
        # Friday 9 October → Saturday 10 October, a make-up working day (调休上班).
        (at(2026, 10, 9, 12, 0), at(2026, 10, 10, 12, 0)),
    ],
)
def test_it_moves_a_deadline_falling_while_closed_to_the_next_opening(dealer_a, start, due):
    assert deadline_after(dealer_id=dealer_a.pk, start=start, hours=24) == due


def test_it_follows_the_dealers_holiday_table_and_office_hours(dealer_a, dealer_b):
    Holiday.objects.create(dealer=dealer_a, date=datetime.date(2026, 11, 17), name="店庆闭店")
    Holiday.objects.create(
        dealer=dealer_a, date=datetime.date(2026, 11, 22), name="调休", is_workday=True
    )
    office = care_settings(dealer_a.pk)
    office.office_hours_start = datetime.time(8, 30)
    office.save()

    start = at(2026, 11, 16, 10, 0)
    assert deadline_after(dealer_id=dealer_a.pk, start=start, hours=24) == at(2026, 11, 18, 8, 30)
    assert deadline_after(dealer_id=dealer_b.pk, start=start, hours=24) == at(2026, 11, 17, 10, 0)
    # Friday evening → the Sunday the table makes a working day.
    friday = at(2026, 11, 20, 18, 0)
    assert deadline_after(dealer_id=dealer_a.pk, start=friday, hours=1) == at(2026, 11, 22, 8, 30)


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
