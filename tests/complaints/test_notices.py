"""Who is told, and how: important complaints, escalations, overdue deadlines."""

import datetime

import pytest
from django.core import mail

from dcrc.care.models import SmsMessage
from dcrc.complaints.choices import Action, ImportantFlag, State
from dcrc.complaints.services import complaint_move, complaint_settings, complaints_overdue_notify
from dcrc.core.models import Notification
from tests.complaints.conftest import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(general_manager_a, manufacturer_crc, regional_manager):
    """The people an important complaint of dealer A (region 华南) reaches."""
    return {general_manager_a, manufacturer_crc, regional_manager}


def test_it_tells_the_general_manager_and_the_manufacturer_of_an_important_complaint(
    care_a, cr_manager_a, customer_a, told, django_capture_on_commit_callbacks, agent_b
):
    settings = complaint_settings(care_a.pk)
    settings.manufacturer_email = "crc-box@oem.example"
    settings.save()

    with django_capture_on_commit_callbacks(execute=True):
        complaint = register(
            care_a, cr_manager_a, customer=customer_a, important_flags=[ImportantFlag.SAFETY]
        )

    notices = Notification.objects.filter(key=f"complaint:{complaint.pk}:important")
    assert {notice.user for notice in notices} == told
    assert all(notice.url == complaint.get_absolute_url() for notice in notices)
    (email,) = mail.outbox
    assert set(email.to) == {"gm@a.example", "crc@oem.example", "crc-box@oem.example"}
    assert complaint.number in email.subject
    # The general manager has a mobile: the notice is texted through the SMS gateway too.
    sms = SmsMessage.objects.get()
    assert (sms.phone, sms.customer) == ("13900000001", None)
    assert complaint.number in sms.body


def test_it_tells_nobody_twice(care_a, cr_manager_a, customer_a, told):
    from dcrc.complaints.services import _notify_important

    complaint = register(
        care_a, cr_manager_a, customer=customer_a, important_flags=[ImportantFlag.POLICE]
    )
    _notify_important(complaint, note="again")

    assert Notification.objects.filter(key__endswith=":important").count() == len(told)


def test_it_leaves_the_manufacturer_of_another_region_out(care_a, cr_manager_a, customer_a, maker):
    from dcrc.core.choices import Role
    from tests.factories import UserFactory

    north = UserFactory(
        username="oem_north", role=Role.REGIONAL_MANAGER, manufacturer=maker, region="华北"
    )
    register(care_a, cr_manager_a, customer=customer_a, important_flags=[ImportantFlag.LAWYER])

    assert not Notification.objects.filter(user=north).exists()


def test_it_tells_the_chosen_owner_of_an_escalation(
    complaint_a, cr_manager_a, regional_manager, manufacturer_crc
):
    complaint_move(
        complaint=complaint_a,
        action=Action.ESCALATE_REGIONAL,
        by=cr_manager_a,
        note="需要技术支持",
        owner=regional_manager,
    )

    assert Notification.objects.filter(user=regional_manager).count() == 1
    assert not Notification.objects.filter(user=manufacturer_crc).exists()


def test_it_tells_the_owner_of_an_overdue_complaint_once_per_deadline(
    complaint_a, cr_manager_a, service_manager_a
):
    late = complaint_a.first_response_due + datetime.timedelta(minutes=1)
    assert complaints_overdue_notify(now=complaint_a.first_response_due) == 0

    # Nobody owns it yet: the dealer's CR managers hear of it.
    assert complaints_overdue_notify(now=late) == 1
    assert complaints_overdue_notify(now=late) == 0
    assert Notification.objects.get().user == cr_manager_a

    complaint_move(complaint=complaint_a, action=Action.ACKNOWLEDGE, by=service_manager_a, at=late)
    after_resolution_due = complaint_a.resolution_due + datetime.timedelta(minutes=1)
    assert complaints_overdue_notify(now=after_resolution_due) == 1
    latest = Notification.objects.order_by("-pk").first()
    assert latest.user == service_manager_a


def test_it_tells_both_deadlines_of_a_complaint_nobody_answered_and_then_rests(
    complaint_a, cr_manager_a, django_assert_max_num_queries
):
    much_later = complaint_a.resolution_due + datetime.timedelta(days=1)

    assert complaints_overdue_notify(now=much_later) == 2
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert [key.split(":")[2] for key in keys] == ["overdue", "overdue"]
    # Every deadline told: the next minute reads one query and tells nobody.
    with django_assert_max_num_queries(1):
        assert complaints_overdue_notify(now=much_later) == 0


def test_it_tells_the_handler_of_a_reopening_and_the_general_manager_of_a_closure(
    complaint_a, cr_manager_a, general_manager_a
):
    from tests.complaints.test_moves import move, walk_to

    complaint = walk_to(complaint_a, State.CLOSED, cr_manager_a)
    closed = Notification.objects.get(user=general_manager_a, key__endswith=":closed:0")
    assert "保养后增加异响路试" in closed.body

    move(complaint, Action.REOPEN, cr_manager_a)
    reopened = Notification.objects.get(key__endswith=":reopen:1")
    assert (reopened.user, reopened.body.splitlines()[-1]) == (cr_manager_a, "客户再次来电")


def test_it_tells_someone_assigned_twice_both_times(complaint_a, cr_manager_a, service_manager_a):
    from dcrc.complaints.services import complaint_assign

    complaint_assign(complaint=complaint_a, owner=service_manager_a, by=cr_manager_a)
    complaint_assign(complaint=complaint_a, owner=cr_manager_a, by=cr_manager_a)
    complaint_assign(complaint=complaint_a, owner=service_manager_a, by=cr_manager_a)

    assert Notification.objects.filter(user=service_manager_a).count() == 2
