"""Recording a call: reschedules into another window, SMS fallback, follow-ups, appointments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dcrc.care import scripts, services
from dcrc.care.choices import CallOutcome, CloseReason, TaskKind, TaskState
from dcrc.care.models import CallAttempt, CareSettings, ContactTask, SmsMessage
from dcrc.core.models import PersonalDataAccess
from dcrc.customers.choices import ContactPreference
from tests.care.test_workbench_queue import (
    MORNING,
    SHANGHAI,
    make_task,
    real_today,
    whole_day,
)
from tests.conftest import login
from tests.factories import make_customer, make_vehicle

AFTERNOON = datetime.datetime(2026, 11, 24, 14, 30, tzinfo=SHANGHAI)
NEXT_MORNING = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)


def record(task, agent, outcome=CallOutcome.NO_ANSWER, at=MORNING, **fields):
    services.attempt_record(task=task, agent=agent, outcome=outcome, at=at, **fields)
    task.refresh_from_db()
    return task


def test_it_reschedules_an_unanswered_call_into_another_window(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)

    record(task, agent_a, at=MORNING)
    assert task.state == TaskState.OPEN
    assert task.attempt_count == 1 and task.last_window == 0
    assert task.next_attempt_at == datetime.datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI)
    assert task.claimed_by is None

    record(task, agent_a, CallOutcome.VOICEMAIL, at=AFTERNOON)
    assert task.last_window == 1
    assert task.next_attempt_at == NEXT_MORNING
    attempts = list(CallAttempt.objects.filter(task=task).order_by("at"))
    assert [(a.window, a.outcome, a.agent_id) for a in attempts] == [
        (0, CallOutcome.NO_ANSWER, agent_a.pk),
        (1, CallOutcome.VOICEMAIL, agent_a.pk),
    ]


def test_it_calls_a_driving_customer_back_later_or_at_the_agreed_time(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)
    record(task, agent_a, CallOutcome.DRIVING)
    assert task.next_attempt_at == MORNING + datetime.timedelta(hours=1)

    agreed = datetime.datetime(2026, 11, 24, 20, 15, tzinfo=SHANGHAI)
    record(task, agent_a, CallOutcome.DRIVING, at=AFTERNOON, callback_at=agreed)
    assert task.next_attempt_at == agreed
    assert CallAttempt.objects.filter(task=task, callback_at=agreed).exists()


def test_it_sends_an_sms_after_the_last_unanswered_attempt(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)
    record(task, agent_a, at=MORNING)
    record(task, agent_a, at=AFTERNOON)
    assert not SmsMessage.objects.exists()

    record(task, agent_a, CallOutcome.NOT_FOUND, at=NEXT_MORNING)

    assert task.state == TaskState.DONE
    assert task.close_reason == CloseReason.SMS_FALLBACK
    assert task.attempt_count == 3
    message = SmsMessage.objects.get()
    assert (message.task_id, message.phone) == (task.pk, customer_a.mobile)


def test_it_fails_the_task_when_no_sms_can_replace_the_call(care_a, agent_a):
    CareSettings.objects.filter(dealer=care_a).update(max_attempts=2)
    office_only = make_customer(care_a, mobile="", office_phone="020-87654321")
    task = make_task(care_a, customer=office_only)
    record(task, agent_a, at=MORNING)
    record(task, agent_a, at=AFTERNOON)
    assert (task.state, task.close_reason) == (TaskState.FAILED, CloseReason.ATTEMPTS_EXHAUSTED)

    CareSettings.objects.filter(dealer=care_a).update(sms_fallback=False)
    other = make_task(care_a)
    record(other, agent_a, at=MORNING)
    record(other, agent_a, at=AFTERNOON)
    assert other.close_reason == CloseReason.ATTEMPTS_EXHAUSTED
    assert not SmsMessage.objects.exists()


def test_it_completes_a_reached_call_and_copies_what_was_heard(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)

    record(
        task, agent_a, CallOutcome.REACHED, satisfaction="very_satisfied", notes="很满意，下次再来"
    )

    assert (task.state, task.close_reason) == (TaskState.DONE, CloseReason.COMPLETED)
    assert task.closed_by == agent_a and task.closed_at == MORNING
    assert task.satisfaction == "very_satisfied" and "很满意" in task.notes
    assert not ContactTask.objects.filter(kind=TaskKind.FOLLOW_UP).exists()


@pytest.mark.parametrize(
    ("satisfaction", "problems"),
    [("dissatisfied", []), ("neutral", []), ("satisfied", ["reception"])],
)
def test_it_opens_a_follow_up_for_an_unhappy_customer(
    care_a, agent_a, customer_a, satisfaction, problems
):
    vehicle = make_vehicle(customer_a)
    task = make_task(care_a, customer=customer_a, vehicle=vehicle, assignee=agent_a)

    record(task, agent_a, CallOutcome.REACHED, satisfaction=satisfaction, problems=problems)

    follow_up = ContactTask.objects.get(kind=TaskKind.FOLLOW_UP)
    assert follow_up.source_task == task
    assert follow_up.source_key == f"task:{task.pk}"
    assert (follow_up.priority, follow_up.assignee) == (1, None)
    assert (follow_up.customer, follow_up.vehicle) == (customer_a, vehicle)
    assert follow_up.due_from == MORNING.date() and follow_up.state == TaskState.OPEN
    assert follow_up.problems == problems


def test_it_books_an_appointment_with_a_reminder_the_day_before(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a, kind=TaskKind.MAINTENANCE)
    appointment = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)

    record(task, agent_a, CallOutcome.REACHED, satisfaction="satisfied", appointment_at=appointment)

    assert task.appointment_at == appointment
    reminder = ContactTask.objects.get(kind=TaskKind.APPOINTMENT_REMINDER)
    assert reminder.source_key == f"task:{task.pk}"
    assert reminder.due_from == datetime.date(2026, 11, 26)
    assert reminder.due_date == datetime.date(2026, 11, 27)


def test_it_fails_wrong_numbers_and_refusals(care_a, agent_a, customer_a):
    wrong = record(make_task(care_a), agent_a, CallOutcome.WRONG_NUMBER)
    assert (wrong.state, wrong.close_reason) == (TaskState.FAILED, CloseReason.WRONG_NUMBER)

    refused = record(make_task(care_a, customer=customer_a), agent_a, CallOutcome.REFUSED)
    assert (refused.state, refused.close_reason) == (TaskState.FAILED, CloseReason.REFUSED)
    customer_a.refresh_from_db()
    assert customer_a.contact_preference == ContactPreference.PHONE


def test_it_writes_corrected_contact_data_and_preferences_to_the_customer(
    care_a, agent_a, customer_a
):
    task = make_task(care_a, customer=customer_a)

    record(
        task,
        agent_a,
        CallOutcome.REFUSED,
        contact={"mobile": "139 0000 1111", "office_phone": "020-87654321"},
        preferred_call_window="evening",
        prefers_sms=True,
    )

    customer_a.refresh_from_db()
    assert customer_a.mobile == "13900001111"
    assert customer_a.office_phone == "02087654321"
    assert customer_a.preferred_call_window == "evening"
    assert customer_a.contact_preference == ContactPreference.SMS


def test_it_refuses_bad_input_field_by_field_and_records_nothing(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)
    with pytest.raises(ValidationError) as error:
        services.attempt_record(
            task=task,
            agent=agent_a,
            outcome=CallOutcome.NO_ANSWER,
            at=MORNING,
            callback_at=MORNING - datetime.timedelta(hours=1),
            appointment_at=MORNING + datetime.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"callback_at", "appointment_at"}

    with pytest.raises(ValidationError) as error:
        services.attempt_record(
            task=task, agent=agent_a, outcome="bogus", at=MORNING, problems=["nonsense"]
        )
    assert set(error.value.message_dict) == {"outcome", "problems"}

    with pytest.raises(ValidationError) as error:
        services.attempt_record(
            task=task,
            agent=agent_a,
            outcome=CallOutcome.REACHED,
            at=MORNING,
            contact={"mobile": "12345"},
        )
    assert "mobile" in error.value.message_dict
    assert not CallAttempt.objects.exists()
    task.refresh_from_db()
    assert task.attempt_count == 0 and task.state == TaskState.OPEN


def test_it_refuses_to_work_a_closed_task(care_a, agent_a, cr_manager_a):
    task = record(make_task(care_a), agent_a, CallOutcome.REACHED)
    with pytest.raises(services.TaskUnavailable):
        services.attempt_record(task=task, agent=agent_a, outcome=CallOutcome.REACHED, at=MORNING)
    with pytest.raises(services.TaskUnavailable):
        services.task_claim(task=task, agent=agent_a, at=MORNING)
    with pytest.raises(ValidationError):
        services.task_close(task=task, reason=CloseReason.MOOT, by=cr_manager_a)
    assert CallAttempt.objects.count() == 1


def test_it_sends_the_sms_of_an_sms_task_and_closes_it(client, care_a, agent_a):
    whole_day(care_a)
    greeting = make_task(care_a, kind=TaskKind.BIRTHDAY, channel="sms", due_from=real_today())

    response = login(client, agent_a).post(reverse("care:task_sms", args=[greeting.pk]))

    assert response.status_code == 302
    greeting.refresh_from_db()
    assert (greeting.state, greeting.closed_by) == (TaskState.DONE, agent_a)
    assert SmsMessage.objects.get().task == greeting

    no_mobile = make_task(
        care_a,
        customer=make_customer(care_a, mobile="", home_phone="020-81234567"),
        channel="sms",
        due_from=real_today(),
    )
    client.post(reverse("care:task_sms", args=[no_mobile.pk]))
    no_mobile.refresh_from_db()
    assert no_mobile.state == TaskState.OPEN and SmsMessage.objects.count() == 1


def test_it_saves_the_call_and_opens_the_next_task(client, care_a, agent_a):
    whole_day(care_a)
    first = make_task(care_a, priority=1, due_from=real_today())
    second = make_task(care_a, priority=2, due_from=real_today())
    login(client, agent_a)

    response = client.post(reverse("care:task_next"))
    assert response.url == reverse("care:task", args=[first.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert page.context["file"].task == first

    response = client.post(
        reverse("care:task", args=[first.pk]),
        {
            "outcome": "reached",
            "satisfaction": "satisfied",
            "preferred_call_window": "any",
            "dialled": "mobile",
        },
    )

    assert response.url == reverse("care:task", args=[second.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == TaskState.DONE
    assert CallAttempt.objects.get(task=first).phone == first.customer.mobile
    assert (second.state, second.claimed_by) == (TaskState.IN_PROGRESS, agent_a)


def test_it_shows_field_errors_instead_of_failing(client, care_a, agent_a):
    task = make_task(care_a, due_from=real_today())
    login(client, agent_a)

    missing = client.post(reverse("care:task", args=[task.pk]), {"notes": "x"})
    assert missing.status_code == 200 and "outcome" in missing.context["form"].errors

    bad_phone = client.post(
        reverse("care:task", args=[task.pk]),
        {"outcome": "reached", "mobile": "12", "callback_at": "not a date"},
    )
    assert bad_phone.status_code == 200
    assert {"callback_at"} <= set(bad_phone.context["form"].errors)

    bad_mobile = client.post(
        reverse("care:task", args=[task.pk]), {"outcome": "reached", "mobile": "12"}
    )
    assert bad_mobile.status_code == 200 and "mobile" in bad_mobile.context["form"].errors
    assert not CallAttempt.objects.exists()


def test_it_renders_the_task_with_its_script_and_customer(client, care_a, agent_a, customer_a):
    vehicle = make_vehicle(customer_a, plate="粤A88888")
    task = make_task(
        care_a,
        customer=customer_a,
        vehicle=vehicle,
        due_date=datetime.date(2026, 11, 20),
        due_from=real_today(),
    )
    other = make_task(care_a, customer=customer_a, kind=TaskKind.INSURANCE_RENEWAL)
    services.attempt_record(task=task, agent=agent_a, outcome=CallOutcome.NO_ANSWER)

    response = login(client, agent_a).get(reverse("care:task", args=[task.pk]))

    assert response.status_code == 200
    file = response.context["file"]
    steps = {code: lines for code, _label, lines in file.script_steps}
    assert list(steps) == ["greeting", "identity", "convenient", "purpose", "questions", "closing"]
    assert "广州店" in steps["greeting"][0] and str(agent_a) in steps["greeting"][0]
    assert "张伟" in steps["identity"][0]
    assert "粤A88888" in steps["purpose"][0] and "2026-11-20" in steps["purpose"][0]
    assert len(steps["questions"]) == 4
    assert [t.pk for t in file.other_tasks] == [other.pk]
    assert len(file.attempts) == 1
    body = response.content.decode()
    assert "138****8000" in body and "13800138000" not in body


def test_it_reveals_a_number_as_a_tel_link_and_logs_it(client, care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)
    login(client, agent_a)

    response = client.post(reverse("care:task_reveal", args=[task.pk, "mobile"]))

    assert response.status_code == 200
    assert 'href="tel:13800138000"' in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.object_id, access.detail) == (agent_a, customer_a.pk, "mobile")
    assert client.post(reverse("care:task_reveal", args=[task.pk, "name"])).status_code == 404


def test_it_keeps_other_dealers_tasks_and_non_agents_out(
    client, care_a, care_b, agent_a, technician_a
):
    foreign = make_task(care_b)
    login(client, agent_a)
    for name in ("care:task", "care:task_claim", "care:task_sms", "care:task_release"):
        response = client.post(reverse(name, args=[foreign.pk]), {"outcome": "reached"})
        assert response.status_code == 404, name
    assert client.get(reverse("care:task", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("care:task_reveal", args=[foreign.pk, "mobile"])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == TaskState.OPEN and not SmsMessage.objects.exists()

    own = make_task(care_a)
    client.force_login(technician_a)
    assert client.get(reverse("care:task", args=[own.pk])).status_code == 403
    assert client.post(reverse("care:task_next")).status_code == 403


def test_it_leaves_unknown_script_placeholders_as_written(care_a, agent_a, customer_a):
    task = make_task(care_a, customer=customer_a)
    variables = scripts.task_variables(task=task, agent=agent_a)

    steps = scripts.script_steps("{name}您好，{unknown}，{ 还有 {dealer}\n再见", variables)

    assert steps[0][2] == ["张伟您好，{unknown}，{ 还有 广州店"]
    assert [code for code, _label, _lines in steps] == ["opening", "closing"]


def test_it_renders_the_task_page_in_a_constant_number_of_queries(
    client, care_a, agent_a, customer_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    vehicle = make_vehicle(customer_a)
    task = make_task(care_a, customer=customer_a, vehicle=vehicle, due_from=real_today())
    make_task(care_a, customer=customer_a, kind=TaskKind.RETENTION)
    login(client, agent_a)
    url = reverse("care:task", args=[task.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.attempt_record(task=task, agent=agent_a, outcome=CallOutcome.NO_ANSWER)
    few = count()
    CareSettings.objects.filter(dealer=care_a).update(max_attempts=10)
    for _ in range(3):
        services.attempt_record(task=task, agent=agent_a, outcome=CallOutcome.DRIVING)
        make_task(care_a, customer=customer_a, kind=TaskKind.INSPECTION)
    assert count() == few
