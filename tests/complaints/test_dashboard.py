"""The manager dashboard: figures in SQL, the most overdue first, a pinned query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.complaints import board, choices
from dcrc.complaints.models import Complaint
from dcrc.complaints.services import complaint_move
from tests.complaints.conftest import register
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db

URL = "/complaints/dashboard/"


@pytest.fixture
def board_data(care_a, cr_manager_a, service_manager_a, complaint_a):
    """complaint_a (a week old, overdue), a fresh one, an important one, one resolved and
    closed this month, one closed last month."""
    now = timezone.now()
    fresh = register(
        care_a,
        service_manager_a,
        contact_name="李娜",
        contact_phone="13911112222",
        owner=service_manager_a,
        at=now - datetime.timedelta(hours=1),
    )
    important = register(
        care_a,
        cr_manager_a,
        contact_name="赵强",
        contact_phone="13600001111",
        important_flags=[choices.ImportantFlag.MEDIA],
        owner=cr_manager_a,
        at=now - datetime.timedelta(minutes=30),
    )
    resolved = register(care_a, cr_manager_a, contact_name="钱七", contact_phone="13600002222")
    closed = register(care_a, cr_manager_a, contact_name="孙八", contact_phone="13600003333")
    old = register(care_a, cr_manager_a, contact_name="周九", contact_phone="13600004444")
    # Closing goes through a reached follow-up call; the states are set directly here.
    Complaint.objects.filter(pk=resolved.pk).update(
        state=choices.State.RESOLVED, first_response_at=now, resolved_at=now
    )
    Complaint.objects.filter(pk=closed.pk).update(
        state=choices.State.CLOSED, first_response_at=now, closed_at=now
    )
    Complaint.objects.filter(pk=old.pk).update(
        state=choices.State.CLOSED,
        first_response_at=now,
        closed_at=board.month_start(now) - datetime.timedelta(days=2),
    )
    complaint_move(complaint=complaint_a, action="acknowledge", by=cr_manager_a)
    return {"fresh": fresh, "important": important, "complaint_a": complaint_a}


def test_it_shows_the_figures(client, cr_manager_a, board_data):
    client.force_login(cr_manager_a)
    response = client.get(URL)
    assert response.status_code == 200
    figures = response.context["board"].figures
    assert figures == {
        "open": 4,
        "overdue": 1,
        "overdue_response": 0,
        "overdue_resolution": 1,
        "important": 1,
        "escalated": 1,
        "awaiting_follow_up": 1,
        "mine": 2,
        "closed_this_month": 1,
    }
    by_state = {state: count for state, _label, count in response.context["board"].by_state}
    assert "closed" not in by_state and by_state["registered"] == 2
    assert by_state["acknowledged"] == 1 and by_state["resolved"] == 1


def test_it_lists_overdue_important_and_my_complaints(client, cr_manager_a, board_data):
    client.force_login(cr_manager_a)
    dashboard = client.get(URL).context["board"]
    assert [c.pk for c in dashboard.overdue] == [board_data["complaint_a"].pk]
    assert [c.pk for c in dashboard.important] == [board_data["important"].pk]
    assert {c.pk for c in dashboard.mine} == {
        board_data["complaint_a"].pk,
        board_data["important"].pk,
    }


def test_it_puts_the_most_overdue_first(care_a, cr_manager_a):
    now = timezone.now()
    customer = make_customer(care_a)
    later = register(care_a, cr_manager_a, customer=customer, at=now - datetime.timedelta(days=5))
    earlier = register(
        care_a, cr_manager_a, customer=customer, at=now - datetime.timedelta(days=20)
    )
    dashboard = board.complaint_dashboard(user=cr_manager_a, dealer=care_a, now=now)
    assert [c.pk for c in dashboard.overdue] == [earlier.pk, later.pk]
    assert dashboard.figures["overdue_response"] == 2


def test_it_counts_only_what_manufacturer_staff_may_see(client, manufacturer_crc, board_data):
    client.force_login(manufacturer_crc)
    figures = client.get(URL).context["board"].figures
    assert figures["open"] == 1 and figures["escalated"] == 1


def test_it_refuses_people_without_figures(client, agent_a):
    client.force_login(agent_a)
    assert client.get(URL).status_code == 403


def test_it_makes_the_same_queries_whatever_the_data(
    client, cr_manager_a, care_a, django_assert_num_queries
):
    client.force_login(cr_manager_a)
    client.get(URL)
    # session, user, dealers, figures and counts by state, closed this month, three lists
    with django_assert_num_queries(8):
        client.get(URL)
    for _number in range(12):
        customer = make_customer(care_a)
        register(
            care_a,
            cr_manager_a,
            customer=customer,
            vehicle=make_vehicle(customer),
            owner=cr_manager_a,
            important_flags=[choices.ImportantFlag.SAFETY],
            at=timezone.now() - datetime.timedelta(days=10),
        )
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert response.context["board"].figures["overdue"] == 12


def test_it_shows_the_overdue_card_on_the_home_page(
    client, cr_manager_a, complaint_a, django_assert_num_queries
):
    client.force_login(cr_manager_a)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="complaints-overdue">1<' in html
    assert "/complaints/?overdue=1" in html


def test_it_leaves_the_card_out_for_people_without_complaint_access(client, technician_a):
    client.force_login(technician_a)
    assert "home-complaints-overdue" not in client.get(reverse("home")).content.decode()


def test_it_counts_overdue_complaints_in_one_query(
    cr_manager_a, care_a, complaint_a, django_assert_num_queries
):
    cr_manager_a.dealer_ids  # noqa: B018 - read once per request by the middleware
    with django_assert_num_queries(1):
        assert board.overdue_count(user=cr_manager_a, dealer=care_a) == 1


def test_it_counts_an_escalation_the_manufacturer_owns_as_its_own(
    client, care_a, cr_manager_a, regional_manager
):
    from dcrc.complaints.services import complaint_move

    customer = make_customer(care_a)
    owned = register(care_a, cr_manager_a, customer=customer)
    complaint_move(
        complaint=owned,
        action="escalate_regional",
        by=cr_manager_a,
        note="需要区域工程师",
        owner=regional_manager,
    )
    register(care_a, cr_manager_a, customer=customer, important_flags=["media"])

    client.force_login(regional_manager)
    dashboard = client.get(URL).context["board"]

    assert dashboard.figures["mine"] == 1
    assert [c.pk for c in dashboard.mine] == [owned.pk]
