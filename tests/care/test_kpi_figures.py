"""Each KPI figure against the hand-counted March of tests/care/kpi_data.py."""

import datetime
from decimal import Decimal

import pytest

from dcrc.care import kpis
from dcrc.care.choices import TaskKind
from dcrc.care.models import CareSettings
from tests.care.kpi_data import at, build_march, hotline_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(care_a, agent_a, agent_a2):
    return build_march(care_a, agent_a, agent_a2)


MARCH = kpis.Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def report(dealer, agent=None, period=MARCH):
    scope = kpis.Scope(dealer_ids=[dealer.pk], agent_id=agent.pk if agent else None)
    return kpis.kpi_report(scope=scope, period=period)


def counts(ratio):
    return ratio.numerator, ratio.denominator


def test_it_counts_callback_coverage_of_vehicles_released_in_the_local_period(care_a, march):
    result = report(care_a)
    assert counts(result.coverage) == (4, 5)
    assert result.coverage.percent == Decimal("80.0")
    assert result.coverage.meets_target is False


def test_it_counts_success_by_closing_date_and_on_time_by_local_days(care_a, march):
    result = report(care_a)
    assert counts(result.success) == (3, 4)
    assert result.success.meets_target is False
    # T6 was reached on its release day in Shanghai (the next day in UTC): not on time.
    assert counts(result.on_time) == (1, 3)
    assert result.on_time.percent == Decimal("33.3")


def test_it_averages_attempts_over_the_tasks_closed_and_counts_dials(care_a, march):
    result = report(care_a)
    assert (result.closed, result.attempts, result.attempts_per_task) == (6, 9, Decimal("1.50"))
    assert result.dials == 7


def test_it_breaks_failures_down_by_close_reason_and_last_outcome(care_a, march):
    result = report(care_a)
    assert sorted((code, n) for code, _label, n in result.failure_reasons) == [
        ("attempts_exhausted", 1),
        ("wrong_number", 1),
    ]
    assert sorted((code, n) for code, _label, n in result.failure_outcomes) == [
        ("no_answer", 1),
        ("wrong_number", 1),
    ]


def test_it_shows_the_satisfaction_mix(care_a, march):
    result = report(care_a)
    mix = {code: n for code, _label, n in result.satisfaction}
    assert mix == {
        "very_satisfied": 1,
        "satisfied": 1,
        "neutral": 0,
        "dissatisfied": 1,
        "very_dissatisfied": 0,
    }
    assert counts(result.satisfied) == (2, 3)


def test_it_rates_hotline_replies_by_their_deadline(care_a, march):
    result = report(care_a)
    assert counts(result.reply) == (1, 3)
    by_kind = {code: counts(ratio) for code, _label, ratio in result.reply_by_kind}
    assert by_kind == {"call": (1, 1), "voicemail": (0, 2)}


def test_it_does_not_judge_a_call_still_within_its_deadline(care_a, agent_a):
    now = at(3, 10, 12)
    hotline_call(care_a, at(3, 10, 9))
    scope = kpis.Scope(dealer_ids=[care_a.pk])
    assert counts(kpis.kpi_report(scope=scope, period=MARCH, now=now).reply) == (0, 0)
    later = now + datetime.timedelta(days=2)
    assert counts(kpis.kpi_report(scope=scope, period=MARCH, now=later).reply) == (0, 1)


def test_it_follows_reminders_to_appointments_and_arrivals(care_a, march):
    result = report(care_a)
    rows = {c.kind: (c.reminders, c.appointments, c.arrivals) for c in result.conversions}
    assert rows[TaskKind.MAINTENANCE] == (2, 1, 1)
    assert rows[TaskKind.INSURANCE_RENEWAL] == (1, 0, 1)
    assert rows[TaskKind.FIRST_MAINTENANCE] == (0, 0, 0)


def test_it_uses_the_dealers_arrival_window(care_a, march):
    # M3's visit came 5 days after the reminder: a 3-day window no longer counts it.
    CareSettings.objects.filter(dealer=care_a).update(arrival_window_days=3)
    rows = {c.kind: c.arrivals for c in report(care_a).conversions}
    assert rows[TaskKind.INSURANCE_RENEWAL] == 0
    assert rows[TaskKind.MAINTENANCE] == 1  # M1 came on its appointment day


def test_it_counts_tasks_overdue_now(care_a, march):
    assert report(care_a).overdue == 2


def test_it_tabulates_every_agent(care_a, march, agent_a, agent_a2):
    rows = {row.agent_id: row for row in report(care_a).agents}
    assert set(rows) == {agent_a.pk, agent_a2.pk, None}
    mine = rows[agent_a.pk]
    # T1, T3 and M1, M2 (closed by agent A while unassigned).
    assert (mine.dials, mine.closed, mine.callbacks, mine.callbacks_reached) == (2, 4, 2, 2)
    assert counts(mine.on_time_rate) == (1, 2)
    other = rows[agent_a2.pk]
    assert (other.dials, other.closed, other.callbacks_reached, other.overdue) == (5, 2, 1, 1)
    assert other.attempts_per_task == Decimal("2.50")
    assert rows[None].overdue == 1


def test_it_narrows_every_figure_to_one_agent(care_a, march, agent_a2):
    result = report(care_a, agent=agent_a2)
    assert counts(result.coverage) == (2, 3)  # T2, T5, T6 are agent 2's; T5, T6 dialled
    assert counts(result.success) == (1, 2)
    assert result.dials == 5
    assert result.overdue == 1
    assert [row.agent_id for row in result.agents] == [agent_a2.pk]


def test_it_draws_the_trend_by_local_day(care_a, march):
    trend = {point["date"]: point for point in report(care_a).trend}
    assert len(trend) == 31
    assert (trend["2026-03-02"]["closed"], trend["2026-03-02"]["reached"]) == (1, 1)
    assert (trend["2026-03-14"]["closed"], trend["2026-03-14"]["rate"]) == (1, Decimal("0.0"))
    assert trend["2026-03-20"]["reached"] == 1
    assert sum(point["closed"] for point in trend.values()) == 4


def test_it_draws_long_periods_by_week(care_a, march):
    period = kpis.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    result = report(care_a, period=period)
    assert result.trend_unit == "week"
    assert result.trend[0]["date"] == "2025-12-29"  # the Monday of the first week
    assert sum(point["closed"] for point in result.trend) == 5  # T7 too


def test_it_never_counts_another_dealers_work(care_a, care_b, agent_a, agent_b):
    build_march(care_b, agent_b, agent_b)
    result = report(care_a)
    assert counts(result.coverage) == (0, 0)
    assert result.closed == 0 and result.dials == 0 and result.agents == []


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("this_week", (datetime.date(2026, 11, 23), datetime.date(2026, 11, 25))),
        ("this_month", (datetime.date(2026, 11, 1), datetime.date(2026, 11, 25))),
        ("last_month", (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))),
        ("this_quarter", (datetime.date(2026, 10, 1), datetime.date(2026, 11, 25))),
    ],
)
def test_it_knows_the_preset_periods(preset, expected):
    period = kpis.period_preset(preset, datetime.date(2026, 11, 25))
    assert (period.start, period.end) == expected


def test_it_bounds_a_period_by_shanghai_midnights():
    start, end = MARCH.bounds
    assert start == at(3, 1, 0) and end == at(4, 1, 0)
    assert start.astimezone(datetime.UTC).hour == 16
