"""Every write of the agent's workbench: claiming, recording attempts, assigning, closing.

Tasks move through django-fsm transitions on ContactTask; these functions add what the moves
alone cannot: the conditional UPDATE that makes a claim race-free, the reschedule into another
call window, the SMS fallback, follow-ups for unhappy customers and appointment reminders.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from dcrc.core.models import Dealer, User
from dcrc.customers.choices import ContactPreference, PreferredCallWindow
from dcrc.customers.models import ServiceVisit
from dcrc.customers.services import customer_update

from . import calendar, selectors, sms
from .choices import (
    OPEN_STATES,
    CallOutcome,
    Channel,
    CloseReason,
    Problem,
    Satisfaction,
    TaskKind,
    TaskState,
)
from .models import CLAIM_STALE_AFTER, CallAttempt, CareRule, ContactTask

# A customer who is driving is called again after this long unless a time was agreed.
DRIVING_CALLBACK_AFTER = datetime.timedelta(hours=1)
# Outside every call window the next dial waits at least this long.
MIN_RETRY_GAP = datetime.timedelta(hours=1)
MANUAL_CLOSE_REASONS = (CloseReason.MOOT, CloseReason.DO_NOT_CONTACT, CloseReason.MANUAL)
CONTACT_FIELDS = ("mobile", "home_phone", "office_phone")


class TaskUnavailable(ValidationError):
    """The task cannot be worked by this agent now: closed, or a colleague holds it."""


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _locked(task: ContactTask) -> ContactTask:
    """The task's row, locked until the end of the transaction."""
    return (
        ContactTask.objects.select_for_update(of=("self",))
        .select_related("customer", "dealer")
        .get(pk=task.pk)
    )


def _workable(task: ContactTask, agent: User, now: datetime.datetime) -> ContactTask:
    """The task's locked row, if `agent` may work it now; else TaskUnavailable."""
    task = _locked(task)
    if not task.is_open:
        raise TaskUnavailable(_("This task is already closed."), code="closed")
    if task_held_by_other(task, agent, now):
        raise TaskUnavailable(_("A colleague is already working on this task."), code="taken")
    return task


def _rule(task: ContactTask) -> CareRule | None:
    return CareRule.objects.filter(dealer_id=task.dealer_id, kind=task.kind).first()


def _claim_is_free(agent: User, now: datetime.datetime) -> Q:
    """Who may take a task: open, or in progress but held by nobody, by `agent`, or stale."""
    return Q(state=TaskState.OPEN) | Q(state=TaskState.IN_PROGRESS) & (
        Q(claimed_by__isnull=True) | Q(claimed_by=agent) | Q(claimed_at__lt=now - CLAIM_STALE_AFTER)
    )


@transaction.atomic
def task_claim(
    *, task: ContactTask, agent: User, at: datetime.datetime | None = None
) -> ContactTask:
    """Take `task` for `agent`: one conditional UPDATE, so two agents never work the same task.

    Raises TaskUnavailable when the task is closed or a colleague holds it.
    """
    now = _now(at)
    if not can_proceed(task.claim):
        raise TaskUnavailable(_("This task is already closed."), code="closed")
    updated = (
        ContactTask.objects.filter(pk=task.pk)
        .filter(_claim_is_free(agent, now))
        .update(state=TaskState.IN_PROGRESS, claimed_by=agent, claimed_at=now)
    )
    if not updated:
        state = ContactTask.objects.filter(pk=task.pk).values_list("state", flat=True).first()
        if state not in OPEN_STATES:
            raise TaskUnavailable(_("This task is already closed."), code="closed")
        raise TaskUnavailable(_("A colleague is already working on this task."), code="taken")
    task.claim(agent=agent, at=now)
    return task


@transaction.atomic
def task_release(*, task: ContactTask, agent: User) -> None:
    """Give a claimed task back to the queue without dialling (the agent skips it)."""
    ContactTask.objects.filter(pk=task.pk, state=TaskState.IN_PROGRESS, claimed_by=agent).update(
        state=TaskState.OPEN, claimed_by=None, claimed_at=None
    )


