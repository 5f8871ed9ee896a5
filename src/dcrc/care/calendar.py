"""When a customer may be called: call windows, office hours, public holidays, festivals.

Public holidays come from the dealer's and the national Holiday table first (it carries the
years chinese-calendar does not know yet), then from chinese-calendar. Weekends are working days
for a dealership and never block calls.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import chinese_calendar
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar, Solar

from .models import CareSettings, Holiday

SLOT_SEARCH_DAYS = 30
# chinese-calendar names its holidays in English; these are the names the UI shows.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-Autumn Festival"),
    "Anti-Fascist 70th Day": _("Victory Day"),
}


def care_settings(dealer_id: int) -> CareSettings:
    """The dealer's contact-center settings, created with the defaults on first use."""
    settings, _created = CareSettings.objects.get_or_create(dealer_id=dealer_id)
    return settings


def call_windows(settings: CareSettings) -> list[tuple[datetime.time, datetime.time]]:
    """The dealer's call windows as times, in order of the day."""
    windows = []
    for start, end in settings.call_windows or []:
        windows.append((datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)))
    return sorted(windows)


def window_at(settings: CareSettings, moment: datetime.datetime) -> int | None:
    """The index of the call window `moment` (any time zone) falls in, or None."""
    local = timezone.localtime(moment).time()
    for index, (start, end) in enumerate(call_windows(settings)):
        if start <= local < end:
            return index
    return None


def in_office_hours(settings: CareSettings, moment: datetime.datetime) -> bool:
    local = timezone.localtime(moment)
    return (
        local.weekday() < 5
        and settings.office_hours_start <= local.time() < settings.office_hours_end
    )


def holiday_name(day: datetime.date, dealer_id: int | None = None) -> str | None:
    """The public holiday `day` is (no routine calls), or None for a working day or weekend."""
    return holiday_name_in(day, holiday_overrides(dealer_id))


def holiday_name_in(
    day: datetime.date, overrides: dict[datetime.date, tuple[bool, str]]
) -> str | None:
    """As holiday_name(), with the holiday table's rows already read (holiday_overrides())."""
    override = overrides.get(day)
    if override is not None:
        is_workday, name = override
        return None if is_workday else name
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if not is_holiday or name is None:
        return None
    return str(HOLIDAY_NAMES.get(name, name))


def is_public_holiday(day: datetime.date, dealer_id: int | None = None) -> bool:
    return holiday_name(day, dealer_id) is not None


def holiday_overrides(dealer_id: int | None) -> dict[datetime.date, tuple[bool, str]]:
    """The holiday table for a dealer: {date: (working day?, name)}, its own rows over the
    national ones."""
    rows = Holiday.objects.filter(dealer_id__isnull=True).values_list("date", "is_workday", "name")
    overrides = {date: (is_workday, name) for date, is_workday, name in rows}
    if dealer_id is not None:
        rows = Holiday.objects.filter(dealer_id=dealer_id).values_list("date", "is_workday", "name")
        overrides.update({date: (is_workday, name) for date, is_workday, name in rows})
    return overrides


def next_call_slot(
    settings: CareSettings,
    *,
    after: datetime.datetime,
    avoid_window: int | None = None,
    call_on_holidays: bool = False,
) -> tuple[datetime.datetime, int]:
    """The first moment at or after `after` inside a call window other than `avoid_window`.

    Public holidays are skipped unless the rule calls on holidays. Returns the aware moment
    and the window's index.
    """
    windows = call_windows(settings)
    if not windows:
        raise ValueError("the dealer has no call windows")
    tz = timezone.get_current_timezone()
    local = timezone.localtime(after, tz)
    holidays = {} if call_on_holidays else holiday_overrides(settings.dealer_id)
    for offset in range(SLOT_SEARCH_DAYS):
        day = local.date() + datetime.timedelta(days=offset)
        if not call_on_holidays and holiday_name_in(day, holidays) is not None:
            continue
        for index, (start, end) in enumerate(windows):
            if index == avoid_window and len(windows) > 1:
                continue
            slot_start = datetime.datetime.combine(day, start, tzinfo=tz)
            slot_end = datetime.datetime.combine(day, end, tzinfo=tz)
            if slot_end <= local:
                continue
            return max(slot_start, local), index
    # Every day of the coming month is a holiday: ignore holidays rather than never call.
    return next_call_slot(settings, after=after, avoid_window=avoid_window, call_on_holidays=True)


# Lunar calendar -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def lunar_of(day: datetime.date) -> tuple[int, int, bool]:
    """(month, day, leap month?) of a solar date in the Chinese lunar calendar."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month = lunar.getMonth()
    return abs(month), lunar.getDay(), month < 0


def lunar_birthday_matches(day: datetime.date) -> list[tuple[int, int, bool]]:
    """The stored (month, day, leap) lunar birthdays celebrated on the solar `day`.

    A birthday in a leap month is celebrated in the ordinary month when the year has no such
    leap month; a birthday on the 30th is celebrated on the 29th of a short month.
    """
    month, lunar_day, leap = lunar_of(day)
    matches = [(month, lunar_day, leap)]
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    if not leap and not _year_has_leap_month(lunar.getYear(), month):
        matches.append((month, lunar_day, True))
    if lunar_day == 29 and _month_length(lunar.getYear(), -month if leap else month) == 29:
        matches.append((month, 30, leap))
        if not leap and not _year_has_leap_month(lunar.getYear(), month):
            matches.append((month, 30, True))
    return matches


@lru_cache(maxsize=256)
def _year_has_leap_month(lunar_year: int, month: int) -> bool:
    from lunar_python import LunarYear

    return LunarYear.fromYear(lunar_year).getLeapMonth() == month


@lru_cache(maxsize=1024)
def _month_length(lunar_year: int, month: int) -> int:
    from lunar_python import LunarMonth

    return LunarMonth.fromYm(lunar_year, month).getDayCount()


def festivals(year: int) -> list[tuple[datetime.date, str]]:
    """The festivals customers are greeted on, by solar date (lunar ones converted)."""
    result = [(datetime.date(year, 1, 1), str(_("New Year's Day")))]
    for month, day, name in [
        (1, 1, _("Spring Festival")),
        (1, 15, _("Lantern Festival")),
        (5, 5, _("Dragon Boat Festival")),
        (8, 15, _("Mid-Autumn Festival")),
    ]:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        result.append((datetime.date(solar.getYear(), solar.getMonth(), solar.getDay()), str(name)))
    result.append((datetime.date(year, 10, 1), str(_("National Day"))))
    return sorted(result)
