"""Today's queue: which due tasks an agent may call now, in which order, and why others wait."""

import datetime
import itertools
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dcrc.care import selectors
from dcrc.care.choices import Channel, TaskKind, TaskState
from dcrc.care.models import CareRule, CareSettings, ContactTask, Holiday
from dcrc.customers.choices import ContactPreference, PreferredCallWindow
from tests.conftest import login
from tests.factories import make_customer, make_vehicle

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday, in the morning call window (09:00–11:30) and in office hours.
MORNING = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
TODAY = MORNING.date()
_keys = itertools.count(1)


def make_task(
    dealer,
    *,
    customer=None,
    kind=TaskKind.SERVICE_CALLBACK,
    vehicle=None,
    due_from=None,
    due_until=None,
    priority=3,
    source_key=None,
    channel=Channel.PHONE,
    **fields,
):
    """A contact task as the planner would create it."""
    customer = customer or make_customer(dealer)
    due_from = due_from or TODAY
    return ContactTask.objects.create(
        dealer=dealer,
        kind=kind,
        customer=customer,
        vehicle=vehicle,
        due_from=due_from,
        due_until=due_until or due_from + datetime.timedelta(days=2),
        priority=priority,
        source_key=source_key or f"test:{next(_keys)}",
        channel=channel,
        **fields,
    )


def real_today():
    return timezone.localdate()


def whole_day(dealer):
    """Call windows around the clock and calls on holidays: any real "now" is callable."""
    CareSettings.objects.update_or_create(
        dealer=dealer, defaults={"call_windows": [["00:00", "23:59:59"]]}
    )
    CareRule.objects.filter(dealer=dealer).update(call_on_holidays=True)


def queue_ids(agent, dealer=None, now=MORNING):
    queue = selectors.agent_queue(user=agent, dealer=dealer, now=now)
    return [task.pk for task in queue.calls], queue


def waiting(queue):
    return {code: count for code, _label, count in queue.waiting}


def test_it_lists_due_and_overdue_open_tasks_of_the_agent_and_unassigned(care_a, agent_a, agent_a2):
    mine = make_task(care_a, assignee=agent_a)
    shared = make_task(care_a)
    overdue = make_task(
        care_a, due_from=TODAY - datetime.timedelta(days=5), due_until=TODAY - datetime.timedelta(1)
    )
    make_task(care_a, assignee=agent_a2)  # a colleague's
    make_task(care_a, due_from=TODAY + datetime.timedelta(days=1))  # not due yet
    make_task(care_a, state=TaskState.DONE)

    ids, queue = queue_ids(agent_a)

    assert sorted(ids) == sorted([mine.pk, shared.pk, overdue.pk])
    assert queue.callable_count == 3


def test_it_orders_by_priority_then_due_time(care_a, agent_a):
    late_p1 = make_task(care_a, priority=1, due_from=TODAY)
    early_p3 = make_task(care_a, priority=3, due_from=TODAY - datetime.timedelta(days=3))
    early_p1 = make_task(care_a, priority=1, due_from=TODAY - datetime.timedelta(days=1))
    p2 = make_task(care_a, priority=2, due_from=TODAY)

    ids, _queue = queue_ids(agent_a)

    assert ids == [early_p1.pk, late_p1.pk, p2.pk, early_p3.pk]


def test_it_holds_back_tasks_outside_the_call_windows(care_a, agent_a):
    make_task(care_a)
    lunch = datetime.datetime(2026, 11, 24, 12, 30, tzinfo=SHANGHAI)

    ids, queue = queue_ids(agent_a, now=lunch)

    assert ids == []
    assert waiting(queue) == {selectors.WaitReason.OUTSIDE_WINDOW: 1}
    afternoon = datetime.datetime(2026, 11, 24, 14, 5, tzinfo=SHANGHAI)
    assert queue_ids(agent_a, now=afternoon)[1].callable_count == 1


