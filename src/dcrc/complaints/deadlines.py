"""When a complaint must be answered and resolved.

A deadline is the registration time plus the configured hours on the clock. Nobody answers a
complaint at night or on a day off, so a deadline that falls outside the dealer's office hours
or on a day off (a weekend that is not a make-up working day, a public holiday, a day the
holiday table closes) moves to the next opening of the office.
"""

from __future__ import annotations

import datetime

import chinese_calendar
from django.utils import timezone

from dcrc.care.calendar import care_settings, holiday_overrides

# A holiday table closing more than this many days in a row is a data error, not a reason to
# loop for ever.
_MAX_DAYS_CLOSED = 60


def is_office_day(day: datetime.date, overrides: dict[datetime.date, tuple[bool, str]]) -> bool:
    override = overrides.get(day)
    if override is not None:
        return override[0]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the package stops at the last year it knows
        return day.weekday() < 5


def next_office_moment(*, dealer_id: int, moment: datetime.datetime) -> datetime.datetime:
    """`moment` itself when the office is open then, else the next opening of the office."""
    settings = care_settings(dealer_id)
    overrides = holiday_overrides(dealer_id)
    local = timezone.localtime(moment)
    opens, closes = settings.office_hours_start, settings.office_hours_end
    day = local.date()
    if is_office_day(day, overrides) and opens <= local.time() < closes:
        return moment
    if local.time() >= opens:
        day += datetime.timedelta(days=1)
    for _step in range(_MAX_DAYS_CLOSED):
        if is_office_day(day, overrides):
            break
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, opens))


def deadline_after(*, dealer_id: int, start: datetime.datetime, hours: int) -> datetime.datetime:
    """`hours` after `start`, moved to the next office opening when it falls while closed."""
    return next_office_moment(dealer_id=dealer_id, moment=start + datetime.timedelta(hours=hours))