def task_claim_next(
    *, agent: User, dealer: Dealer | None, exclude: tuple[int, ...] = ()
) -> ContactTask | None:
    """Claim the first callable task of the agent's queue; None when nothing is callable.

    A task a colleague grabbed a moment earlier is skipped for the one after it.
    """
    tried = tuple(exclude)
    for _round in range(3):
        ids = selectors.queue_next_ids(user=agent, dealer=dealer, exclude=tried)
        found = ContactTask.objects.in_bulk(ids)
        for task in (found[pk] for pk in ids if pk in found):
            try:
                return task_claim(task=task, agent=agent)
            except TaskUnavailable:
                continue
        if len(ids) < 5:
            return None
        tried += tuple(ids)
    return None


def task_held_by_other(task: ContactTask, agent: User, now: datetime.datetime) -> bool:
    return (
        task.state == TaskState.IN_PROGRESS
        and task.claimed_by_id is not None
        and task.claimed_by_id != agent.pk
        and task.claimed_at is not None
        and task.claimed_at >= now - CLAIM_STALE_AFTER
    )


def _attempt_errors(
    *,
    task: ContactTask,
    outcome: str,
    satisfaction: str,
    problems: Sequence[str],
    callback_at: datetime.datetime | None,
    appointment_at: datetime.datetime | None,
    preferred_call_window: str | None,
    now: datetime.datetime,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if outcome not in CallOutcome.values:
        errors["outcome"] = [_("Choose the outcome of the call.")]
    if satisfaction and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Choose a satisfaction level from the list.")]
    if any(problem not in Problem.values for problem in problems):
        errors["problems"] = [_("Choose problems from the list.")]
    if preferred_call_window and preferred_call_window not in PreferredCallWindow.values:
        errors["preferred_call_window"] = [_("Choose a part of the day from the list.")]
    if callback_at is not None and callback_at <= now:
        errors["callback_at"] = [_("The callback time must be in the future.")]
    if callback_at is not None and outcome not in CallOutcome.unreached():
        errors["callback_at"] = [_("A callback time only goes with an unreached call.")]
    if appointment_at is not None:
        if outcome != CallOutcome.REACHED:
            errors["appointment_at"] = [_("An appointment needs a call that reached the customer.")]
        elif appointment_at <= now:
            errors["appointment_at"] = [_("The appointment must be in the future.")]
    if outcome != CallOutcome.REACHED:
        unreached = [
            _("Satisfaction and problems are recorded only when the customer was reached.")
        ]
        if satisfaction:
            errors.setdefault("satisfaction", unreached)
        if problems:
            errors.setdefault("problems", unreached)
    return errors


@transaction.atomic
def attempt_record(
    *,
    task: ContactTask,
    agent: User,
    outcome: str,
    notes: str = "",
    satisfaction: str = "",
    problems: Sequence[str] = (),
    phone: str = "",
    callback_at: datetime.datetime | None = None,
    appointment_at: datetime.datetime | None = None,
    preferred_call_window: str | None = None,
    prefers_sms: bool = False,
    contact: dict[str, str] | None = None,
    at: datetime.datetime | None = None,
    book_appointment: bool = False,
) -> CallAttempt:
    """Record one dial of `task` and move the task on (domain §4).

    Reached → done; unreached → the next dial in another call window, until the dealer's
    maximum, then an SMS callback or failure; wrong number and refusal → failed. An unhappy
    customer or any problem heard opens a follow-up for the CR manager; a booked appointment
    gets its reminder the day before. Corrected numbers and preferences go to the customer.
    A complaint's follow-up call confirms the complaint's follow-up or, when the customer is
    still unhappy, reopens it. With `book_appointment` (the workbench), the appointment time
    books the real appointment (service.appointments.appointment_from_call).
    """
    now = _now(at)
    task = _workable(task, agent, now)
    problems = list(dict.fromkeys(problems))
    errors = _attempt_errors(
        task=task,
        outcome=outcome,
        satisfaction=satisfaction,
        problems=problems,
        callback_at=callback_at,
        appointment_at=appointment_at,
        preferred_call_window=preferred_call_window,
        now=now,
    )
    if errors:
        raise ValidationError(errors)
    customer = task.customer
    _customer_correct(
        customer=customer,
        agent=agent,
        contact=contact or {},
        preferred_call_window=preferred_call_window,
        prefers_sms=prefers_sms,
    )
    settings = calendar.care_settings(task.dealer_id)
    window = calendar.window_at(settings, now)
    attempt = CallAttempt.objects.create(
        dealer_id=task.dealer_id,
        task=task,
        agent=agent,
        at=now,
        window=window,
        channel=Channel.PHONE,
        phone=phone,
        outcome=outcome,
        satisfaction=satisfaction,
        problems=problems,
        notes=notes,
        callback_at=callback_at,
    )
    task.attempt_count += 1
    task.last_outcome = outcome
    task.last_window = window
    if notes:
        stamp = timezone.localtime(now).strftime("%m-%d %H:%M")
        task.notes = "\n".join(filter(None, [task.notes, f"{stamp} {agent}: {notes}"]))
    if outcome == CallOutcome.REACHED:
        task.satisfaction = satisfaction
        task.problems = problems
        if appointment_at is not None:
            task.appointment_at = appointment_at
            _appointment_reminder_ensure(task=task, appointment_at=appointment_at, now=now)
        task.complete(reason=CloseReason.COMPLETED, by=agent, at=now)
        unhappy = satisfaction in Satisfaction.unhappy() or problems
        # On a complaint's follow-up call, the complaint itself reopens (below).
        if unhappy and task.kind != TaskKind.COMPLAINT_FOLLOW_UP:
            _follow_up_open(task=task, now=now)
    elif outcome == CallOutcome.WRONG_NUMBER:
        task.fail(reason=CloseReason.WRONG_NUMBER, by=agent, at=now)
    elif outcome == CallOutcome.REFUSED:
        task.fail(reason=CloseReason.REFUSED, by=agent, at=now)
    elif task.attempt_count >= settings.max_attempts:
        _attempts_exhausted(task=task, agent=agent, sms_fallback=settings.sms_fallback, now=now)
    else:
        rule = _rule(task)
        task.reschedule(
            to=_next_attempt_at(
                settings=settings,
                outcome=outcome,
                window=window,
                callback_at=callback_at,
                call_on_holidays=bool(rule and rule.call_on_holidays),
                now=now,
            )
        )
    task.save()
    if task.kind == TaskKind.COMPLAINT_FOLLOW_UP and outcome == CallOutcome.REACHED:
        from dcrc.complaints.services import complaint_follow_up_recorded

        complaint_follow_up_recorded(task=task, by=agent, at=now)
    if book_appointment and appointment_at is not None and outcome == CallOutcome.REACHED:
        from dcrc.service.appointments import appointment_from_call

        appointment_from_call(task=task, by=agent, scheduled_at=appointment_at, at=now)
    return attempt


def _customer_correct(
    *,
    customer,
    agent: User,
    contact: dict[str, str],
    preferred_call_window: str | None,
    prefers_sms: bool,
) -> None:
    """Write what the agent learnt on the phone into the archive, through its own service."""
    changes: dict[str, Any] = {
        field: value.strip()
        for field, value in contact.items()
        if field in CONTACT_FIELDS and value.strip() != getattr(customer, field)
    }
    if (
        preferred_call_window is not None
        and preferred_call_window != customer.preferred_call_window
    ):
        changes["preferred_call_window"] = preferred_call_window
    if prefers_sms and customer.contact_preference == ContactPreference.PHONE:
        changes["contact_preference"] = ContactPreference.SMS
    if changes:
        customer_update(customer=customer, by=agent, **changes)


def _next_attempt_at(
    *,
    settings,
    outcome: str,
    window: int | None,
    callback_at: datetime.datetime | None,
    call_on_holidays: bool,
    now: datetime.datetime,
) -> datetime.datetime:
    """When to dial again: the agreed time, or the first slot of another call window."""
    if callback_at is not None:
        return callback_at
    if outcome == CallOutcome.DRIVING:
        slot, _index = calendar.next_call_slot(
            settings, after=now + DRIVING_CALLBACK_AFTER, call_on_holidays=call_on_holidays
        )
        return slot
    after = now if window is not None else now + MIN_RETRY_GAP
    slot, _index = calendar.next_call_slot(
        settings, after=after, avoid_window=window, call_on_holidays=call_on_holidays
    )
    return slot


def _attempts_exhausted(
    *, task: ContactTask, agent: User, sms_fallback: bool, now: datetime.datetime
) -> None:
    customer = task.customer
    accepts_sms = bool(customer.mobile) and customer.contact_preference != ContactPreference.NONE
    if sms_fallback and accepts_sms:
        sms.sms_task_send(task=task, by=agent)
        task.complete(reason=CloseReason.SMS_FALLBACK, by=agent, at=now)
    else:
        task.fail(reason=CloseReason.ATTEMPTS_EXHAUSTED, by=agent, at=now)


def _follow_up_open(*, task: ContactTask, now: datetime.datetime) -> ContactTask:
    """A follow-up for the CR manager: unassigned, most urgent; complaints build on it."""
    today = timezone.localdate(now)
    rule = CareRule.objects.filter(dealer_id=task.dealer_id, kind=TaskKind.FOLLOW_UP).first()
    window_days = max(rule.window_days if rule else 1, 1)
    labels = [str(Problem(problem).label) for problem in task.problems]
    if task.satisfaction:
        labels.insert(0, str(Satisfaction(task.satisfaction).label))
    follow_up, _created = ContactTask.objects.get_or_create(
        dealer_id=task.dealer_id,
        kind=TaskKind.FOLLOW_UP,
        source_key=f"task:{task.pk}",
        defaults={
            "customer_id": task.customer_id,
            "vehicle_id": task.vehicle_id,
            "source_visit_id": task.source_visit_id,
            "source_task": task,
            "priority": 1,
            "due_from": today,
            "due_until": today + datetime.timedelta(days=window_days - 1),
            "subject": "、".join(labels)[:200],
            "problems": task.problems,
            "satisfaction": task.satisfaction,
        },
    )
    return follow_up


def _appointment_reminder_ensure(
    *, task: ContactTask, appointment_at: datetime.datetime, now: datetime.datetime
) -> ContactTask:
    """The reminder call the day before the appointment (or today when that is tomorrow)."""
    day = timezone.localdate(appointment_at)
    due = max(day - datetime.timedelta(days=1), timezone.localdate(now))
    reminder, created = ContactTask.objects.get_or_create(
        dealer_id=task.dealer_id,
        kind=TaskKind.APPOINTMENT_REMINDER,
        source_key=f"task:{task.pk}",
        defaults={
            "customer_id": task.customer_id,
            "vehicle_id": task.vehicle_id,
            "source_task": task,
            "priority": 1,
            "due_from": due,
            "due_until": max(due, day),
            "due_date": day,
            "appointment_at": appointment_at,
            "assignee_id": task.assignee_id,
        },
    )
    if not created and reminder.is_open:
        reminder.due_from, reminder.due_until = due, max(due, day)
        reminder.due_date, reminder.appointment_at = day, appointment_at
        reminder.save(update_fields=["due_from", "due_until", "due_date", "appointment_at"])
    return reminder


@transaction.atomic
def task_sms_send(*, task: ContactTask, agent: User, at: datetime.datetime | None = None):
    """The one-click SMS of an SMS-channel task (a greeting, an SMS callback); closes it."""
    now = _now(at)
    task = _workable(task, agent, now)
    customer = task.customer
    if not customer.mobile:
        raise ValidationError(_("The customer has no mobile number for an SMS."))
    if customer.contact_preference == ContactPreference.NONE:
        raise ValidationError(_("The customer does not want to be contacted."))
    message = sms.sms_task_send(task=task, by=agent)
    task.complete(reason=CloseReason.COMPLETED, by=agent, at=now)
    task.save()
    return message


# --- managers ------------------------------------------------------------------------------


def _agent_check(*, agent: User, dealer_id: int) -> None:
    if dealer_id not in agent.dealer_ids or not agent.has_perm("care.work_tasks"):
        raise ValidationError(
            {"agent": [_("%(agent)s does not work tasks for this dealer.") % {"agent": agent}]}
        )


@transaction.atomic
def task_assign(*, tasks: Iterable[ContactTask], agent: User | None, by: User) -> int:
    """Give open tasks to `agent` (None: back to the shared queue). Returns how many moved."""
    ids = [task.pk for task in tasks if task.is_open]
    if agent is not None:
        for dealer_id in {task.dealer_id for task in tasks}:
            _agent_check(agent=agent, dealer_id=dealer_id)
    return ContactTask.objects.filter(pk__in=ids, state__in=OPEN_STATES).update(assignee=agent)


@transaction.atomic
def tasks_rebalance(
    *, dealer: Dealer, agents: Sequence[User], by: User, at: datetime.datetime | None = None
) -> dict[int, int]:
    """Spread the dealer's open tasks (follow-ups excepted) evenly over `agents`, most urgent
    first.

    A task an agent holds right now stays with them and counts towards their share.
    Returns the number of tasks each agent ends up with, by user id.
    """
    now = _now(at)
    if not agents:
        raise ValidationError({"agents": [_("Choose at least one agent.")]})
    for agent in agents:
        _agent_check(agent=agent, dealer_id=dealer.pk)
    # No row locks: a task claimed meanwhile keeps its claimer whoever becomes its owner.
    # Follow-ups stay where the CR manager put them.
    tasks = ContactTask.objects.filter(dealer=dealer, state__in=OPEN_STATES).exclude(
        kind=TaskKind.FOLLOW_UP
    )
    held = Q(state=TaskState.IN_PROGRESS, claimed_by__isnull=False) & Q(
        claimed_at__gte=now - CLAIM_STALE_AFTER
    )
    load = {agent.pk: 0 for agent in agents}
    for claimer, count in (
        tasks.filter(held, claimed_by__in=load).values_list("claimed_by").annotate(n=Count("id"))
    ):
        load[claimer] = count
    # Held tasks stay with their holder, whoever was the assignee.
    for claimer in load:
        tasks.filter(held, claimed_by=claimer).update(assignee_id=claimer)
    free = list(
        tasks.exclude(held).order_by("priority", "due_from", "id").values_list("id", flat=True)
    )
    shares: dict[int, list[int]] = {agent_id: [] for agent_id in load}
    for task_id in free:
        agent_id = min(load, key=lambda key: (load[key], key))
        shares[agent_id].append(task_id)
        load[agent_id] += 1
    for agent_id, ids in shares.items():
        for start in range(0, len(ids), 500):
            ContactTask.objects.filter(pk__in=ids[start : start + 500]).update(assignee_id=agent_id)
    return load


@transaction.atomic
def task_close(
    *,
    task: ContactTask,
    reason: str,
    by: User,
    notes: str = "",
    at: datetime.datetime | None = None,
) -> ContactTask:
    """A manager closes a task by hand, with a reason."""
    now = _now(at)
    task = _locked(task)
    if reason not in MANUAL_CLOSE_REASONS:
        raise ValidationError({"reason": [_("Choose a reason from the list.")]})
    if not can_proceed(task.cancel):
        raise ValidationError({"reason": [_("This task is already closed.")]})
    if notes:
        task.notes = "\n".join(filter(None, [task.notes, f"{by}: {notes}"]))
    task.cancel(reason=reason, by=by, at=now)
    task.save()
    return task


def service_callback_ensure(*, visit: ServiceVisit) -> ContactTask | None:
    """The post-service callback of a visit, queued the moment the vehicle is released.

    The same task the daily planner makes (same source key, so it never makes a second):
    due `offset_days` after the visit under the dealer's rule, by SMS for customers who
    take SMS only, none for those who want no contact or when the rule is off.
    """
    from .defaults import care_defaults_ensure

    care_defaults_ensure(dealer_id=visit.dealer_id)
    rule = CareRule.objects.filter(
        dealer_id=visit.dealer_id, kind=TaskKind.SERVICE_CALLBACK, enabled=True
    ).first()
    customer = visit.customer
    if rule is None or customer.contact_preference == ContactPreference.NONE:
        return None
    if customer.merged_into_id is not None:
        return None
    due_from = visit.visit_date + datetime.timedelta(days=rule.offset_days)
    channel = Channel.SMS if customer.contact_preference == ContactPreference.SMS else rule.channel
    task, _created = ContactTask.objects.get_or_create(
        dealer_id=visit.dealer_id,
        kind=TaskKind.SERVICE_CALLBACK,
        source_key=str(visit.pk),
        defaults={
            "state": TaskState.OPEN,
            "channel": channel,
            "priority": rule.priority,
            "due_from": due_from,
            "due_until": due_from + datetime.timedelta(days=max(rule.window_days, 1) - 1),
            "due_date": visit.visit_date,
            "customer_id": visit.customer_id,
            "vehicle_id": visit.vehicle_id,
            "source_visit": visit,
        },
    )
    return task
