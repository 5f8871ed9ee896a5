"""Corrective actions: an owner and a due date per weak point, done by the owner, verified by
the DCRC; the completion rate of the actions due in a period."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from dcrc.complaints import improvement
from dcrc.complaints.choices import ActionStatus, Category, Department
from dcrc.core.models import Notification
from tests.complaints.improvement_data import TODAY, action
from tests.conftest import login
from tests.factories import UserFactory


def test_it_creates_an_action_and_tells_its_owner(
    care_a, cr_manager_a, service_manager_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = action(care_a, cr_manager_a, service_manager_a)

    assert created.status == ActionStatus.OPEN
    assert created.created_by == cr_manager_a
    assert Notification.objects.filter(user=service_manager_a).count() == 1


def test_it_refuses_a_due_date_in_the_past_and_an_owner_of_another_dealer(
    care_a, dealer_b, cr_manager_a
):
    outsider = UserFactory(role="service_manager", dealers=[dealer_b])

    with pytest.raises(ValidationError) as error:
        action(care_a, cr_manager_a, outsider, due_date=TODAY - datetime.timedelta(days=1))

    assert set(error.value.message_dict) == {"due_date", "owner"}


def test_it_goes_from_open_to_done_to_verified(care_a, cr_manager_a, service_manager_a):
    created = action(care_a, cr_manager_a, service_manager_a)

    improvement.improvement_action_update(action=created, by=service_manager_a)
    done = improvement.improvement_action_done(
        action=created, by=service_manager_a, note="已培训技师并建立终检制度"
    )
    assert done.status == ActionStatus.DONE and done.done_at is not None

    verified = improvement.improvement_action_verify(
        action=done, by=cr_manager_a, effective=True, note="抽查5台，合格"
    )
    assert verified.status == ActionStatus.VERIFIED
    assert verified.verified_by == cr_manager_a


def test_it_reopens_an_ineffective_action_with_a_reason(care_a, cr_manager_a, service_manager_a):
    created = action(care_a, cr_manager_a, service_manager_a)
    improvement.improvement_action_done(action=created, by=service_manager_a, note="已处理")

    with pytest.raises(ValidationError) as error:
        improvement.improvement_action_verify(action=created, by=cr_manager_a, effective=False)
    assert "note" in error.value.message_dict

    rejected = improvement.improvement_action_verify(
        action=created, by=cr_manager_a, effective=False, note="本周仍有两起返修投诉"
    )
    assert rejected.status == ActionStatus.REJECTED
    # Reopened: the owner works on it again.
    again = improvement.improvement_action_done(
        action=created, by=service_manager_a, note="再次整改"
    )
    assert again.status == ActionStatus.DONE


def test_it_verifies_only_done_actions_and_only_by_the_dcrc(
    care_a, cr_manager_a, service_manager_a, agent_a
):
    created = action(care_a, cr_manager_a, service_manager_a)

    with pytest.raises(ValidationError) as refused:
        improvement.improvement_action_verify(action=created, by=cr_manager_a, effective=True)
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError):
        improvement.improvement_action_done(action=created, by=agent_a, note="不是我的")
    improvement.improvement_action_done(action=created, by=service_manager_a, note="完成")
    with pytest.raises(ValidationError, match="只有DCRC"):
        improvement.improvement_action_verify(action=created, by=agent_a, effective=True)


def test_it_computes_the_completion_rate_of_actions_due_in_a_period(
    care_a, cr_manager_a, service_manager_a
):
    week_end = TODAY + datetime.timedelta(days=6)
    first = action(
        care_a, cr_manager_a, service_manager_a, due_date=TODAY + datetime.timedelta(days=1)
    )
    second = action(
        care_a, cr_manager_a, service_manager_a, due_date=TODAY + datetime.timedelta(days=2)
    )
    action(care_a, cr_manager_a, service_manager_a, due_date=TODAY + datetime.timedelta(days=3))
    action(care_a, cr_manager_a, service_manager_a, due_date=TODAY + datetime.timedelta(days=30))
    improvement.improvement_action_done(action=first, by=service_manager_a, note="完成")
    improvement.improvement_action_done(action=second, by=service_manager_a, note="完成")
    improvement.improvement_action_verify(action=second, by=cr_manager_a, effective=True)

    rate = improvement.action_completion([care_a.pk], TODAY, week_end)

    assert (rate.numerator, rate.denominator) == (2, 3)
    assert str(rate.percent) == "66.7"


@pytest.fixture
def actions(care_a, cr_manager_a, service_manager_a):
    today = timezone.localdate()
    made = [
        action(
            care_a,
            cr_manager_a,
            service_manager_a,
            due_date=today + datetime.timedelta(days=n),
            today=today,
            department=Department.PARTS if n % 2 else Department.WORKSHOP,
        )
        for n in range(1, 8)
    ]
    # One overdue: its due date passed (set directly, as time would).
    made[0].__class__.objects.filter(pk=made[0].pk).update(
        due_date=today - datetime.timedelta(days=2)
    )
    return made


def test_it_lists_and_filters_actions(client, cr_manager_a, actions, django_assert_num_queries):
    login(client, cr_manager_a)
    url = reverse("complaints:actions")

    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="action-') == 7

    response = client.get(url, {"overdue": "1"})
    assert response.content.decode().count("ti-clock-exclamation") == 1
    response = client.get(url, {"department": "parts"})
    assert response.content.decode().count('data-testid="action-') == 4


def test_it_shows_an_owner_their_own_actions(client, care_a, actions, service_manager_a):
    login(client, service_manager_a)

    response = client.get(reverse("complaints:actions"))

    assert response.status_code == 200
    assert "维修质量" in response.content.decode()


def test_it_lets_the_owner_report_done_and_the_dcrc_verify_on_the_page(
    client, actions, service_manager_a, cr_manager_a
):
    target = actions[1]
    login(client, service_manager_a)
    response = client.post(reverse("complaints:action_done", args=[target.pk]), {"note": ""})
    assert response.status_code == 422

    response = client.post(
        reverse("complaints:action_done", args=[target.pk]), {"note": "已完成培训"}
    )
    assert response.status_code == 302
    # The owner, a service manager, may run the loop but not verify their own action.
    response = client.post(
        reverse("complaints:action_verify", args=[target.pk]), {"effective": "1"}
    )
    assert response.status_code == 422

    login(client, cr_manager_a)
    response = client.post(
        reverse("complaints:action_verify", args=[target.pk]), {"effective": "0", "note": "无效"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == ActionStatus.REJECTED


def test_it_prefills_a_new_action_with_the_weak_point(client, care_a, cr_manager_a):
    login(client, cr_manager_a)

    response = client.get(
        reverse("complaints:action_create"), {"department": "service", "category": "waiting_time"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = f"{Department.SERVICE.label} · {Category.WAITING_TIME.label}"
    assert f'name="weak_point" value="{expected}"' in body


def test_it_creates_an_action_from_the_form_and_shows_errors(
    client, care_a, cr_manager_a, service_manager_a
):
    login(client, cr_manager_a)
    url = reverse("complaints:action_create")
    data = {
        "department": "service",
        "category": "waiting_time",
        "weak_point": "交车等待时间长",
        "action": "增加快修工位",
        "owner": service_manager_a.pk,
        "due_date": "2000-01-01",
    }

    response = client.post(url, data)
    assert response.status_code == 422

    data["due_date"] = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = client.post(url, data)
    assert response.status_code == 302


def test_it_hides_other_dealers_actions(client, actions, dealer_b):
    stranger = UserFactory(role="cr_manager", dealers=[dealer_b])
    login(client, stranger)

    assert client.get(reverse("complaints:action", args=[actions[0].pk])).status_code == 404
    response = client.post(reverse("complaints:action_done", args=[actions[0].pk]), {"note": "x"})
    assert response.status_code == 404
