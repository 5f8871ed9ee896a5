"""The complaint figures: SQL aggregates per dealer and for the whole scope."""

import datetime
from decimal import Decimal

import pytest

from dcrc.care import services as care_services
from dcrc.care.choices import CallOutcome, Satisfaction
from dcrc.care.kpis import Period
from dcrc.complaints import choices
from dcrc.complaints.choices import Action, ActionStatus
from dcrc.complaints.figures import complaint_figures, period_preset
from dcrc.complaints.models import ImprovementAction
from dcrc.complaints.services import complaint_move
from dcrc.core.choices import Role
from tests.complaints.conftest import MONDAY_10, register
from tests.factories import UserFactory, make_customer

pytestmark = pytest.mark.django_db

NOVEMBER = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
HOUR = datetime.timedelta(hours=1)
# Two weeks after MONDAY_10: the default deadlines of the complaints have passed.
LATER = MONDAY_10 + datetime.timedelta(days=14)


def figures(user, dealer=None, period=NOVEMBER, now=LATER):
    return complaint_figures(user=user, dealer=dealer, period=period, now=now)


def breakdown(report, key):
    return {code: n for code, _label, n in next(b for b in report.breakdowns if b.key == key).rows}


def move(complaint, action, by, at, **fields):
    return complaint_move(complaint=complaint, action=action, by=by, at=at, **fields)


def resolve(complaint, by, at):
    for action, fields in [
        (Action.ACKNOWLEDGE, {}),
        (Action.INVESTIGATE, {}),
        (Action.PROPOSE, {"solution": "免费更换"}),
        (Action.ACCEPT, {}),
        (Action.RESOLVE, {"resolution": "已更换"}),
    ]:
        complaint = move(complaint, action, by, at, **fields)
    return complaint


def follow_up_call(complaint, agent, at, satisfaction=Satisfaction.SATISFIED):
    task = complaint.follow_up_task
    care_services.task_claim(task=task, agent=agent, at=at)
    care_services.attempt_record(
        task=task, agent=agent, outcome=CallOutcome.REACHED, satisfaction=satisfaction, at=at
    )


def test_it_counts_the_period_s_complaints_by_each_breakdown(care_a, cr_manager_a, customer_a):
    register(care_a, cr_manager_a, customer=customer_a)
    register(
        care_a,
        cr_manager_a,
        customer=customer_a,
        channel=choices.Channel.EMAIL,
        category=choices.Category.PRICE,
        department=choices.Department.CASHIER,
        severity=choices.Severity.HIGH,
        important_flags=[choices.ImportantFlag.SAFETY, choices.ImportantFlag.MEDIA],
    )
    # October: outside the period.
    register(care_a, cr_manager_a, customer=customer_a, at=MONDAY_10 - datetime.timedelta(30))

    report = figures(cr_manager_a)

    assert report.totals.total == 2
    assert breakdown(report, "category")["repair_quality"] == 1
    assert breakdown(report, "category")["price"] == 1
    assert breakdown(report, "severity") == {"low": 0, "medium": 1, "high": 1, "critical": 0}
    assert breakdown(report, "channel")["email"] == 1
    assert breakdown(report, "department")["cashier"] == 1
    assert breakdown(report, "flag")["safety"] == 1
    assert breakdown(report, "flag")["media"] == 1
    assert breakdown(report, "flag")["large_loss"] == 0
    assert report.totals.important == 1
    assert report.totals.escalated == 1  # important: escalated to the manufacturer at once


def test_it_measures_first_responses_by_average_median_and_deadline(care_a, cr_manager_a):
    people = {"contact_name": "王先生", "contact_phone": "13800000000"}
    for hours in (1, 2, 6):
        complaint = register(care_a, cr_manager_a, **people)
        move(complaint, Action.ACKNOWLEDGE, cr_manager_a, MONDAY_10 + hours * HOUR)
    late = register(care_a, cr_manager_a, **people)
    move(late, Action.ACKNOWLEDGE, cr_manager_a, MONDAY_10 + 47 * HOUR)
    register(care_a, cr_manager_a, **people)  # never answered, past its deadline by LATER

    totals = figures(cr_manager_a).totals

    assert totals.responded == 4
    assert totals.response_avg_hours == Decimal("14.0")  # (1 + 2 + 6 + 47) / 4
    assert totals.response_median_hours == Decimal("4.0")  # (2 + 6) / 2
    assert (totals.response_on_time, totals.response_due) == (3, 5)
    assert totals.response_on_time_rate.percent == Decimal("60.0")


def test_it_measures_closing_days_and_the_reopen_rate(
    care_a, cr_manager_a, agent_a, customer_a, vehicle_a
):
    closed = resolve(register(care_a, cr_manager_a, customer=customer_a), cr_manager_a, MONDAY_10)
    follow_up_call(closed, agent_a, MONDAY_10 + 24 * HOUR)
    move(
        closed,
        Action.CLOSE,
        cr_manager_a,
        MONDAY_10 + 72 * HOUR,
        root_cause="装配不当",
        prevention="加强质检",
    )
    reopened = resolve(register(care_a, cr_manager_a, customer=customer_a), cr_manager_a, MONDAY_10)
    follow_up_call(reopened, agent_a, MONDAY_10 + 24 * HOUR, Satisfaction.DISSATISFIED)
    register(care_a, cr_manager_a, customer=customer_a)  # still open

    totals = figures(cr_manager_a).totals

    assert totals.closed == 1
    assert totals.close_avg_days == Decimal("3.0")
    assert (totals.reopened, totals.resolved_once) == (1, 2)
    assert totals.reopen_rate.percent == Decimal("50.0")


