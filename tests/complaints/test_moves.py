"""Every move of a complaint's state machine: allowed from its states, refused from the others
with a clear message, and recorded in the log with who, when and why."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from dcrc.care.choices import CallOutcome, Satisfaction, TaskKind, TaskState
from dcrc.care.services import attempt_record, task_claim
from dcrc.complaints.choices import Action, Escalation, State
from dcrc.complaints.services import complaint_actions, complaint_move
from tests.complaints.conftest import MONDAY_10

pytestmark = pytest.mark.django_db

LATER = MONDAY_10 + datetime.timedelta(hours=1)

# What each move needs besides a handler.
NEEDS = {
    Action.PROPOSE: {"solution": "免费更换隔热垫并复查"},
    Action.RESOLVE: {"resolution": "已更换，异响消除"},
    Action.CLOSE: {"root_cause": "装配时隔热垫未卡到位", "prevention": "保养后增加异响路试"},
    Action.REJECT: {"note": "客户要求全额退款"},
    Action.REOPEN: {"note": "客户再次来电"},
}
# The happy path, and the state each move leads to.
PATH = [
    (Action.ACKNOWLEDGE, State.ACKNOWLEDGED),
    (Action.INVESTIGATE, State.INVESTIGATING),
    (Action.PROPOSE, State.SOLUTION_PROPOSED),
    (Action.ACCEPT, State.CUSTOMER_ACCEPTED),
    (Action.RESOLVE, State.RESOLVED),
]
STATE_MOVES = [
    Action.ACKNOWLEDGE,
    Action.INVESTIGATE,
    Action.PROPOSE,
    Action.ACCEPT,
    Action.REJECT,
    Action.RESOLVE,
    Action.CONFIRM_FOLLOW_UP,
    Action.CLOSE,
    Action.REOPEN,
]
ALLOWED = {
    State.REGISTERED: {Action.ACKNOWLEDGE},
    State.ACKNOWLEDGED: {Action.INVESTIGATE},
    State.INVESTIGATING: {Action.PROPOSE},
    State.SOLUTION_PROPOSED: {Action.ACCEPT, Action.REJECT},
    State.CUSTOMER_ACCEPTED: {Action.RESOLVE},
    State.RESOLVED: {Action.CONFIRM_FOLLOW_UP, Action.REOPEN},
    State.FOLLOWED_UP: {Action.CLOSE, Action.REOPEN},
    State.CLOSED: {Action.REOPEN},
}


def move(complaint, action, by, **fields):
    values = {**NEEDS.get(action, {}), **fields}
    return complaint_move(complaint=complaint, action=action, by=by, at=LATER, **values)


def follow_up_call(complaint, agent, satisfaction=Satisfaction.SATISFIED):
    """The contact center reaches the customer on the complaint's follow-up call."""
    task = complaint.follow_up_task
    task_claim(task=task, agent=agent, at=LATER)
    attempt_record(
        task=task,
        agent=agent,
        outcome=CallOutcome.REACHED,
        satisfaction=satisfaction,
        at=LATER,
    )
    complaint.refresh_from_db()
    return complaint


def walk_to(complaint, state, by):
    """Take a fresh complaint along the happy path to `state`."""
    for action, _reached in PATH:
        if complaint.state == state:
            return complaint
        complaint = move(complaint, action, by)
    if state in (State.FOLLOWED_UP, State.CLOSED):
        complaint = follow_up_call(complaint, by)
    if state == State.CLOSED:
        complaint = move(complaint, Action.CLOSE, by)
    assert complaint.state == state
    return complaint


def test_it_walks_from_registration_to_closure_and_logs_every_step(complaint_a, cr_manager_a):
    complaint = walk_to(complaint_a, State.CLOSED, cr_manager_a)

    assert complaint.first_response_at == LATER
    assert complaint.owner == cr_manager_a
    assert complaint.closed_at == LATER
    assert complaint.root_cause and complaint.prevention
    log = list(complaint.events.values_list("action", "from_state", "to_state"))
    assert log[0] == (Action.REGISTER, "", State.REGISTERED)
    assert [row[0] for row in log[1:6]] == [action for action, _ in PATH]
    assert log[-2][0] == Action.CONFIRM_FOLLOW_UP
    assert log[-1] == (Action.CLOSE, State.FOLLOWED_UP, State.CLOSED)
    assert all(event.by == cr_manager_a for event in complaint.events.all())


