"""The complaint page: who sees it, who moves it, refused moves, the log, the follow-up call,
scripts and the customer's history, in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.care.choices import TaskKind
from dcrc.complaints import choices, services
from dcrc.complaints.choices import Action, State
from dcrc.complaints.models import Complaint, ComplaintEvent
from dcrc.core.choices import Role
from tests.complaints.conftest import MONDAY_10, register
from tests.conftest import login
from tests.factories import UserFactory


def detail(complaint):
    return reverse("complaints:detail", args=[complaint.pk])


def move_url(complaint):
    return reverse("complaints:move", args=[complaint.pk])


def advance(complaint, by, *actions, **fields):
    for action in actions:
        complaint = services.complaint_move(
            complaint=complaint, action=action, by=by, at=MONDAY_10, **fields
        )
    return complaint


@pytest.fixture
def advisor_a(dealer_a):
    return UserFactory(username="advisor_a", role=Role.SERVICE_ADVISOR, dealers=[dealer_a])


def test_it_shows_the_complaint_to_its_handler_with_the_moves_allowed(
    client, cr_manager_a, complaint_a
):
    login(client, cr_manager_a)
    response = client.get(detail(complaint_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert complaint_a.number in html
    assert 'data-testid="action-acknowledge"' in html
    assert 'data-testid="action-escalate_crc"' in html
    assert 'data-testid="action-close"' not in html
    # Registered last Monday: both deadlines have passed and show red.
    assert response.context["response_overdue"] and response.context["resolution_overdue"]
    assert "138****8000" in html and "13800138000" not in html
    assert 'data-testid="event" data-action="register"' in html


def test_it_lets_the_handler_move_the_complaint(client, cr_manager_a, complaint_a):
    login(client, cr_manager_a)
    response = client.post(move_url(complaint_a), {"action": "acknowledge", "note": "已致电客户"})
    assert response.status_code == 302 and response.url == detail(complaint_a)
    complaint_a.refresh_from_db()
    assert complaint_a.state == State.ACKNOWLEDGED
    assert complaint_a.owner == cr_manager_a and complaint_a.first_response_at
    event = complaint_a.events.last()
    assert (event.action, event.from_state, event.to_state, event.note) == (
        Action.ACKNOWLEDGE,
        State.REGISTERED,
        State.ACKNOWLEDGED,
        "已致电客户",
    )


def test_it_takes_what_each_move_needs(client, cr_manager_a, complaint_a):
    advance(complaint_a, cr_manager_a, Action.ACKNOWLEDGE, Action.INVESTIGATE)
    login(client, cr_manager_a)
    response = client.post(move_url(complaint_a), {"action": "propose"})
    assert response.status_code == 422
    assert response.context["move_errors"]
    assert 'id="move-propose"' in response.content.decode()
    assert response.context["moves"][0].failed

    response = client.post(move_url(complaint_a), {"action": "propose", "solution": "免费更换皮带"})
    complaint_a.refresh_from_db()
    assert (complaint_a.state, complaint_a.solution) == (State.SOLUTION_PROPOSED, "免费更换皮带")


def test_it_shows_a_refused_move_with_the_services_message(client, cr_manager_a, complaint_a):
    login(client, cr_manager_a)
    response = client.post(move_url(complaint_a), {"action": "close", "root_cause": "x"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="move-errors"' in html
    assert any("Possible now" in e or "可" in e for e in response.context["move_errors"])
    response = client.post(move_url(complaint_a), {"action": "nonsense"})
    assert response.status_code == 422
    complaint_a.refresh_from_db()
    assert complaint_a.state == State.REGISTERED


def test_it_asks_why_for_an_escalation_and_offers_manufacturer_staff(
    client, cr_manager_a, complaint_a, manufacturer_crc
):
    login(client, cr_manager_a)
    html = client.get(detail(complaint_a)).content.decode()
    assert f'value="{manufacturer_crc.pk}"' in html
    response = client.post(move_url(complaint_a), {"action": "escalate_crc"})
    assert response.status_code == 422
    response = client.post(
        move_url(complaint_a),
        {"action": "escalate_crc", "note": "客户要求厂家介入", "owner": manufacturer_crc.pk},
    )
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.escalation == choices.Escalation.MANUFACTURER_CRC
    assert complaint_a.crc_owner == manufacturer_crc


def test_it_lets_an_agent_see_but_not_move(client, agent_a, complaint_a):
    login(client, agent_a)
    response = client.get(detail(complaint_a))
    assert response.status_code == 200
    assert 'data-testid="action-' not in response.content.decode()
    assert client.post(move_url(complaint_a), {"action": "acknowledge"}).status_code == 403
    assert client.post(reverse("complaints:edit", args=[complaint_a.pk]), {}).status_code == 403


def test_it_keeps_escalation_to_those_allowed(client, advisor_a, complaint_a):
    login(client, advisor_a)
    html = client.get(detail(complaint_a)).content.decode()
    assert 'data-testid="action-acknowledge"' in html
    assert 'data-testid="action-escalate_crc"' not in html
    response = client.post(move_url(complaint_a), {"action": "escalate_crc", "note": "x"})
    assert response.status_code == 403


def test_it_shows_manufacturer_staff_only_escalated_complaints(
    client, cr_manager_a, manufacturer_crc, regional_manager, complaint_a
):
    login(client, manufacturer_crc)
    assert client.get(detail(complaint_a)).status_code == 404
    advance(complaint_a, cr_manager_a, Action.ESCALATE_CRC, note="客户要求厂家介入")
    response = client.get(detail(complaint_a))
    assert response.status_code == 200
    assert 'data-testid="action-' not in response.content.decode()
    login(client, regional_manager)
    assert client.get(detail(complaint_a)).status_code == 200
    # The manufacturer's people may comment on an escalation.
    response = client.post(
        reverse("complaints:note", args=[complaint_a.pk]), {"note": "请尽快安排检测"}
    )
    assert response.status_code == 302
    assert complaint_a.events.filter(action=Action.NOTE, by=regional_manager).exists()


def test_it_answers_404_to_another_dealer(client, agent_b, complaint_a):
    login(client, agent_b)
    assert client.get(detail(complaint_a)).status_code == 404
    assert client.post(move_url(complaint_a), {"action": "acknowledge"}).status_code == 403


def test_it_answers_404_to_another_dealers_handler(client, dealer_b, complaint_a):
    handler_b = UserFactory(username="crm_b", role=Role.CR_MANAGER, dealers=[dealer_b])
    login(client, handler_b)
    assert client.get(detail(complaint_a)).status_code == 404
    assert client.post(move_url(complaint_a), {"action": "acknowledge"}).status_code == 404


def test_it_assigns_the_handler_and_adds_notes(
    client, cr_manager_a, service_manager_a, complaint_a
):
    login(client, cr_manager_a)
    response = client.post(
        reverse("complaints:assign", args=[complaint_a.pk]), {"owner": service_manager_a.pk}
    )
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.owner == service_manager_a
    response = client.post(reverse("complaints:note", args=[complaint_a.pk]), {"note": " "})
    assert response.status_code == 422
    client.post(reverse("complaints:note", args=[complaint_a.pk]), {"note": "客户下午到店"})
    assert [e.action for e in complaint_a.events.all()] == [
        Action.REGISTER,
        Action.ASSIGN,
        Action.NOTE,
    ]


def test_it_corrects_the_intake_details(client, cr_manager_a, complaint_a):
    url = reverse("complaints:edit", args=[complaint_a.pk])
    login(client, cr_manager_a)
    assert client.get(url).status_code == 200
    data = {
        "category": complaint_a.category,
        "department": complaint_a.department,
        "severity": choices.Severity.CRITICAL,
        "subject": complaint_a.subject,
        "description": complaint_a.description,
        "important_flags": [choices.ImportantFlag.SAFETY],
    }
    response = client.post(url, {**data, "subject": ""})
    assert response.status_code == 422 and response.context["form"].errors["subject"]
    response = client.post(url, data)
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.severity == choices.Severity.CRITICAL and complaint_a.is_important
    assert complaint_a.escalation == choices.Escalation.MANUFACTURER_CRC


def test_it_refuses_texts_longer_than_the_api_takes_on_edit_move_and_note(
    client, cr_manager_a, complaint_a
):
    login(client, cr_manager_a)
    edit = {
        "category": complaint_a.category,
        "department": complaint_a.department,
        "severity": complaint_a.severity,
        "subject": complaint_a.subject,
        "description": "长" * 4001,
    }
    response = client.post(reverse("complaints:edit", args=[complaint_a.pk]), edit)
    assert response.status_code == 422 and response.context["form"].errors["description"]

    complaint = advance(complaint_a, cr_manager_a, Action.ACKNOWLEDGE, Action.INVESTIGATE)
    response = client.post(move_url(complaint), {"action": Action.PROPOSE, "solution": "长" * 4001})
    assert response.status_code == 422
    assert response.context["move_errors"]

    response = client.post(reverse("complaints:note", args=[complaint.pk]), {"note": "长" * 2001})
    assert response.status_code == 422
    assert response.context["note_form"].errors["note"]
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING
    assert complaint.description != "长" * 4001


def test_it_shows_the_follow_up_call_and_the_case_script(client, cr_manager_a, complaint_a):
    complaint_a.typical_case = choices.TypicalCase.WARRANTY_JUST_EXPIRED
    complaint_a.save()
    advance(
        complaint_a,
        cr_manager_a,
        Action.ACKNOWLEDGE,
        Action.INVESTIGATE,
        Action.PROPOSE,
        Action.ACCEPT,
        Action.RESOLVE,
        solution="善意维修",
        resolution="已免费更换",
    )
    login(client, cr_manager_a)
    response = client.get(detail(complaint_a))
    html = response.content.decode()
    complaint_a.refresh_from_db()
    task = complaint_a.follow_up_task
    assert task.kind == TaskKind.COMPLAINT_FOLLOW_UP
    assert reverse("care:task", args=[task.pk]) in html
    assert 'data-testid="follow-up-state"' in html
    assert response.context["scripts"][0].case == choices.TypicalCase.WARRANTY_JUST_EXPIRED
    assert "善意维修" in html


def test_it_shows_each_deadline_with_the_time_it_was_met_or_missed(
    client, cr_manager_a, complaint_a
):
    complaint = advance(complaint_a, cr_manager_a, Action.ACKNOWLEDGE, Action.INVESTIGATE)
    complaint = advance(complaint, cr_manager_a, Action.PROPOSE, solution="善意维修")
    complaint = advance(complaint, cr_manager_a, Action.ACCEPT)
    late = complaint.resolution_due + datetime.timedelta(days=2)
    services.complaint_move(
        complaint=complaint, action=Action.RESOLVE, by=cr_manager_a, at=late, resolution="已修复"
    )
    login(client, cr_manager_a)

    html = client.get(detail(complaint)).content.decode()

    complaint.refresh_from_db()
    local = lambda moment: timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    assert local(complaint.first_response_due) in html
    assert local(complaint.resolution_due) in html
    assert 'data-testid="responded-in-time"' in html and 'data-testid="responded-late"' not in html
    assert 'data-testid="resolved-late"' in html and local(late) in html


def test_it_disables_the_follow_up_confirmation_until_the_call_is_done(
    client, cr_manager_a, complaint_a
):
    advance(
        complaint_a,
        cr_manager_a,
        Action.ACKNOWLEDGE,
        Action.INVESTIGATE,
        Action.PROPOSE,
        Action.ACCEPT,
        Action.RESOLVE,
        solution="善意维修",
        resolution="已免费更换",
    )
    login(client, cr_manager_a)

    html = client.get(detail(complaint_a)).content.decode()

    assert 'data-testid="follow-up-waiting"' in html
    button = html.split('data-testid="follow-up-waiting"')[1].split("</button>")[0]
    assert "disabled" in button and 'data-testid="action-confirm_follow_up"' in button


def test_it_shows_the_customers_earlier_complaints(
    client, cr_manager_a, care_a, customer_a, vehicle_a, complaint_a
):
    earlier = register(care_a, cr_manager_a, customer=customer_a, subject="上次投诉：等待太久")
    login(client, cr_manager_a)
    response = client.get(detail(complaint_a))
    assert response.context["history"].complaints == [earlier]
    assert reverse("complaints:detail", args=[earlier.pk]) in response.content.decode()


def test_it_reads_the_page_in_a_fixed_number_of_queries(
    client,
    cr_manager_a,
    care_a,
    customer_a,
    vehicle_a,
    complaint_a,
    manufacturer_crc,
    django_assert_num_queries,
):
    def page_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail(complaint_a)).status_code == 200
        return len(queries)

    login(client, cr_manager_a)
    before = page_queries()
    # session, user, dealers; complaint; manufacturer staff; events; earlier complaints;
    # visits; contact history (its complaints are listed apart); the three escalation forms'
    # owner lists; the handlers list
    assert before == 13
    for _index in range(4):
        register(care_a, cr_manager_a, customer=customer_a)
        services.complaint_note_add(complaint=complaint_a, by=cr_manager_a, note="跟进")
    assert page_queries() == before
    with django_assert_num_queries(before):
        client.get(detail(complaint_a))
    assert ComplaintEvent.objects.filter(complaint=complaint_a).count() == 5
    assert Complaint.objects.count() == 5


def test_it_links_an_unknown_caller_to_the_customer_found_on_the_page(
    client, care_a, cr_manager_a, customer_a, vehicle_a, agent_b
):
    from tests.factories import make_customer

    complaint = register(care_a, cr_manager_a, contact_name="张先生", contact_phone="13800138000")
    login(client, cr_manager_a)
    page = client.get(detail(complaint)).content.decode()
    assert 'data-testid="link-customer"' in page

    url = reverse("complaints:link_customer", args=[complaint.pk])
    stranger = make_customer(agent_b.dealers.get(), name="赵六", mobile="13600000000")
    client.post(url, {"customer": stranger.pk})
    complaint.refresh_from_db()
    assert complaint.customer is None

    response = client.post(url, {"customer": customer_a.pk, "vehicle": vehicle_a.pk})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.customer, complaint.vehicle) == (customer_a, vehicle_a)
    assert 'data-testid="link-customer"' not in client.get(detail(complaint)).content.decode()
