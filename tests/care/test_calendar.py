"""Call windows, public holidays and festivals."""

import datetime
import zoneinfo

from dcrc.care import calendar
from dcrc.care.models import Holiday

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


MONDAY = datetime.date(2026, 11, 23)


def test_it_knows_which_window_a_moment_is_in(care_a):
    settings = calendar.care_settings(care_a.pk)

    assert calendar.window_at(settings, at(MONDAY, 9, 30)) == 0
    assert calendar.window_at(settings, at(MONDAY, 12)) is None
    assert calendar.window_at(settings, at(MONDAY, 18, 59)) == 1
    assert calendar.window_at(settings, at(MONDAY, 19)) is None


def test_the_next_slot_is_in_a_different_window_than_the_last_attempt(care_a):
    settings = calendar.care_settings(care_a.pk)

    slot, window = calendar.next_call_slot(settings, after=at(MONDAY, 10), avoid_window=0)
    assert (slot, window) == (at(MONDAY, 14), 1)

    slot, window = calendar.next_call_slot(settings, after=at(MONDAY, 15), avoid_window=1)
    assert (slot, window) == (at(MONDAY + datetime.timedelta(days=1), 9), 0)

    slot, window = calendar.next_call_slot(settings, after=at(MONDAY, 15))
    assert (slot, window) == (at(MONDAY, 15), 1)


def test_it_skips_public_holidays_unless_the_rule_calls_on_them(care_a):
    settings = calendar.care_settings(care_a.pk)
    eve = datetime.date(2026, 9, 30)  # National Day holidays: 1–7 October 2026

    slot, _ = calendar.next_call_slot(settings, after=at(eve, 20))
    assert slot.date() == datetime.date(2026, 10, 8)

    slot, _ = calendar.next_call_slot(settings, after=at(eve, 20), call_on_holidays=True)
    assert slot == at(datetime.date(2026, 10, 1), 9)


def test_weekends_are_working_days_for_a_dealership(care_a):
    saturday = datetime.date(2026, 11, 28)

    assert calendar.holiday_name(saturday) is None
    assert calendar.holiday_name(datetime.date(2026, 10, 1)) is not None


def test_the_holiday_table_extends_and_overrides_the_package(care_a):
    new_year_2027 = datetime.date(2027, 1, 1)
    Holiday.objects.create(date=new_year_2027, name="元旦")
    Holiday.objects.create(
        dealer=care_a, date=datetime.date(2026, 10, 2), name="加班", is_workday=True
    )

    assert calendar.holiday_name(new_year_2027) == "元旦"
    assert calendar.is_public_holiday(datetime.date(2026, 10, 2)) is True
    assert calendar.is_public_holiday(datetime.date(2026, 10, 2), care_a.pk) is False


def test_office_hours_are_weekdays_only(care_a):
    settings = calendar.care_settings(care_a.pk)

    assert calendar.in_office_hours(settings, at(MONDAY, 10))
    assert not calendar.in_office_hours(settings, at(MONDAY, 18))
    assert not calendar.in_office_hours(settings, at(datetime.date(2026, 11, 28), 10))


def test_festivals_follow_the_lunar_calendar():
    days = dict(calendar.festivals(2027))

    assert days[datetime.date(2027, 2, 6)]  # Spring Festival 2027
    assert days[datetime.date(2027, 9, 15)]  # Mid-Autumn 2027


def test_lunar_birthdays_on_the_30th_fall_on_the_29th_of_a_short_month():
    # 腊月 of lunar 2025 has 29 days: 除夕 is 16 February 2026 (腊月廿九).
    day = datetime.date(2026, 2, 16)
    assert calendar.lunar_of(day) == (12, 29, False)
    assert (12, 30, False) in calendar.lunar_birthday_matches(day)
