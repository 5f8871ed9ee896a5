"""When a complaint must be answered and resolved.

A deadline is the registration time plus the configured hours on the clock. Nobody answers a
complaint at night or on a public holiday, so a deadline that falls outside the dealer's
complaint-handling hours (Complaints settings, 08:30–18:00 by default) or on a public holiday
(chinese-calendar, with the holiday table over it) moves to the next opening. Weekends are
working days, as they are for the contact center: a 4S store opens on Saturdays and Sundays.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from dcrc.care.calendar import holiday_name_in, holiday_overrides

# A holiday table closing more than this many days in a row is a data error, not a reason to
# loop for ever.
_MAX_DAYS_CLOSED = 60


def is_office_day(day: datetime.date, overrides: dict[datetime.date, tuple[bool, str]]) -> bool:
    return holiday_name_in(day, overrides) is None


def next_office_moment(*, dealer_id: int, moment: datetime.datetime) -> datetime.datetime:
    """`moment` itself when complaints are handled then, else the next opening."""
    from .services import complaint_settings

    settings = complaint_settings(dealer_id)
    overrides = holiday_overrides(dealer_id)
    local = timezone.localtime(moment)
    opens, closes = settings.business_hours_start, settings.business_hours_end
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
    """`hours` after `start`, moved to the next opening when it falls while closed."""
    return next_office_moment(dealer_id=dealer_id, moment=start + datetime.timedelta(hours=hours))