@pytest.mark.parametrize("state", list(ALLOWED))
def test_it_allows_exactly_the_moves_of_each_state(state, complaint_a, cr_manager_a):
    complaint = walk_to(complaint_a, state, cr_manager_a)
    offered = set(complaint_actions(complaint)) & set(STATE_MOVES)
    assert offered == ALLOWED[state]

    for action in set(STATE_MOVES) - ALLOWED[state]:
        with pytest.raises(ValidationError) as refused:
            move(complaint, action, cr_manager_a)
        message = refused.value.message_dict["action"][0]
        assert str(Action(action).label) in message
        assert str(State(state).label) in message
        complaint.refresh_from_db()
        assert complaint.state == state


@pytest.mark.parametrize("action", sorted(NEEDS))
def test_it_refuses_a_move_without_what_it_needs(action, complaint_a, cr_manager_a):
    before = {
        Action.PROPOSE: State.INVESTIGATING,
        Action.RESOLVE: State.CUSTOMER_ACCEPTED,
        Action.CLOSE: State.FOLLOWED_UP,
        Action.REJECT: State.SOLUTION_PROPOSED,
        Action.REOPEN: State.CLOSED,
    }[action]
    complaint = walk_to(complaint_a, before, cr_manager_a)
    if action == Action.CLOSE:  # nothing written down yet
        complaint.root_cause = complaint.prevention = ""
        complaint.save()
    blanks = {name: "" for name in NEEDS[action]}

    with pytest.raises(ValidationError) as refused:
        complaint_move(complaint=complaint, action=action, by=cr_manager_a, **blanks)

    assert set(refused.value.message_dict) == set(NEEDS[action])
    complaint.refresh_from_db()
    assert complaint.state == before


def test_it_goes_back_to_investigation_when_the_customer_rejects(complaint_a, cr_manager_a):
    complaint = walk_to(complaint_a, State.SOLUTION_PROPOSED, cr_manager_a)
    complaint = move(complaint, Action.REJECT, cr_manager_a)

    assert complaint.state == State.INVESTIGATING
    event = complaint.events.last()
    assert (event.action, event.note) == (Action.REJECT, "客户要求全额退款")


def test_it_reopens_a_closed_complaint_with_a_new_deadline(complaint_a, cr_manager_a):
    complaint = walk_to(complaint_a, State.CLOSED, cr_manager_a)
    complaint = move(complaint, Action.REOPEN, cr_manager_a)

    assert complaint.state == State.INVESTIGATING
    assert complaint.reopen_count == 1
    assert complaint.closed_at is None and complaint.resolved_at is None
    assert complaint.resolution_due > LATER


def test_it_confirms_the_follow_up_only_after_the_call_reached_the_customer(
    complaint_a, cr_manager_a
):
    complaint = walk_to(complaint_a, State.RESOLVED, cr_manager_a)
    task = complaint.follow_up_task
    assert task.kind == TaskKind.COMPLAINT_FOLLOW_UP
    assert task.state == TaskState.OPEN
    assert task.customer == complaint.customer

    with pytest.raises(ValidationError) as refused:
        move(complaint, Action.CONFIRM_FOLLOW_UP, cr_manager_a)
    assert "follow_up_task" in refused.value.message_dict


def test_it_reopens_when_the_follow_up_call_finds_the_customer_unhappy(complaint_a, cr_manager_a):
    complaint = walk_to(complaint_a, State.RESOLVED, cr_manager_a)
    complaint = follow_up_call(complaint, cr_manager_a, Satisfaction.DISSATISFIED)

    assert complaint.state == State.INVESTIGATING
    assert complaint.reopen_count == 1
    # The complaint carries on; no separate problem follow-up task is opened.
    assert not complaint.customer.contact_tasks.filter(kind=TaskKind.FOLLOW_UP).exists()


def test_it_opens_a_new_follow_up_call_after_a_reopened_complaint_is_resolved_again(
    complaint_a, cr_manager_a
):
    complaint = walk_to(complaint_a, State.RESOLVED, cr_manager_a)
    first_call = complaint.follow_up_task
    complaint = move(complaint, Action.REOPEN, cr_manager_a)
    first_call.refresh_from_db()
    assert first_call.state == TaskState.CANCELLED

    for action in (Action.PROPOSE, Action.ACCEPT, Action.RESOLVE):
        complaint = move(complaint, action, cr_manager_a)

    assert complaint.follow_up_task != first_call
    assert complaint.follow_up_task.state == TaskState.OPEN


