"""Managers: the task list, assigning, re-balancing, each agent's load, follow-ups, closing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dcrc.care import selectors, services
from dcrc.care.choices import CallOutcome, CloseReason, TaskKind, TaskState
from dcrc.care.models import ContactTask
from tests.care.test_workbench_queue import MORNING, make_task, real_today
from tests.conftest import login
from tests.factories import make_customer


def ids(page_or_list):
    return [task.pk for task in page_or_list]


def test_it_filters_the_task_list(client, care_a, cr_manager_a, agent_a):
    today = real_today()
    overdue = make_task(
        care_a,
        due_from=today - datetime.timedelta(days=9),
        due_until=today - datetime.timedelta(days=2),
        assignee=agent_a,
    )
    renewal = make_task(care_a, kind=TaskKind.INSURANCE_RENEWAL, due_from=today)
    done = make_task(care_a, due_from=today, state=TaskState.DONE)
    later = make_task(care_a, due_from=today + datetime.timedelta(days=10))
    login(client, cr_manager_a)

    def listed(**params):
        response = client.get(reverse("care:task_list"), params)
        assert response.status_code == 200
        return ids(response.context["page"])

    # Opened without filters, the list shows the work still to do.
    assert sorted(listed()) == sorted([overdue.pk, renewal.pk, later.pk])
    assert sorted(listed(state="")) == sorted([overdue.pk, renewal.pk, done.pk, later.pk])
    assert listed(kind="insurance_renewal") == [renewal.pk]
    assert listed(state="open", overdue="on") == [overdue.pk]
    assert listed(state="done") == [done.pk]
    assert listed(assignee=str(agent_a.pk)) == [overdue.pk]
    assert sorted(listed(assignee="none")) == sorted([renewal.pk, done.pk, later.pk])
    assert listed(due_after=str(today + datetime.timedelta(days=1))) == [later.pk]
    # A nonsensical filter is ignored with a field error, never a 500.
    response = client.get(reverse("care:task_list"), {"due_after": "bogus", "kind": "nope"})
    assert response.status_code == 200 and response.context["form"].errors


def test_it_paginates_the_task_list_in_a_constant_number_of_queries(
    client, care_a, cr_manager_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, cr_manager_a)
    for _ in range(3):
        make_task(care_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("care:task_list"))
        return len(queries), response

    few, _response = count()
    for _ in range(60):
        make_task(care_a, customer=make_customer(care_a))
    many, response = count()
    assert many == few
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 2


def test_it_never_lists_another_dealers_tasks(client, care_a, care_b, cr_manager_a):
    own = make_task(care_a, due_from=real_today())
    foreign_customer = make_customer(care_b, name="外店客户")
    foreign = make_task(care_b, customer=foreign_customer, due_from=real_today())
    make_task(care_b, kind=TaskKind.FOLLOW_UP, customer=foreign_customer)
    login(client, cr_manager_a)

    response = client.get(reverse("care:task_list"))
    assert ids(response.context["page"]) == [own.pk]
    assert "外店客户" not in response.content.decode()
    assert "外店客户" not in client.get(reverse("care:follow_ups")).content.decode()
    assert client.get(reverse("care:task_close", args=[foreign.pk])).status_code == 404
    response = client.post(
        reverse("care:task_assign"), {"tasks": [own.pk, foreign.pk], "agent": "none"}
    )
    assert response.status_code == 404


def test_it_keeps_agents_out_of_the_managers_pages(client, care_a, agent_a):
    task = make_task(care_a)
    login(client, agent_a)
    for url in (
        reverse("care:task_list"),
        reverse("care:team"),
        reverse("care:follow_ups"),
        reverse("care:task_close", args=[task.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("care:task_assign"), {"tasks": [task.pk]}).status_code == 403


def test_it_assigns_selected_tasks_to_an_agent(client, care_a, cr_manager_a, agent_a, agent_b):
    first, second = make_task(care_a), make_task(care_a)
    closed = make_task(care_a, state=TaskState.DONE)
    login(client, cr_manager_a)

    response = client.post(
        reverse("care:task_assign"),
        {"tasks": [first.pk, second.pk, closed.pk], "agent": str(agent_a.pk)},
    )

    assert response.status_code == 302
    assert set(ContactTask.objects.filter(assignee=agent_a).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    # Back to the shared queue.
    client.post(reverse("care:task_assign"), {"tasks": [first.pk], "agent": "none"})
    assert ContactTask.objects.get(pk=first.pk).assignee is None
    # Someone of another dealer cannot be given the tasks.
    with pytest.raises(ValidationError):
        services.task_assign(tasks=[second], agent=agent_b, by=cr_manager_a)


def test_it_rebalances_open_tasks_evenly_keeping_claimed_ones(
    client, care_a, cr_manager_a, agent_a, agent_a2
):
    held = make_task(care_a, assignee=None)
    services.task_claim(task=held, agent=agent_a)
    for _ in range(6):
        make_task(care_a, assignee=agent_a)
    make_task(care_a, state=TaskState.DONE, assignee=agent_a)
    follow_up = make_task(care_a, kind=TaskKind.FOLLOW_UP)
    login(client, cr_manager_a)

    response = client.post(reverse("care:team"), {"agents": [agent_a.pk, agent_a2.pk]})

    assert response.status_code == 302
    open_tasks = ContactTask.objects.filter(state__in=["open", "in_progress"])
    counts = {agent.pk: open_tasks.filter(assignee=agent).count() for agent in (agent_a, agent_a2)}
    assert counts == {agent_a.pk: 4, agent_a2.pk: 3}
    held.refresh_from_db()
    assert (held.assignee, held.claimed_by) == (agent_a, agent_a)
    assert ContactTask.objects.get(pk=follow_up.pk).assignee is None

    response = client.post(reverse("care:team"), {})
    assert response.status_code == 200 and "agents" in response.context["form"].errors


def test_it_shows_each_agents_load(client, care_a, cr_manager_a, agent_a, agent_a2):
    today = real_today()
    make_task(care_a, assignee=agent_a, due_from=today)
    make_task(
        care_a,
        assignee=agent_a,
        due_from=today - datetime.timedelta(days=5),
        due_until=today - datetime.timedelta(days=1),
    )
    make_task(care_a, assignee=agent_a, due_from=today + datetime.timedelta(days=3))
    make_task(care_a, due_from=today)
    done = make_task(care_a, assignee=agent_a2, due_from=today)
    services.attempt_record(task=done, agent=agent_a2, outcome=CallOutcome.REACHED)

    response = login(client, cr_manager_a).get(reverse("care:team"))

    loads = {
        (load.agent.pk if load.agent else None): (
            load.open,
            load.due_today,
            load.overdue,
            load.done_today,
        )
        for load in response.context["loads"]
    }
    assert loads[agent_a.pk] == (3, 2, 1, 0)
    assert loads[agent_a2.pk] == (0, 0, 0, 1)
    assert loads[None] == (1, 1, 0, 0)


def test_it_lists_the_follow_ups_for_the_cr_manager(client, care_a, cr_manager_a, agent_a):
    task = make_task(care_a)
    services.attempt_record(
        task=task, agent=agent_a, outcome=CallOutcome.REACHED, satisfaction="dissatisfied"
    )

    response = login(client, cr_manager_a).get(reverse("care:follow_ups"))

    follow_up = ContactTask.objects.get(kind=TaskKind.FOLLOW_UP)
    assert ids(response.context["page"]) == [follow_up.pk]


def test_it_closes_a_task_by_hand_with_a_reason(client, care_a, cr_manager_a):
    task = make_task(care_a)
    login(client, cr_manager_a)

    bad = client.post(reverse("care:task_close", args=[task.pk]), {"reason": "completed"})
    assert bad.status_code == 200 and "reason" in bad.context["form"].errors

    response = client.post(
        reverse("care:task_close", args=[task.pk]), {"reason": "moot", "notes": "车已卖"}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.close_reason, task.closed_by) == (
        TaskState.CANCELLED,
        CloseReason.MOOT,
        cr_manager_a,
    )
    assert "车已卖" in task.notes
    assert task.closed_at <= timezone.now()


def test_it_counts_loads_in_a_constant_number_of_queries(
    care_a, agent_a, agent_a2, django_assert_num_queries
):
    for agent in (agent_a, agent_a2, None):
        make_task(care_a, assignee=agent)
    with django_assert_num_queries(2):
        selectors.agent_loads(agents=[agent_a, agent_a2], dealer_ids=[care_a.pk], now=MORNING)


def test_it_lists_only_the_dealers_own_agents_on_the_team_page(
    client, care_a, care_b, cr_manager_a, agent_a, agent_b
):
    make_task(care_b, assignee=agent_b)

    response = login(client, cr_manager_a).get(reverse("care:team"))

    agents = [load.agent for load in response.context["loads"] if load.agent]
    assert agent_a in agents and agent_b not in agents
    assert all(load.open == 0 for load in response.context["loads"])
    # Re-balancing onto someone of another dealer is refused field by field.
    response = client.post(reverse("care:team"), {"agents": [agent_b.pk]})
    assert response.status_code == 200 and "agents" in response.context["form"].errors
    with pytest.raises(ValidationError):
        services.tasks_rebalance(dealer=care_a, agents=[agent_b], by=cr_manager_a)


def test_it_answers_bad_manager_input_without_failing(client, care_a, cr_manager_a):
    task = make_task(care_a)
    login(client, cr_manager_a)

    assert client.post(reverse("care:task_assign"), {"agent": "none"}).status_code == 302
    assert client.post(reverse("care:task_assign"), {"tasks": ["x"]}).status_code == 404
    response = client.post(reverse("care:task_assign"), {"tasks": [task.pk], "agent": "999999"})
    assert response.status_code == 302
    assert ContactTask.objects.get(pk=task.pk).assignee is None
    assert client.post(reverse("care:team"), {"agents": ["abc"]}).status_code == 200
    assert client.get(reverse("care:task_list"), {"assignee": "x", "page": "z"}).status_code == 200