def test_it_honours_the_customers_preferred_part_of_the_day(care_a, agent_a):
    evening_person = make_customer(care_a, preferred_call_window=PreferredCallWindow.EVENING)
    morning_person = make_customer(care_a, preferred_call_window=PreferredCallWindow.MORNING)
    evening_task = make_task(care_a, customer=evening_person)
    morning_task = make_task(care_a, customer=morning_person)

    ids, queue = queue_ids(agent_a)
    assert ids == [morning_task.pk]
    assert waiting(queue) == {selectors.WaitReason.PREFERRED_WINDOW: 1}

    six_pm = datetime.datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI)
    assert queue_ids(agent_a, now=six_pm)[0] == [evening_task.pk]


def test_it_calls_an_office_number_only_in_office_hours(care_a, agent_a):
    office_only = make_customer(care_a, mobile="", office_phone="020-87654321")
    task = make_task(care_a, customer=office_only)

    assert queue_ids(agent_a)[0] == [task.pk]
    evening = datetime.datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI)
    ids, queue = queue_ids(agent_a, now=evening)
    assert ids == []
    assert waiting(queue) == {selectors.WaitReason.OFFICE_HOURS: 1}
    saturday_morning = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert queue_ids(agent_a, now=saturday_morning)[0] == []


def test_it_never_lists_do_not_call_customers(care_a, agent_a):
    refuses = make_customer(care_a, contact_preference=ContactPreference.NONE)
    make_task(care_a, customer=refuses)
    make_task(care_a, customer=refuses, kind=TaskKind.BIRTHDAY, channel=Channel.SMS)

    ids, queue = queue_ids(agent_a)

    assert ids == [] and queue.sms == []
    assert waiting(queue) == {selectors.WaitReason.DO_NOT_CALL: 2}


def test_it_waits_until_the_next_attempt_time(care_a, agent_a):
    later = make_task(care_a, next_attempt_at=MORNING + datetime.timedelta(minutes=30))
    past = make_task(care_a, next_attempt_at=MORNING - datetime.timedelta(minutes=30))

    ids, queue = queue_ids(agent_a)

    assert ids == [past.pk]
    assert waiting(queue) == {selectors.WaitReason.LATER: 1}
    assert later.pk in queue_ids(agent_a, now=MORNING + datetime.timedelta(hours=1))[0]


def test_it_skips_routine_calls_on_public_holidays_unless_the_rule_calls_on_them(care_a, agent_a):
    Holiday.objects.create(date=TODAY, name="测试假日")
    make_task(care_a, kind=TaskKind.SERVICE_CALLBACK)
    reminder = make_task(care_a, kind=TaskKind.APPOINTMENT_REMINDER)  # calls on holidays

    ids, queue = queue_ids(agent_a)

    assert ids == [reminder.pk]
    assert waiting(queue) == {selectors.WaitReason.HOLIDAY: 1}


def test_it_puts_sms_tasks_and_sms_only_customers_in_their_own_section(care_a, agent_a):
    greeting = make_task(care_a, kind=TaskKind.BIRTHDAY, channel=Channel.SMS, priority=5)
    sms_only = make_customer(care_a, contact_preference=ContactPreference.SMS)
    callback = make_task(care_a, customer=sms_only)
    # SMS is not bound to call windows.
    lunch = datetime.datetime(2026, 11, 24, 12, 30, tzinfo=SHANGHAI)

    ids, queue = queue_ids(agent_a, now=lunch)

    assert ids == []
    assert [task.pk for task in queue.sms] == [callback.pk, greeting.pk]
    assert queue.sms_count == 2


def test_it_hides_tasks_a_colleague_is_working_on(care_a, agent_a, agent_a2):
    held = make_task(
        care_a,
        state=TaskState.IN_PROGRESS,
        claimed_by=agent_a2,
        claimed_at=MORNING - datetime.timedelta(minutes=5),
    )
    stale = make_task(
        care_a,
        state=TaskState.IN_PROGRESS,
        claimed_by=agent_a2,
        claimed_at=MORNING - datetime.timedelta(hours=1),
    )

    ids, queue = queue_ids(agent_a)

    assert ids == [stale.pk]
    assert waiting(queue) == {selectors.WaitReason.COLLEAGUE: 1}
    assert queue_ids(agent_a2)[0] == sorted([held.pk, stale.pk])


