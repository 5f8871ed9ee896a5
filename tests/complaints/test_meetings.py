"""The weekly meeting (周度例会): an agenda from the week's weak points and open actions,
minutes, attendees, actions decided, final minutes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dcrc.complaints import improvement
from dcrc.complaints.choices import Category, Department, MeetingState
from dcrc.complaints.models import WeeklyMeeting
from tests.complaints.conftest import MONDAY_10
from tests.complaints.improvement_data import TODAY, action, complaint, heard
from tests.conftest import login
from tests.factories import UserFactory

WEDNESDAY = datetime.date(2026, 11, 18)


@pytest.fixture
def meeting(care_a, cr_manager_a, agent_a, service_manager_a):
    complaint(care_a, cr_manager_a)
    heard(care_a, agent_a, ["waiting"])
    action(care_a, cr_manager_a, service_manager_a)
    return improvement.meeting_create(
        dealer=care_a, week_start=WEDNESDAY, by=cr_manager_a, today=TODAY
    )


def test_it_files_the_meeting_under_the_monday_with_its_agenda(meeting):
    assert meeting.week_start == datetime.date(2026, 11, 16)
    assert meeting.state == MeetingState.DRAFT
    agenda = meeting.agenda
    assert agenda["period"] == ["2026-11-16", "2026-11-22"]
    assert {(p["department"], p["category"]) for p in agenda["weak_points"]} == {
        (Department.WORKSHOP, Category.REPAIR_QUALITY),
        (Department.SERVICE, Category.WAITING_TIME),
    }
    assert [a["weak_point"] for a in agenda["open_actions"]] == ["维修质量 · 一次修复率低"]


def test_it_makes_one_meeting_per_dealer_and_week(meeting, care_a, cr_manager_a):
    with pytest.raises(ValidationError) as error:
        improvement.meeting_create(
            dealer=care_a, week_start=datetime.date(2026, 11, 22), by=cr_manager_a
        )

    assert "week_start" in error.value.message_dict


def test_it_prepares_a_meeting_at_most_a_week_ahead(care_a, cr_manager_a):
    week_ahead = TODAY + datetime.timedelta(days=7)
    improvement.meeting_create(dealer=care_a, week_start=week_ahead, by=cr_manager_a, today=TODAY)

    with pytest.raises(ValidationError) as error:
        improvement.meeting_create(
            dealer=care_a,
            week_start=TODAY + datetime.timedelta(days=14),
            by=cr_manager_a,
            today=TODAY,
        )

    assert "week_start" in error.value.message_dict
    assert WeeklyMeeting.objects.count() == 1


@pytest.mark.parametrize(
    "held_at,accepted",
    [
        (MONDAY_10 - datetime.timedelta(hours=11), False),  # the Sunday before the week
        (MONDAY_10, True),
        (MONDAY_10 + datetime.timedelta(days=13), True),  # the Sunday a week after the week
        (MONDAY_10 + datetime.timedelta(days=14), False),
    ],
)
def test_it_takes_a_held_at_within_the_week_or_the_week_after(
    meeting, cr_manager_a, held_at, accepted
):
    if accepted:
        improvement.meeting_update(meeting=meeting, by=cr_manager_a, held_at=held_at)
        meeting.refresh_from_db()
        assert meeting.held_at == held_at
    else:
        with pytest.raises(ValidationError) as error:
            improvement.meeting_update(meeting=meeting, by=cr_manager_a, held_at=held_at)
        assert "held_at" in error.value.message_dict


def test_it_shows_meeting_date_errors_on_the_fields(client, meeting, cr_manager_a):
    login(client, cr_manager_a)
    far = timezone.localdate() + datetime.timedelta(days=30)

    response = client.post(reverse("complaints:meetings"), {"week_start": far.isoformat()})

    assert response.status_code == 422
    assert response.context["create_form"].errors["week_start"]

    response = client.post(meeting.get_absolute_url(), {"held_at": "2026-12-31T10:00"})

    assert response.status_code == 422
    assert response.context["form"].errors["held_at"]


def test_it_puts_the_previous_meetings_actions_up_for_review(
    meeting, care_a, cr_manager_a, service_manager_a
):
    action(care_a, cr_manager_a, service_manager_a, meeting=meeting, weak_point="交车等待")

    following = improvement.meeting_create(
        dealer=care_a, week_start=datetime.date(2026, 11, 23), by=cr_manager_a, today=TODAY
    )

    assert following.agenda["previous_meeting"] == "2026-11-16"
    assert [a["weak_point"] for a in following.agenda["review_actions"]] == ["交车等待"]


def test_it_records_the_minutes_and_finalises_them(meeting, cr_manager_a, service_manager_a):
    with pytest.raises(ValidationError) as error:
        improvement.meeting_finalise(meeting=meeting, by=cr_manager_a)
    assert {"held_at", "attendees", "minutes"} <= set(error.value.message_dict)

    improvement.meeting_update(
        meeting=meeting,
        by=cr_manager_a,
        held_at=MONDAY_10 + datetime.timedelta(days=4),
        location="二楼会议室",
        chair=cr_manager_a,
        attendees=[str(service_manager_a), "区域经理 王强", " ", "区域经理 王强"],
        minutes="通报本周短板问题。",
        decisions="车间本周完成终检制度。",
    )
    final = improvement.meeting_finalise(meeting=meeting, by=cr_manager_a)

    assert final.state == MeetingState.HELD
    assert final.attendees == [str(service_manager_a), "区域经理 王强"]
    with pytest.raises(ValidationError):
        improvement.meeting_update(meeting=final, by=cr_manager_a, held_at=None)
    with pytest.raises(ValidationError):
        action(final.dealer, cr_manager_a, service_manager_a, meeting=final)


def test_it_refuses_a_chair_of_another_dealer(meeting, cr_manager_a, dealer_b):
    outsider = UserFactory(role="cr_manager", dealers=[dealer_b])

    with pytest.raises(ValidationError):
        improvement.meeting_update(meeting=meeting, by=cr_manager_a, held_at=None, chair=outsider)


def test_it_lists_meetings(client, care_a, cr_manager_a, django_assert_num_queries):
    for monday in (datetime.date(2026, 11, 2), datetime.date(2026, 11, 9), WEDNESDAY):
        improvement.meeting_create(dealer=care_a, week_start=monday, by=cr_manager_a)
    login(client, cr_manager_a)

    with django_assert_num_queries(5):
        response = client.get(reverse("complaints:meetings"))

    assert response.status_code == 200
    assert response.content.decode().count("/export/pdf/") == 3


def test_it_creates_a_meeting_from_the_list(client, care_a, cr_manager_a):
    login(client, cr_manager_a)
    url = reverse("complaints:meetings")

    response = client.post(url, {"week_start": "2026-11-19"})
    meeting = WeeklyMeeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()

    response = client.post(url, {"week_start": "2026-11-16"})
    assert response.status_code == 422


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_it_refuses_a_week_out_of_range(client, care_a, cr_manager_a, day):
    login(client, cr_manager_a)

    response = client.post(reverse("complaints:meetings"), {"week_start": day})

    assert response.status_code == 422
    assert response.context["create_form"].errors["week_start"]
    assert not WeeklyMeeting.objects.exists()


def test_it_refuses_a_held_at_out_of_range(client, meeting, cr_manager_a):
    login(client, cr_manager_a)

    response = client.post(meeting.get_absolute_url(), {"held_at": "0001-01-01T00:00"})

    assert response.status_code == 422
    assert response.context["form"].errors["held_at"]
    meeting.refresh_from_db()
    assert meeting.held_at is None


def test_it_saves_minutes_and_adds_actions_on_the_meeting_page(
    client, meeting, cr_manager_a, service_manager_a
):
    login(client, cr_manager_a)
    url = meeting.get_absolute_url()
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "held_at": "2026-11-20T15:00",
            "location": "二楼会议室",
            "chair": cr_manager_a.pk,
            "staff": [service_manager_a.pk],
            "others": "厂家区域经理 王强",
            "minutes": "通报短板问题",
            "decisions": "",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.attendees == [str(service_manager_a), "厂家区域经理 王强"]
    assert timezone.localtime(meeting.held_at).hour == 15

    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = client.post(
        reverse("complaints:meeting_action_add", args=[meeting.pk]),
        {
            "department": "service",
            "category": "waiting_time",
            "weak_point": "交车等待时间长",
            "action": "增加快修工位",
            "owner": service_manager_a.pk,
            "due_date": due,
        },
    )
    assert response.status_code == 302
    assert meeting.actions.get().weak_point == "交车等待时间长"

    response = client.post(reverse("complaints:meeting_finalise", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD


def test_it_lets_manufacturer_staff_read_but_not_write(client, meeting, regional_manager):
    login(client, regional_manager)

    assert client.get(meeting.get_absolute_url()).status_code == 200
    response = client.post(reverse("complaints:meeting_finalise", args=[meeting.pk]))
    assert response.status_code == 403


def test_it_hides_other_dealers_meetings(client, meeting, dealer_b):
    stranger = UserFactory(role="cr_manager", dealers=[dealer_b])
    login(client, stranger)

    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("complaints:meeting_export", args=[meeting.pk, "pdf"])).status_code
        == 404
    )


def test_it_loads_the_demo_meetings_and_surveys_once(
    care_a, cr_manager_a, service_manager_a, general_manager_a
):
    from dcrc.complaints.demo_improvement import demo_improvement_load
    from dcrc.complaints.models import ImprovementAction, SatisfactionSurvey
    from dcrc.core.choices import Role

    advisor = UserFactory(username="advisor", role=Role.SERVICE_ADVISOR, dealers=[care_a])
    users = {
        "crm": cr_manager_a,
        "svcmgr": service_manager_a,
        "gm": general_manager_a,
        "advisor": advisor,
    }

    for _run in range(2):
        demo_improvement_load(dealers=[care_a], users_by_username=users, today=TODAY)

    assert SatisfactionSurvey.objects.count() == 6  # three months of CSI and SSI
    assert WeeklyMeeting.objects.filter(state=MeetingState.HELD).count() == 2
    assert ImprovementAction.objects.count() == 5
