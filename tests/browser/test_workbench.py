"""An agent works through three tasks of today's queue in Chromium."""

import pytest
from django.utils import timezone

from dcrc.care.choices import CallOutcome, CloseReason, TaskKind, TaskState
from dcrc.care.defaults import care_defaults_ensure
from dcrc.care.models import CallAttempt, CareRule, CareSettings, ContactTask
from dcrc.core.models import PersonalDataAccess
from tests.browser.conftest import log_in
from tests.factories import make_customer, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_an_agent_work_three_tasks_in_a_row(page, agent_a, dealer_a):
    care_defaults_ensure(dealer_id=dealer_a.pk)
    # Two call windows covering the whole day: whenever the test runs, "now" is callable, and
    # an unanswered call moves to the other window.
    CareSettings.objects.filter(dealer=dealer_a).update(
        call_windows=[["00:00", "12:00"], ["12:00", "23:59:59"]]
    )
    CareRule.objects.filter(dealer=dealer_a).update(call_on_holidays=True)
    today = timezone.localdate()
    tasks = []
    for priority, (name, mobile, plate) in enumerate(
        [
            ("王芳", "13811112222", "粤A10001"),
            ("李强", "13933334444", "粤A10002"),
            ("赵敏", "13755556666", "粤A10003"),
        ],
        start=1,
    ):
        vehicle = make_vehicle(make_customer(dealer_a, name=name, mobile=mobile), plate=plate)
        tasks.append(
            ContactTask.objects.create(
                dealer=dealer_a,
                kind=TaskKind.SERVICE_CALLBACK,
                customer=vehicle.owner,
                vehicle=vehicle,
                due_from=today,
                due_until=today,
                priority=priority,
                source_key=f"browser:{priority}",
            )
        )
    first, second, third = tasks

    log_in(page, "agent_a")
    page.goto("/care/")
    assert page.locator("[data-testid=queue-row]").count() == 3
    assert page.inner_text("[data-testid=callable-count]") == "3"

    # Task 1: reached, satisfied. The agent reveals the number to dial it.
    page.click("[data-testid=next-task]")
    page.wait_for_url(f"**/care/tasks/{first.pk}/")
    assert page.inner_text("[data-testid=customer-name]").startswith("王芳")
    assert "粤A10001" in page.inner_text("#script")
    page.click("[data-testid=reveal-mobile]")
    page.locator("[data-testid=tel-mobile]").wait_for()
    assert page.get_attribute("[data-testid=tel-mobile]", "href") == "tel:13811112222"
    page.click("[data-testid=outcome-reached]")
    page.click("[data-testid=satisfaction-satisfied]")
    page.click("[data-testid=save-attempt]")

    # Task 2: no answer; saving opens the next customer straight away.
    page.wait_for_url(f"**/care/tasks/{second.pk}/")
    assert page.inner_text("[data-testid=customer-name]").startswith("李强")
    page.click("[data-testid=outcome-no_answer]")
    page.fill("#id_notes", "响铃无人接")
    page.click("[data-testid=save-attempt]")

    # Task 3: reached but unhappy, with a problem heard.
    page.wait_for_url(f"**/care/tasks/{third.pk}/")
    page.click("[data-testid=outcome-reached]")
    page.click("[data-testid=satisfaction-dissatisfied]")
    page.click("[data-testid=problem-waiting]")
    page.fill("#id_notes", "等了两个小时")
    page.click("[data-testid=save-attempt]")

    # Nothing left to call: back on the queue, the unanswered one waits for the other window.
    page.wait_for_url("**/care/")
    assert page.inner_text("[data-testid=callable-count]") == "0"
    assert page.inner_text("[data-testid=waiting-later]") == "1"

    for task in tasks:
        task.refresh_from_db()
    assert (first.state, first.close_reason, first.satisfaction) == (
        TaskState.DONE,
        CloseReason.COMPLETED,
        "satisfied",
    )
    assert (second.state, second.attempt_count, second.claimed_by) == (TaskState.OPEN, 1, None)
    assert second.next_attempt_at > timezone.now()
    attempt = CallAttempt.objects.get(task=second)
    assert (attempt.outcome, attempt.phone) == (CallOutcome.NO_ANSWER, "13933334444")
    assert (third.state, third.problems) == (TaskState.DONE, ["waiting"])
    follow_up = ContactTask.objects.get(kind=TaskKind.FOLLOW_UP)
    assert (follow_up.source_task, follow_up.priority) == (third, 1)
    assert PersonalDataAccess.objects.filter(user=agent_a, detail="mobile").count() == 1
