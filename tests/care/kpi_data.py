"""A small, hand-counted contact-center month (March 2026) for the KPI tests.

Times are Asia/Shanghai. The figures the tests expect are worked out in the docstrings of
the fixtures below; rows just outside the period's ends check the boundaries.
"""

from __future__ import annotations

import datetime
import itertools
import zoneinfo
from dataclasses import dataclass

from dcrc.care.choices import (
    CallOutcome,
    CloseReason,
    InboundKind,
    Satisfaction,
    TaskKind,
    TaskState,
)
from dcrc.care.models import CallAttempt, ContactTask, InboundCall
from dcrc.customers import services
from dcrc.customers.choices import VisitType
from tests.factories import make_customer, make_vehicle

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
_keys = itertools.count(1)
_orders = itertools.count(1)


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0, year: int = 2026):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SH)


def released_vehicle(dealer, released_at: datetime.datetime, *, mileage: int = 10_000):
    """A customer's vehicle with one visit released at `released_at` (the callback's source)."""
    vehicle = make_vehicle(make_customer(dealer))
    visit, _created = services.service_visit_record(
        vehicle=vehicle,
        visit_date=released_at.astimezone(SH).date(),
        mileage=mileage,
        visit_type=VisitType.MINOR_REPAIR,
        repair_order_no=f"RO{next(_orders):06d}",
        released_at=released_at,
    )
    return vehicle, visit


def visit(vehicle, day: datetime.date, *, mileage: int):
    services.service_visit_record(
        vehicle=vehicle, visit_date=day, mileage=mileage, visit_type=VisitType.PERIODIC_MAINTENANCE
    )


def make_task(
    *,
    dealer,
    kind: str,
    vehicle,
    created_at: datetime.datetime,
    state: str = TaskState.OPEN,
    closed_at: datetime.datetime | None = None,
    source_visit=None,
    due_until: datetime.date | None = None,
    **fields,
) -> ContactTask:
    due_from = created_at.astimezone(SH).date()
    task = ContactTask.objects.create(
        dealer=dealer,
        kind=kind,
        state=state,
        customer_id=vehicle.owner_id,
        vehicle=vehicle,
        source_visit=source_visit,
        source_key=f"test-{next(_keys)}",
        due_from=due_from,
        due_until=due_until or due_from + datetime.timedelta(days=3),
        closed_at=closed_at,
        **fields,
    )
    ContactTask.objects.filter(pk=task.pk).update(created_at=created_at)
    task.created_at = created_at
    return task


def attempt(task, agent, when, outcome, **fields):
    return CallAttempt.objects.create(
        dealer_id=task.dealer_id, task=task, agent=agent, at=when, outcome=outcome, **fields
    )


def hotline_call(dealer, received_at, *, kind=InboundKind.CALL, replied_at=None, handler=None):
    return InboundCall.objects.create(
        dealer=dealer,
        kind=kind,
        received_at=received_at,
        reply_deadline=received_at + datetime.timedelta(hours=24),
        replied_at=replied_at,
        handler=handler,
        phone="13800138000",
    )


def callback(dealer, agent, released_at, **fields):
    vehicle, source = released_vehicle(dealer, released_at)
    fields.setdefault("created_at", released_at + datetime.timedelta(hours=12))
    return make_task(
        dealer=dealer,
        kind=TaskKind.SERVICE_CALLBACK,
        vehicle=vehicle,
        source_visit=source,
        assignee=agent,
        **fields,
    )


@dataclass
class March:
    t1: ContactTask
    t2: ContactTask
    t3: ContactTask
    t5: ContactTask
    t6: ContactTask
    t7: ContactTask
    m1: ContactTask
    m2: ContactTask
    m3: ContactTask


