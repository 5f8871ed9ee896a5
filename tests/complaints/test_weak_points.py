"""Weak points (短板问题): complaints and callback problems grouped by department and category."""

import datetime

import pytest
from django.urls import reverse

from dcrc.complaints import choices, improvement
from dcrc.complaints.choices import Category, Department
from tests.complaints.conftest import MONDAY_10
from tests.complaints.improvement_data import WEEK, action, heard
from tests.complaints.improvement_data import complaint as register
from tests.conftest import login

LAST_WEEK = MONDAY_10 - datetime.timedelta(days=7)


@pytest.fixture
def week_data(care_a, cr_manager_a, agent_a):
    register(care_a, cr_manager_a)  # workshop · repair quality
    register(care_a, cr_manager_a, subject="返修两次仍未修好")
    register(
        care_a,
        cr_manager_a,
        department=Department.SERVICE,
        category=Category.WAITING_TIME,
        subject="交车等了三个小时",
    )
    register(care_a, cr_manager_a, at=LAST_WEEK)  # the previous week
    heard(care_a, agent_a, ["waiting", "attitude"])
    heard(care_a, agent_a, ["waiting"], at=MONDAY_10 + datetime.timedelta(days=2))
    heard(care_a, agent_a, ["parts"], at=LAST_WEEK)
    return care_a


def test_it_ranks_complaints_and_callback_problems_by_total(week_data):
    points = improvement.weak_points(dealer_ids=[week_data.pk], period=WEEK)

    assert [(p.department, p.category, p.complaints, p.callbacks) for p in points] == [
        (Department.SERVICE, Category.WAITING_TIME, 1, 2),
        (Department.WORKSHOP, Category.REPAIR_QUALITY, 2, 0),
        (Department.SERVICE, Category.SERVICE_ATTITUDE, 0, 1),
    ]


def test_it_compares_with_the_previous_week(week_data):
    points = {
        (p.department, p.category): p
        for p in improvement.weak_points(dealer_ids=[week_data.pk], period=WEEK)
    }

    workshop = points[(Department.WORKSHOP, Category.REPAIR_QUALITY)]
    assert (workshop.total, workshop.previous_total, workshop.change) == (2, 1, 1)
    # Parts were heard last week only: not a weak point of this week.
    assert (Department.PARTS, Category.PARTS_AVAILABILITY) not in points


def test_it_maps_every_callback_problem_to_a_department_and_category():
    from dcrc.care.choices import Problem

    assert set(improvement.PROBLEM_WEAK_POINTS) == set(Problem.values)
    for department, category in improvement.PROBLEM_WEAK_POINTS.values():
        assert department in Department.values and category in Category.values


def test_it_reads_a_month_and_goes_back_a_calendar_month():
    month = improvement.period_month(datetime.date(2026, 3, 15))

    assert (month.start, month.end) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert (month.previous().start, month.previous().end) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    week = improvement.period_week(datetime.date(2026, 11, 22))
    assert week.start == datetime.date(2026, 11, 16)
    assert week.previous().start == datetime.date(2026, 11, 9)


def test_it_counts_open_actions_and_gives_examples(week_data, cr_manager_a, service_manager_a):
    action(week_data, cr_manager_a, service_manager_a)
    done = action(week_data, cr_manager_a, service_manager_a)
    improvement.improvement_action_done(action=done, by=service_manager_a, note="已完成")

    points = improvement.weak_points(dealer_ids=[week_data.pk], period=WEEK)
    workshop = next(p for p in points if p.department == Department.WORKSHOP)

    assert workshop.open_actions == 1
    assert [e["subject"] for e in workshop.examples] == ["返修两次仍未修好", "保养后发动机异响"]


def test_it_gives_the_manufacturer_only_escalated_examples_but_every_count(
    week_data, cr_manager_a, manufacturer_crc
):
    from dcrc.complaints.services import complaint_move

    escalated = register(week_data, cr_manager_a, subject="客户要求厂家鉴定")
    complaint_move(complaint=escalated, action="escalate_crc", by=cr_manager_a, note="升级")

    points = improvement.weak_points(
        dealer_ids=[week_data.pk], period=WEEK, viewer=manufacturer_crc
    )
    workshop = next(p for p in points if p.department == Department.WORKSHOP)

    assert workshop.complaints == 3
    assert [e["subject"] for e in workshop.examples] == ["客户要求厂家鉴定"]


def test_it_leaves_other_dealers_out(week_data, dealer_b, cr_manager_a):
    from dcrc.care.defaults import care_defaults_ensure

    care_defaults_ensure(dealer_id=dealer_b.pk)
    from tests.factories import UserFactory

    crm_b = UserFactory(role="cr_manager", dealers=[dealer_b])
    register(dealer_b, crm_b, category=choices.Category.PRICE, department=Department.CASHIER)

    points = improvement.weak_points(dealer_ids=[week_data.pk], period=WEEK)

    assert all(p.department != Department.CASHIER for p in points)


def test_it_shows_the_page_with_a_create_action_button(
    client, week_data, cr_manager_a, django_assert_num_queries
):
    login(client, cr_manager_a)
    url = reverse("complaints:weak_points") + "?kind=week&day=2026-11-18"

    with django_assert_num_queries(8):
        response = client.get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="wp-service-waiting_time"' in body
    assert "?department=service&category=waiting_time" in body
    assert "2026-11-16 – 2026-11-22" in body


def test_it_reads_a_custom_period_and_rejects_a_reversed_one(client, week_data, cr_manager_a):
    login(client, cr_manager_a)
    url = reverse("complaints:weak_points")

    response = client.get(url, {"kind": "custom", "start": "2026-11-01", "end": "2026-11-30"})
    assert "2026-11-01 – 2026-11-30" in response.content.decode()

    response = client.get(url, {"kind": "custom", "start": "2026-11-30", "end": "2026-11-01"})
    assert response.status_code == 200
    assert 'id="period-errors"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "week", "day": "0001-01-01"},
        {"kind": "month", "day": "9999-12-31"},
        {"kind": "custom", "start": "0001-01-01", "end": "0001-01-05"},
    ],
)
def test_it_refuses_a_day_out_of_range_with_a_field_error(client, cr_manager_a, params):
    login(client, cr_manager_a)

    response = client.get(reverse("complaints:weak_points"), params)

    assert response.status_code == 200
    assert 'id="period-errors"' in response.content.decode()
    assert set(response.context["form"].errors) <= {"day", "start", "end"}


def test_it_refuses_an_agent(client, agent_a):
    login(client, agent_a)

    assert client.get(reverse("complaints:weak_points")).status_code == 403