def test_it_needs_a_customer_before_resolving(care_a, cr_manager_a):
    from tests.complaints.conftest import register

    complaint = register(care_a, cr_manager_a, contact_name="李先生", contact_phone="13912345678")
    complaint = walk_to(complaint, State.CUSTOMER_ACCEPTED, cr_manager_a)

    with pytest.raises(ValidationError) as refused:
        move(complaint, Action.RESOLVE, cr_manager_a)
    assert "customer" in refused.value.message_dict


def test_it_escalates_to_the_crc_then_the_region_then_on_site(
    complaint_a, cr_manager_a, manufacturer_crc, regional_manager
):
    complaint = move(complaint_a, Action.ESCALATE_CRC, cr_manager_a, note="客户要求厂家介入")
    assert (complaint.escalation, complaint.state) == (
        Escalation.MANUFACTURER_CRC,
        State.REGISTERED,
    )
    assert complaint.escalated_at == LATER

    complaint = move(
        complaint,
        Action.ESCALATE_REGIONAL,
        cr_manager_a,
        note="需区域工程师技术支持",
        owner=regional_manager,
    )
    assert complaint.escalation == Escalation.REGIONAL
    assert complaint.regional_owner == regional_manager

    complaint = move(complaint, Action.REQUEST_ON_SITE, cr_manager_a, note="车辆行驶中熄火")
    assert complaint.escalation == Escalation.ON_SITE

    with pytest.raises(ValidationError) as refused:
        move(complaint, Action.ESCALATE_CRC, cr_manager_a, note="再次升级")
    assert str(Escalation.ON_SITE.label) in refused.value.message_dict["action"][0]
    escalations = complaint.events.filter(action__startswith="escalate").count()
    assert escalations == 2


def test_it_refuses_an_escalation_without_a_reason_or_to_an_outsider(
    complaint_a, cr_manager_a, agent_b
):
    with pytest.raises(ValidationError) as refused:
        move(complaint_a, Action.ESCALATE_CRC, cr_manager_a)
    assert "note" in refused.value.message_dict

    with pytest.raises(ValidationError) as refused:
        move(complaint_a, Action.ESCALATE_CRC, cr_manager_a, note="升级", owner=agent_b)
    assert "owner" in refused.value.message_dict
    complaint_a.refresh_from_db()
    assert complaint_a.escalation == Escalation.NONE


def test_it_refuses_an_unknown_step(complaint_a, cr_manager_a):
    with pytest.raises(ValidationError) as refused:
        complaint_move(complaint=complaint_a, action="delete", by=cr_manager_a)
    assert "action" in refused.value.message_dict


def test_it_asks_for_a_new_solution_result_and_root_cause_after_a_reopening(
    complaint_a, cr_manager_a
):
    complaint = walk_to(complaint_a, State.CLOSED, cr_manager_a)
    complaint = move(complaint, Action.REOPEN, cr_manager_a)

    for action in (Action.PROPOSE,):
        with pytest.raises(ValidationError) as refused:
            complaint_move(complaint=complaint, action=action, by=cr_manager_a)
        assert "solution" in refused.value.message_dict


def test_it_escalates_no_closed_complaint(complaint_a, cr_manager_a):
    complaint = walk_to(complaint_a, State.CLOSED, cr_manager_a)

    assert not set(complaint_actions(complaint)) & {
        Action.ESCALATE_CRC,
        Action.ESCALATE_REGIONAL,
        Action.REQUEST_ON_SITE,
    }
    with pytest.raises(ValidationError) as refused:
        move(complaint, Action.REQUEST_ON_SITE, cr_manager_a, note="客户再次投诉")
    assert "action" in refused.value.message_dict
    complaint.refresh_from_db()
    assert complaint.escalation == Escalation.NONE


def test_it_links_a_caller_to_the_archive_customer_and_then_resolves(
    care_a, cr_manager_a, customer_a, vehicle_a, dealer_b
):
    from dcrc.complaints.services import complaint_customer_link
    from tests.complaints.conftest import register
    from tests.factories import make_customer

    complaint = register(care_a, cr_manager_a, contact_name="张先生", contact_phone="13800138000")
    stranger = make_customer(dealer_b, name="赵六", mobile="13600000000")
    with pytest.raises(ValidationError):
        complaint_customer_link(complaint=complaint, customer=stranger, by=cr_manager_a)

    complaint = complaint_customer_link(
        complaint=complaint, customer=customer_a, vehicle=vehicle_a, by=cr_manager_a
    )
    complaint = walk_to(complaint, State.RESOLVED, cr_manager_a)

    assert (complaint.customer, complaint.vehicle) == (customer_a, vehicle_a)
    assert complaint.follow_up_task.customer == customer_a