def test_it_never_shows_another_dealers_tasks(care_a, care_b, agent_a, agent_b):
    make_task(care_b)
    own = make_task(care_a)

    assert queue_ids(agent_a)[0] == [own.pk]
    assert selectors.agent_queue(user=agent_a, dealer=care_b, now=MORNING).callable_count == 0


def test_it_reads_the_queue_in_a_constant_number_of_queries(
    care_a, agent_a, django_assert_num_queries
):
    def fill(count):
        for _ in range(count):
            vehicle = make_vehicle(make_customer(care_a))
            make_task(care_a, customer=vehicle.owner, vehicle=vehicle)
            make_task(care_a, kind=TaskKind.BIRTHDAY, channel=Channel.SMS)
            make_task(care_a, customer=make_customer(care_a, contact_preference="none"))

    agent_a.dealer_ids  # noqa: B018 — the middleware reads it once per request
    fill(2)
    with django_assert_num_queries(4):
        queue = selectors.agent_queue(user=agent_a, dealer=None, now=MORNING)
        [(t.customer.name, t.vehicle and t.vehicle.plate, t.dealer.name) for t in queue.calls]
    fill(10)
    with django_assert_num_queries(4):
        queue = selectors.agent_queue(user=agent_a, dealer=None, now=MORNING)
        [(t.customer.name, t.vehicle and t.vehicle.plate, t.dealer.name) for t in queue.sms]
    assert queue.callable_count == 12 and queue.sms_count == 12


def test_it_renders_the_workbench_in_a_constant_number_of_queries(client, care_a, agent_a):
    whole_day(care_a)
    login(client, agent_a)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("care:workbench"))
        assert response.status_code == 200
        return len(queries)

    make_task(care_a, vehicle=make_vehicle(make_customer(care_a)), due_from=real_today())
    make_task(care_a, kind=TaskKind.HOLIDAY, channel=Channel.SMS, due_from=real_today())
    few = count_queries()
    for _ in range(8):
        make_task(care_a, vehicle=make_vehicle(make_customer(care_a)), due_from=real_today())
        make_task(care_a, kind=TaskKind.HOLIDAY, channel=Channel.SMS, due_from=real_today())
    assert count_queries() == few


def test_it_shows_the_workbench_page_to_agents_only(client, care_a, care_b, agent_a, technician_a):
    whole_day(care_a)
    own = make_task(care_a, due_from=real_today())
    other = make_task(
        care_b, customer=make_customer(care_b, name="外店客户"), due_from=real_today()
    )

    response = login(client, agent_a).get(reverse("care:workbench"))
    assert response.status_code == 200
    assert [task.pk for task in response.context["queue"].calls] == [own.pk]
    assert f'data-task-id="{other.pk}"' not in response.content.decode()
    assert "外店客户" not in response.content.decode()

    client.force_login(technician_a)
    assert client.get(reverse("care:workbench")).status_code == 403


def test_it_answers_the_htmx_refresh_with_the_partial(client, care_a, agent_a):
    whole_day(care_a)
    task = make_task(care_a, due_from=real_today())
    response = login(client, agent_a).get(reverse("care:workbench"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "care/workbench/partials/queue.html"
    assert f'data-task-id="{task.pk}"' in response.content.decode()


def test_it_leaves_unassigned_follow_ups_to_the_cr_manager(care_a, agent_a, cr_manager_a):
    follow_up = make_task(care_a, kind=TaskKind.FOLLOW_UP, priority=1)
    handed_over = make_task(care_a, kind=TaskKind.FOLLOW_UP, priority=1, assignee=agent_a)

    assert queue_ids(agent_a)[0] == [handed_over.pk]
    assert queue_ids(cr_manager_a)[0] == [follow_up.pk]


def test_it_blocks_every_call_on_a_holiday_when_no_rule_calls_on_holidays(care_a, agent_a):
    CareRule.objects.filter(dealer=care_a).update(call_on_holidays=False)
    Holiday.objects.create(date=TODAY, name="测试假日", dealer=care_a)
    make_task(care_a, kind=TaskKind.APPOINTMENT_REMINDER)

    ids, queue = queue_ids(agent_a)

    assert ids == [] and waiting(queue) == {selectors.WaitReason.HOLIDAY: 1}
