"""Intake through the service: numbers, links, important flags, the callback's interim task."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dcrc.care.choices import CallOutcome, CloseReason, Problem, Satisfaction, TaskKind, TaskState
from dcrc.care.models import ContactTask
from dcrc.care.services import attempt_record, task_claim
from dcrc.complaints.choices import Action, Channel, Escalation, ImportantFlag
from dcrc.complaints.services import complaint_settings
from tests.complaints.conftest import MONDAY_10, register
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db


def test_it_numbers_complaints_per_dealer_and_year(care_a, cr_manager_a, customer_a):
    first = register(care_a, cr_manager_a, customer=customer_a)
    second = register(care_a, cr_manager_a, customer=customer_a)

    assert (first.number, second.number) == ("TS2026000001", "TS2026000002")
    assert first.events.get().action == Action.REGISTER
    assert first.contact_name == "张伟"


def test_it_needs_a_customer_or_a_callers_name_and_phone(care_a, cr_manager_a):
    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, contact_name="李先生")
    assert "customer" in refused.value.message_dict


def test_it_takes_the_customer_from_the_vehicle(care_a, cr_manager_a, vehicle_a):
    complaint = register(care_a, cr_manager_a, vehicle=vehicle_a)
    assert complaint.customer == vehicle_a.owner


def test_it_refuses_links_to_another_dealers_rows(care_a, cr_manager_a, dealer_b, vehicle_a):
    stranger = make_customer(dealer_b, name="赵六", mobile="13600000000")
    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, customer=stranger)
    assert "customer" in refused.value.message_dict

    other_car = make_vehicle(make_customer(care_a, name="钱七", mobile="13500000000"))
    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, customer=vehicle_a.owner, vehicle=other_car)
    assert "vehicle" in refused.value.message_dict


def test_it_flags_a_loss_above_the_dealers_amount_as_important(care_a, cr_manager_a, customer_a):
    settings = complaint_settings(care_a.pk)
    settings.large_loss_amount = Decimal("5000")
    settings.save()

    small = register(care_a, cr_manager_a, customer=customer_a, loss_amount=Decimal("5000"))
    large = register(care_a, cr_manager_a, customer=customer_a, loss_amount=Decimal("5000.01"))

    assert (small.is_important, small.escalation) == (False, Escalation.NONE)
    assert large.important_flags == [ImportantFlag.LARGE_LOSS]
    assert (large.is_important, large.escalation) == (True, Escalation.MANUFACTURER_CRC)


def test_it_escalates_an_important_complaint_at_once(care_a, cr_manager_a, customer_a):
    complaint = register(
        care_a,
        cr_manager_a,
        customer=customer_a,
        important_flags=[ImportantFlag.MEDIA, ImportantFlag.SAFETY],
    )

    assert complaint.important_flags == [ImportantFlag.SAFETY, ImportantFlag.MEDIA]
    assert complaint.escalation == Escalation.MANUFACTURER_CRC
    assert complaint.escalated_at == MONDAY_10
    assert [e.action for e in complaint.events.all()] == [Action.REGISTER, Action.ESCALATE_CRC]


def test_it_refuses_unknown_flags_and_negative_losses(care_a, cr_manager_a, customer_a):
    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, customer=customer_a, important_flags=["tv"])
    assert "important_flags" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, customer=customer_a, loss_amount=Decimal("-1"))
    assert "loss_amount" in refused.value.message_dict


def test_it_refuses_a_blank_subject_with_a_field_error(care_a, cr_manager_a, customer_a):
    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, customer=customer_a, subject="  ")
    assert "subject" in refused.value.message_dict


def test_it_takes_over_the_callbacks_interim_follow_up_task(
    care_a, agent_a, cr_manager_a, vehicle_a
):
    """An unhappy callback opens a flagged follow-up; registering the complaint closes it."""
    callback = ContactTask.objects.create(
        dealer=care_a,
        kind=TaskKind.SERVICE_CALLBACK,
        source_key="visit:1",
        customer=vehicle_a.owner,
        vehicle=vehicle_a,
        due_from=datetime.date(2026, 11, 16),
        due_until=datetime.date(2026, 11, 18),
    )
    task_claim(task=callback, agent=agent_a, at=MONDAY_10)
    attempt_record(
        task=callback,
        agent=agent_a,
        outcome=CallOutcome.REACHED,
        satisfaction=Satisfaction.DISSATISFIED,
        problems=[Problem.REPAIR_QUALITY],
        at=MONDAY_10,
    )
    follow_up = ContactTask.objects.get(kind=TaskKind.FOLLOW_UP, source_task=callback)

    complaint = register(
        care_a, cr_manager_a, channel=Channel.CALLBACK, vehicle=vehicle_a, contact_task=callback
    )

    follow_up.refresh_from_db()
    assert complaint.contact_task == callback
    assert (follow_up.state, follow_up.close_reason) == (TaskState.CANCELLED, CloseReason.COMPLAINT)


def test_it_registers_a_callback_or_a_call_once(care_a, cr_manager_a, vehicle_a):
    callback = ContactTask.objects.create(
        dealer=care_a,
        kind=TaskKind.SERVICE_CALLBACK,
        source_key="visit:2",
        customer=vehicle_a.owner,
        vehicle=vehicle_a,
        due_from=datetime.date(2026, 11, 16),
        due_until=datetime.date(2026, 11, 18),
    )
    first = register(care_a, cr_manager_a, vehicle=vehicle_a, contact_task=callback)

    with pytest.raises(ValidationError) as refused:
        register(care_a, cr_manager_a, vehicle=vehicle_a, contact_task=callback)
    assert first.number in refused.value.message_dict["contact_task"][0]


def test_it_lets_importance_follow_its_reasons(care_a, cr_manager_a, customer_a):
    from dcrc.complaints.services import complaint_update

    complaint = register(
        care_a, cr_manager_a, customer=customer_a, important_flags=[ImportantFlag.MEDIA]
    )
    complaint = complaint_update(complaint=complaint, by=cr_manager_a, important_flags=[])

    assert (complaint.is_important, complaint.important_flags) == (False, [])
    assert complaint.escalation == Escalation.MANUFACTURER_CRC  # what was done stays on record