def build_march(dealer, agent, agent2) -> March:
    """Dealer's March 2026, with these expected figures for the whole dealer:

    released in March (T1, T2, T5, T6, T7; not V3 on 28 Feb 23:59 nor V4 on 1 Apr 00:00) = 5,
    dialled: T1, T5, T6, T7 → coverage 4/5 = 80 %;
    callbacks closed in March: T1, T3, T5, T6 (T7 closed 1 Apr 00:00:30) → reached T1, T3, T6
    → success 3/4 = 75 %; on time: T1 (1 day) of T1, T3 (5 days), T6 (same local day, though
    the next UTC day) → 1/3;
    tasks closed: T1 1, T3 1, T5 3, T6 2, M1 1, M2 1 dials → 9 / 6 = 1.50 attempts per task;
    failed: T5 (attempts exhausted / no answer), M2 (wrong number / wrong number);
    satisfaction: T1 very satisfied, T6 satisfied, T3 dissatisfied → satisfied 2/3;
    hotline: C1 replied in time, C2 late, C3 never (deadline passed) → 1/3; calls 1/1,
    voicemails 0/2; C4 (1 Apr 00:10) not counted;
    reminders: maintenance M1 (appointment, arrived), M2 (no arrival within 30 days);
    insurance M3 (arrived without appointment); M4 created in February not counted;
    overdue now: T2 (agent2), M3 (unassigned) = 2;
    dials in March: agent 2 (T1, T3), agent2 5 (T5 ×3, T6 ×2) = 7, plus one on 28 Feb.
    """
    t1 = callback(
        dealer,
        agent,
        at(3, 1, 0, 30),
        state=TaskState.DONE,
        closed_at=at(3, 2, 10),
        attempt_count=1,
        last_outcome=CallOutcome.REACHED,
        satisfaction=Satisfaction.VERY_SATISFIED,
        close_reason=CloseReason.COMPLETED,
    )
    attempt(t1, agent, at(3, 2, 10), CallOutcome.REACHED)
    t2 = callback(dealer, agent2, at(3, 31, 23, 30), due_until=datetime.date(2026, 4, 3))
    t3 = callback(
        dealer,
        agent,
        at(2, 28, 23, 59),
        state=TaskState.DONE,
        closed_at=at(3, 5, 11),
        attempt_count=1,
        last_outcome=CallOutcome.REACHED,
        satisfaction=Satisfaction.DISSATISFIED,
        close_reason=CloseReason.COMPLETED,
    )
    attempt(t3, agent, at(3, 5, 11), CallOutcome.REACHED)
    attempt(t3, agent, at(2, 28, 23, 59, 59), CallOutcome.NO_ANSWER)
    released_vehicle(dealer, at(4, 1, 0, 0))
    t5 = callback(
        dealer,
        agent2,
        at(3, 10, 9),
        state=TaskState.FAILED,
        closed_at=at(3, 14, 16),
        attempt_count=3,
        last_outcome=CallOutcome.NO_ANSWER,
        close_reason=CloseReason.ATTEMPTS_EXHAUSTED,
    )
    for day in (11, 12, 13):
        attempt(t5, agent2, at(3, day, 15), CallOutcome.NO_ANSWER)
    t6 = callback(
        dealer,
        agent2,
        at(3, 20, 0, 30),
        created_at=at(3, 20, 1),
        state=TaskState.DONE,
        closed_at=at(3, 20, 9),
        attempt_count=2,
        last_outcome=CallOutcome.REACHED,
        satisfaction=Satisfaction.SATISFIED,
        close_reason=CloseReason.COMPLETED,
    )
    attempt(t6, agent2, at(3, 20, 8), CallOutcome.NO_ANSWER)
    attempt(t6, agent2, at(3, 20, 9), CallOutcome.REACHED)
    t7 = callback(
        dealer,
        agent,
        at(3, 30, 9),
        state=TaskState.DONE,
        closed_at=at(4, 1, 0, 0, 30),
        attempt_count=1,
        last_outcome=CallOutcome.REACHED,
        close_reason=CloseReason.COMPLETED,
    )

    v_m1 = make_vehicle(make_customer(dealer))
    m1 = make_task(
        dealer=dealer,
        kind=TaskKind.MAINTENANCE,
        vehicle=v_m1,
        created_at=at(3, 3, 10),
        state=TaskState.DONE,
        closed_at=at(3, 3, 11),
        closed_by=agent,
        attempt_count=1,
        last_outcome=CallOutcome.REACHED,
        appointment_at=at(3, 8, 9),
        close_reason=CloseReason.COMPLETED,
    )
    visit(v_m1, datetime.date(2026, 3, 8), mileage=20_000)
    v_m2 = make_vehicle(make_customer(dealer))
    m2 = make_task(
        dealer=dealer,
        kind=TaskKind.MAINTENANCE,
        vehicle=v_m2,
        created_at=at(3, 4, 10),
        state=TaskState.FAILED,
        closed_at=at(3, 4, 11),
        closed_by=agent,
        attempt_count=1,
        last_outcome=CallOutcome.WRONG_NUMBER,
        close_reason=CloseReason.WRONG_NUMBER,
    )
    visit(v_m2, datetime.date(2026, 3, 3), mileage=20_000)  # before the reminder
    visit(v_m2, datetime.date(2026, 6, 1), mileage=30_000)  # long after it
    v_m3 = make_vehicle(make_customer(dealer))
    m3 = make_task(
        dealer=dealer,
        kind=TaskKind.INSURANCE_RENEWAL,
        vehicle=v_m3,
        created_at=at(3, 5, 10),
        due_until=datetime.date(2026, 4, 5),
    )
    visit(v_m3, datetime.date(2026, 3, 10), mileage=20_000)
    v_m4 = make_vehicle(make_customer(dealer))
    make_task(
        dealer=dealer,
        kind=TaskKind.MAINTENANCE,
        vehicle=v_m4,
        created_at=at(2, 27, 10),
        due_until=datetime.date(2099, 1, 1),
        appointment_at=at(3, 1, 9),
    )
    visit(v_m4, datetime.date(2026, 3, 1), mileage=20_000)

    hotline_call(dealer, at(3, 2, 10), replied_at=at(3, 2, 15), handler=agent)
    hotline_call(dealer, at(3, 3, 20), kind=InboundKind.VOICEMAIL, replied_at=at(3, 5, 9))
    hotline_call(dealer, at(3, 31, 23), kind=InboundKind.VOICEMAIL)
    hotline_call(dealer, at(4, 1, 0, 10), replied_at=at(4, 1, 9))
    return March(t1=t1, t2=t2, t3=t3, t5=t5, t6=t6, t7=t7, m1=m1, m2=m2, m3=m3)