def test_it_counts_overdue_complaints_now_and_in_the_period(care_a, cr_manager_a, customer_a):
    on_time = register(care_a, cr_manager_a, customer=customer_a)
    move(on_time, Action.ACKNOWLEDGE, cr_manager_a, MONDAY_10 + HOUR)
    register(care_a, cr_manager_a, customer=customer_a)  # nobody answers
    # Registered in October and still open: overdue now, not in November's cohort.
    register(care_a, cr_manager_a, customer=customer_a, at=MONDAY_10 - datetime.timedelta(30))

    totals = figures(cr_manager_a).totals

    # The acknowledged one is not resolved in time either: every November one is late by LATER.
    assert totals.overdue_in_period == 2
    assert totals.open == 3
    assert totals.overdue_now == 3
    early = figures(cr_manager_a, now=MONDAY_10 + 2 * HOUR).totals
    assert early.overdue_now == 1  # only October's


def test_it_counts_customers_who_complain_again(care_a, cr_manager_a, customer_a):
    other = make_customer(care_a, name="李娜")
    register(care_a, cr_manager_a, customer=customer_a)
    register(care_a, cr_manager_a, customer=customer_a)
    register(care_a, cr_manager_a, customer=other)
    register(care_a, cr_manager_a, customer=other, at=MONDAY_10 - datetime.timedelta(days=100))

    totals = figures(cr_manager_a).totals

    assert totals.repeat_customers_period == 1
    assert totals.repeat_customers_year == 2


def test_it_rates_the_completion_of_improvement_actions_due_in_the_period(care_a, cr_manager_a):
    for status, due in [
        (ActionStatus.VERIFIED, 5),
        (ActionStatus.DONE, 10),
        (ActionStatus.OPEN, 20),
        (ActionStatus.IN_PROGRESS, 25),
        (ActionStatus.OPEN, 40),  # due in December
    ]:
        ImprovementAction.objects.create(
            dealer=care_a,
            department=choices.Department.WORKSHOP,
            weak_point="交车等待时间长",
            action="增加交车专员",
            owner=cr_manager_a,
            due_date=datetime.date(2026, 11, 1) + datetime.timedelta(days=due - 1),
            status=status,
        )

    totals = figures(cr_manager_a).totals

    assert (totals.actions_done, totals.actions_due) == (2, 4)
    assert totals.action_completion.percent == Decimal("50.0")


def test_it_shows_the_manufacturer_escalated_complaints_only(
    care_a, cr_manager_a, customer_a, manufacturer_crc
):
    register(care_a, cr_manager_a, customer=customer_a)
    register(
        care_a, cr_manager_a, customer=customer_a, important_flags=[choices.ImportantFlag.SAFETY]
    )

    report = figures(manufacturer_crc)

    assert report.escalated_only
    assert report.totals.total == 1
    assert report.totals.escalated == 1
    assert figures(cr_manager_a).totals.total == 2


def test_it_lists_every_dealer_of_a_group_manager(care_a, cr_manager_a, customer_a, group, maker):
    from tests.factories import DealerFactory

    sister = DealerFactory(code="A002", short_name="佛山店", manufacturer=maker, group=group)
    sister_crm = UserFactory(role=Role.CR_MANAGER, dealers=[sister])
    register(care_a, cr_manager_a, customer=customer_a)
    register(care_a, cr_manager_a, customer=customer_a)
    register(sister, sister_crm, contact_name="赵先生", contact_phone="13900000000")
    manager = UserFactory(role=Role.GROUP_MANAGER, dealer_group=group)

    report = figures(manager)

    assert [(d.name, d.counts.total) for d in report.dealers] == [("广州店", 2), ("佛山店", 1)]
    assert report.totals.total == 3
    assert [d.name for d in figures(manager, dealer=sister).dealers] == ["佛山店"]


def test_it_reads_the_figures_in_a_fixed_number_of_queries(
    care_a, cr_manager_a, customer_a, django_assert_num_queries
):
    for _n in range(3):
        complaint = register(care_a, cr_manager_a, customer=customer_a)
        move(complaint, Action.ACKNOWLEDGE, cr_manager_a, MONDAY_10 + HOUR)
    cr_manager_a.dealer_ids  # noqa: B018 - cached on the user, as the middleware does

    # cohort, open now, repeat customers, actions, two medians, dealer names
    with django_assert_num_queries(7):
        figures(cr_manager_a)


def test_it_offers_month_quarter_and_year_periods():
    today = datetime.date(2026, 2, 11)
    assert period_preset("this_month", today) == Period(today.replace(day=1), today)
    assert period_preset("last_month", today) == Period(
        datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
    )
    assert period_preset("this_quarter", today).start == datetime.date(2026, 1, 1)
    assert period_preset("last_quarter", today) == Period(
        datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)
    )
    assert period_preset("this_year", today).start == datetime.date(2026, 1, 1)
