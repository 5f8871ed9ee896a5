"""Claiming a task: one conditional UPDATE, so two agents never work the same customer."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse

from dcrc.care import services
from dcrc.care.choices import TaskState
from dcrc.care.models import ContactTask
from tests.care.test_workbench_queue import MORNING, make_task, real_today, whole_day
from tests.conftest import login


def test_it_claims_an_open_task_for_one_agent(care_a, agent_a, agent_a2):
    task = make_task(care_a)

    services.task_claim(task=task, agent=agent_a, at=MORNING)

    task.refresh_from_db()
    assert (task.state, task.claimed_by, task.claimed_at) == (
        TaskState.IN_PROGRESS,
        agent_a,
        MORNING,
    )
    with pytest.raises(services.TaskUnavailable) as error:
        services.task_claim(task=ContactTask.objects.get(pk=task.pk), agent=agent_a2, at=MORNING)
    assert error.value.code == "taken"
    # The holder may open it again.
    services.task_claim(task=task, agent=agent_a, at=MORNING + datetime.timedelta(minutes=1))


def test_it_frees_a_claim_nobody_acted_on_for_half_an_hour(care_a, agent_a, agent_a2):
    task = make_task(care_a)
    services.task_claim(task=task, agent=agent_a, at=MORNING)

    with pytest.raises(services.TaskUnavailable):
        services.task_claim(task=task, agent=agent_a2, at=MORNING + datetime.timedelta(minutes=29))
    services.task_claim(task=task, agent=agent_a2, at=MORNING + datetime.timedelta(minutes=31))
    task.refresh_from_db()
    assert task.claimed_by == agent_a2


def test_it_refuses_a_stale_copy_of_a_task_a_colleague_just_took(care_a, agent_a, agent_a2):
    task = make_task(care_a)
    stale_copy = ContactTask.objects.get(pk=task.pk)
    services.task_claim(task=task, agent=agent_a, at=MORNING)

    # The in-memory copy still says "open"; the UPDATE's condition reads the row.
    with pytest.raises(services.TaskUnavailable):
        services.task_claim(task=stale_copy, agent=agent_a2, at=MORNING)
    assert ContactTask.objects.get(pk=task.pk).claimed_by == agent_a

    ContactTask.objects.filter(pk=task.pk).update(state=TaskState.CANCELLED)
    with pytest.raises(services.TaskUnavailable) as error:
        services.task_claim(task=stale_copy, agent=agent_a2, at=MORNING)
    assert error.value.code == "closed"


def test_it_gives_the_loser_a_message_and_the_next_task(client, care_a, agent_a, agent_a2):
    whole_day(care_a)
    taken = make_task(care_a, priority=1, due_from=real_today())
    free = make_task(care_a, priority=2, due_from=real_today())
    services.task_claim(task=taken, agent=agent_a2)

    response = login(client, agent_a).post(reverse("care:task_claim", args=[taken.pk]))

    assert response.url == reverse("care:task", args=[free.pk])
    assert ContactTask.objects.get(pk=taken.pk).claimed_by == agent_a2
    assert ContactTask.objects.get(pk=free.pk).claimed_by == agent_a
    messages = [m.level_tag for m in response.wsgi_request._messages]
    assert messages == ["warning"]


def test_it_gives_a_skipped_task_back_to_the_queue(client, care_a, agent_a):
    whole_day(care_a)
    task = make_task(care_a, due_from=real_today())
    services.task_claim(task=task, agent=agent_a)

    response = login(client, agent_a).post(reverse("care:task_release", args=[task.pk]))

    assert response.url == reverse("care:workbench")
    task.refresh_from_db()
    assert (task.state, task.claimed_by) == (TaskState.OPEN, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_racing_agents_win(care_a, agent_a, agent_a2):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write, there is no race to lose")
    tasks = [make_task(care_a) for _ in range(10)]

    for task in tasks:
        barrier = threading.Barrier(2)
        winners, errors = [], []

        def claim(agent, task_id=task.pk, barrier=barrier, winners=winners, errors=errors):
            try:
                copy = ContactTask.objects.get(pk=task_id)  # each thread: its own connection
                barrier.wait(timeout=10)
                services.task_claim(task=copy, agent=agent)
                winners.append(agent.pk)
            except services.TaskUnavailable:
                pass
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(agent,)) for agent in (agent_a, agent_a2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)

        assert errors == []
        assert len(winners) == 1
        task.refresh_from_db()
        assert task.claimed_by_id == winners[0]


def test_it_opens_the_most_urgent_task_first(client, care_a, agent_a):
    whole_day(care_a)
    for priority in (5, 4, 3, 2):
        make_task(care_a, priority=priority, due_from=real_today())
    urgent = make_task(care_a, priority=1, due_from=real_today())

    response = login(client, agent_a).post(reverse("care:task_next"))

    assert response.url == reverse("care:task", args=[urgent.pk])
