"""Every write of complaints: intake, the moves of the state machine, escalation, notices.

Each function is one transaction. A move that the state machine refuses, or that lacks what it
needs (a solution, a root cause, a reason), raises ValidationError with a message per field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from dcrc.care.choices import OPEN_STATES as TASK_OPEN_STATES
from dcrc.care.choices import CloseReason, TaskKind
from dcrc.care.models import CareRule, ContactTask, InboundCall
from dcrc.core.choices import Role
from dcrc.core.models import Dealer, User
from dcrc.core.notifications import Notice, notify
from dcrc.core.services import sequence_next
from dcrc.customers.models import Customer, ServiceVisit, Vehicle

from . import choices
from .choices import Action, Escalation, ImportantFlag, State
from .deadlines import deadline_after
from .models import Complaint, ComplaintEvent, ComplaintSettings
from .rules import MANUFACTURER_ROLES

# Moves whose reason must be written down.
REASON_REQUIRED = {
    Action.REJECT,
    Action.REOPEN,
    Action.ESCALATE_CRC,
    Action.ESCALATE_REGIONAL,
    Action.REQUEST_ON_SITE,
}
ESCALATIONS = {Action.ESCALATE_CRC, Action.ESCALATE_REGIONAL, Action.REQUEST_ON_SITE}


def complaint_settings(dealer_id: int) -> ComplaintSettings:
    settings, _created = ComplaintSettings.objects.get_or_create(dealer_id=dealer_id)
    return settings


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _event(
    complaint: Complaint,
    *,
    action: str,
    by: User | None,
    at: datetime.datetime,
    note: str = "",
    from_state: str = "",
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        dealer_id=complaint.dealer_id,
        complaint=complaint,
        action=action,
        from_state=from_state,
        to_state=complaint.state,
        escalation=complaint.escalation,
        by=by,
        at=at,
        note=note,
    )


# --- intake ---------------------------------------------------------------------------------


def _important_flags(
    flags: list[str], loss_amount: Decimal | None, settings: ComplaintSettings
) -> list[str]:
    unknown = [flag for flag in flags if flag not in ImportantFlag.values]
    if unknown:
        raise ValidationError({"important_flags": [_("Unknown flag: %s") % ", ".join(unknown)]})
    flags = [flag for flag in ImportantFlag.values if flag in flags]
    large = loss_amount is not None and loss_amount > settings.large_loss_amount
    if large and ImportantFlag.LARGE_LOSS not in flags:
        flags.append(ImportantFlag.LARGE_LOSS)
    return flags


def _links_check(
    *,
    dealer: Dealer,
    customer: Customer | None,
    vehicle: Vehicle | None,
    inbound_call: InboundCall | None,
    contact_task: ContactTask | None,
    service_visit: ServiceVisit | None,
    owner: User | None,
) -> None:
    errors: dict[str, list[str]] = {}
    for name, row in {
        "customer": customer,
        "vehicle": vehicle,
        "inbound_call": inbound_call,
        "contact_task": contact_task,
        "service_visit": service_visit,
    }.items():
        if row is not None and row.dealer_id != dealer.pk:
            errors[name] = [_("This record belongs to another dealer.")]
    if vehicle is not None and customer is not None and vehicle.owner_id != customer.pk:
        errors.setdefault("vehicle", []).append(_("This vehicle belongs to another customer."))
    if owner is not None and dealer.pk not in owner.dealer_ids:
        errors["owner"] = [_("This person does not work for the dealer.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def complaint_register(
    *,
    dealer: Dealer,
    by: User | None,
    channel: str,
    category: str,
    department: str,
    subject: str,
    description: str,
    severity: str = choices.Severity.MEDIUM,
    customer: Customer | None = None,
    vehicle: Vehicle | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    inbound_call: InboundCall | None = None,
    contact_task: ContactTask | None = None,
    service_visit: ServiceVisit | None = None,
    repair_order_no: str = "",
    customer_demand: str = "",
    typical_case: str = "",
    important_flags: list[str] | None = None,
    loss_amount: Decimal | None = None,
    owner: User | None = None,
    at: datetime.datetime | None = None,
) -> Complaint:
    """Register a complaint from any channel. Deadlines start now; an important complaint is
    escalated to the manufacturer's CRC and reported to the general manager at once. A
    callback's interim follow-up task is closed: the complaint takes it over."""
    now = _now(at)
    settings = complaint_settings(dealer.pk)
    _links_check(
        dealer=dealer,
        customer=customer,
        vehicle=vehicle,
        inbound_call=inbound_call,
        contact_task=contact_task,
        service_visit=service_visit,
        owner=owner,
    )
    if customer is None and vehicle is not None:
        customer = vehicle.owner
    if customer is None and not (contact_name.strip() and contact_phone.strip()):
        raise ValidationError(
            {"customer": [_("Find the customer, or give the caller's name and phone.")]}
        )
    if loss_amount is not None and loss_amount < 0:
        raise ValidationError({"loss_amount": [_("The loss cannot be negative.")]})
    flags = _important_flags(list(important_flags or []), loss_amount, settings)
    _source_check(contact_task=contact_task, inbound_call=inbound_call)
    if service_visit is not None and not repair_order_no:
        repair_order_no = service_visit.repair_order_no
    (sequence,) = sequence_next(dealer=dealer, name=f"complaint-{timezone.localdate(now):%Y}")
    complaint = Complaint(
        dealer=dealer,
        number=f"TS{timezone.localdate(now):%Y}{sequence:06d}",
        channel=channel,
        category=category,
        department=department,
        severity=severity,
        typical_case=typical_case,
        customer=customer,
        vehicle=vehicle,
        contact_name=contact_name.strip() or (customer.name if customer else ""),
        contact_phone=contact_phone.strip(),
        inbound_call=inbound_call,
        contact_task=contact_task,
        service_visit=service_visit,
        repair_order_no=repair_order_no,
        subject=subject.strip(),
        description=description.strip(),
        customer_demand=customer_demand.strip(),
        important_flags=flags,
        is_important=bool(flags),
        loss_amount=loss_amount,
        owner=owner,
        registered_at=now,
        registered_by=by,
        first_response_due=deadline_after(
            dealer_id=dealer.pk, start=now, hours=settings.first_response_hours
        ),
        resolution_due=deadline_after(
            dealer_id=dealer.pk, start=now, hours=settings.resolution_hours(severity)
        ),
    )
    complaint.full_clean(exclude=["dealer", "customer", "vehicle", "owner"])
    complaint.save()
    _event(complaint, action=Action.REGISTER, by=by, at=now)
    if contact_task is not None:
        _interim_task_close(contact_task, by=by, at=now)
    if complaint.is_important:
        _important_escalate(complaint, by=by, at=now)
    return complaint


def _source_check(*, contact_task: ContactTask | None, inbound_call: InboundCall | None) -> None:
    """A callback or a call becomes one complaint: a double click or a colleague registering
    the same call again is told which complaint already has it."""
    for name, row in (("contact_task", contact_task), ("inbound_call", inbound_call)):
        if row is None:
            continue
        existing = Complaint.objects.open().filter(**{name: row}).first()
        if existing is not None:
            raise ValidationError(
                {name: [_("Already registered as complaint %s.") % existing.number]}
            )


def _interim_task_close(task: ContactTask, *, by: User | None, at: datetime.datetime) -> None:
    """The callback's flagged follow-up task has done its job: the complaint carries on."""
    follow_ups = ContactTask.objects.select_for_update().filter(
        kind=TaskKind.FOLLOW_UP, state__in=TASK_OPEN_STATES
    )
    follow_ups = follow_ups.filter(pk=task.pk) | follow_ups.filter(source_task_id=task.pk)
    for follow_up in follow_ups.order_by("pk"):
        follow_up.cancel(reason=CloseReason.COMPLAINT, by=by, at=at)
        follow_up.save()


def _important_escalate(complaint: Complaint, *, by: User | None, at: datetime.datetime) -> None:
    labels = "、".join(str(ImportantFlag(flag).label) for flag in complaint.important_flags)
    note = _("Important complaint (%s): reported to the manufacturer at once.") % labels
    complaint.escalate_crc()
    complaint.escalated_at = at
    complaint.save(update_fields=["escalation", "escalated_at", "updated_at"])
    _event(
        complaint, action=Action.ESCALATE_CRC, by=by, at=at, note=note, from_state=complaint.state
    )
    _notify_important(complaint, note=note)


# --- who is told --------------------------------------------------------------------------


def general_managers(dealer_id: int) -> list[User]:
    return list(User.objects.filter(role=Role.GENERAL_MANAGER, dealers=dealer_id, is_active=True))


def manufacturer_staff(dealer: Dealer, *, roles=MANUFACTURER_ROLES) -> list[User]:
    """The manufacturer's people who supervise the dealer: its CRC and its region's managers."""
    if dealer.manufacturer_id is None:
        return []
    users = User.objects.filter(
        manufacturer_id=dealer.manufacturer_id, role__in=list(roles), is_active=True
    )
    return [user for user in users if not user.region or user.region == dealer.region]


def _notice(complaint: Complaint, key: str, title: str, body: str = "") -> Notice:
    return Notice(
        key=f"complaint:{complaint.pk}:{key}",
        title=f"{complaint.dealer} · {complaint.number} {title}",
        body="\n".join(filter(None, [complaint.subject, body])),
        url=complaint.get_absolute_url(),
    )


def _notify_important(complaint: Complaint, *, note: str) -> None:
    settings = complaint_settings(complaint.dealer_id)
    dealer = complaint.dealer
    notify(
        users=[*general_managers(dealer.pk), *manufacturer_staff(dealer)],
        dealer_id=dealer.pk,
        notice=_notice(complaint, "important", _("Important complaint"), note),
        email=settings.notify_by_email,
        sms=settings.notify_by_sms,
        extra_emails=[settings.manufacturer_email] if settings.notify_by_email else [],
    )


# --- the moves ------------------------------------------------------------------------------


def complaint_actions(complaint: Complaint) -> list[str]:
    """The moves the state machine allows now, in the order a handler takes them."""
    allowed = [
        Action(transition.name)
        for transition in [
            *complaint.get_available_state_transitions(),
            *complaint.get_available_escalation_transitions(),
        ]
    ]
    return [action for action in Action.values if action in allowed]


def _refuse(complaint: Complaint, action: str) -> ValidationError:
    possible = "、".join(str(Action(a).label) for a in complaint_actions(complaint))
    message = _("“%(action)s” is not possible while the complaint is “%(state)s”.") % {
        "action": Action(action).label,
        "state": complaint.get_state_display(),
    }
    if action in ESCALATIONS and complaint.state == State.CLOSED:
        message = _("A closed complaint is not escalated; reopen it first.")
    elif action in ESCALATIONS:
        message = _("“%(action)s” is not possible: the complaint is already at “%(level)s”.") % {
            "action": Action(action).label,
            "level": complaint.get_escalation_display(),
        }
    if possible:
        message += " " + _("Possible now: %s.") % possible
    return ValidationError({"action": [message]})


def _required(fields: dict[str, Any], *names: str) -> dict[str, str]:
    """The values of `names` given with the move, each one required: a reopened complaint's
    old solution, result or root cause never stands in for new ones."""
    values, errors = {}, {}
    for name in names:
        value = str(fields.get(name) or "").strip()
        if not value:
            label = Complaint._meta.get_field(name).verbose_name
            errors[name] = [_("Write down the %s.") % label]
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def complaint_move(
    *,
    complaint: Complaint,
    action: str,
    by: User,
    note: str = "",
    at: datetime.datetime | None = None,
    **fields: Any,
) -> Complaint:
    """Take one step of the complaint's process, with its reason and what the step needs.

    fields: solution (propose), resolution (resolve), root_cause and prevention (close),
    owner (the CRC or regional owner of an escalation).
    """
    now = _now(at)
    complaint = _locked(complaint)
    if action not in Action.values or action in (Action.REGISTER, Action.ASSIGN, Action.NOTE):
        raise ValidationError({"action": [_("Unknown step.")]})
    method = getattr(complaint, action)
    if not can_proceed(method):
        raise _refuse(complaint, action)
    note = note.strip()
    if action in REASON_REQUIRED and not note:
        raise ValidationError({"note": [_("Write down why.")]})
    from_state = complaint.state
    handler = _MOVES.get(action)
    if handler is not None:
        handler(complaint, by=by, at=now, fields=fields)
    method()
    complaint.save()
    _event(complaint, action=action, by=by, at=now, note=note, from_state=from_state)
    if action in ESCALATIONS:
        _notify_escalation(complaint, action=action, note=note)
    elif action == Action.REOPEN:
        notify(
            users=_answerable(complaint),
            dealer_id=complaint.dealer_id,
            notice=_notice(complaint, f"reopen:{complaint.reopen_count}", _("Reopened"), note),
        )
    elif action == Action.CLOSE:
        # The final result is reported to the general manager (domain §6).
        notify(
            users=general_managers(complaint.dealer_id),
            dealer_id=complaint.dealer_id,
            notice=_notice(
                complaint,
                f"closed:{complaint.reopen_count}",
                _("Closed"),
                "\n".join([complaint.resolution, complaint.root_cause, complaint.prevention]),
            ),
        )
    return complaint


def _answerable(complaint: Complaint) -> list[User]:
    """Who answers for a complaint: its handler, else the dealer's CR managers."""
    if complaint.owner is not None:
        return [complaint.owner]
    return list(
        User.objects.filter(role=Role.CR_MANAGER, dealers=complaint.dealer_id, is_active=True)
    )


def _acknowledge(complaint: Complaint, *, by, at, fields) -> None:
    complaint.first_response_at = complaint.first_response_at or at
    if complaint.owner_id is None:
        complaint.owner = by


def _propose(complaint: Complaint, *, by, at, fields) -> None:
    complaint.solution = _required(fields, "solution")["solution"]


def _resolve(complaint: Complaint, *, by, at, fields) -> None:
    complaint.resolution = _required(fields, "resolution")["resolution"]
    if complaint.customer_id is None:
        raise ValidationError(
            {
                "customer": [
                    _("Link the complaint to a customer first: the follow-up call needs one.")
                ]
            }
        )
    complaint.resolved_at = at
    complaint.follow_up_task = _follow_up_task_open(complaint, at=at)


def _confirm_follow_up(complaint: Complaint, *, by, at, fields) -> None:
    task = complaint.follow_up_task
    if task is None or task.state != "done" or task.last_outcome != "reached":
        raise ValidationError(
            {"follow_up_task": [_("The follow-up call has not reached the customer yet.")]}
        )


def _close(complaint: Complaint, *, by, at, fields) -> None:
    values = _required(fields, "root_cause", "prevention")
    complaint.root_cause, complaint.prevention = values["root_cause"], values["prevention"]
    complaint.closed_at = at


def _reopen(complaint: Complaint, *, by, at, fields) -> None:
    settings = complaint_settings(complaint.dealer_id)
    complaint.reopen_count += 1
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.resolution_due = deadline_after(
        dealer_id=complaint.dealer_id, start=at, hours=settings.resolution_hours(complaint.severity)
    )
    task = complaint.follow_up_task
    if task is not None and task.state in TASK_OPEN_STATES:
        task.cancel(reason=CloseReason.MOOT, by=by, at=at)
        task.save()


def _escalate(complaint: Complaint, *, by, at, fields) -> User | None:
    owner = fields.get("owner")
    if owner is not None:
        staff = {user.pk for user in manufacturer_staff(complaint.dealer)}
        if owner.pk not in staff:
            raise ValidationError({"owner": [_("Choose someone of the dealer's manufacturer.")]})
    complaint.escalated_at = complaint.escalated_at or at
    return owner


def _escalate_crc(complaint: Complaint, *, by, at, fields) -> None:
    complaint.crc_owner = _escalate(complaint, by=by, at=at, fields=fields)


def _escalate_regional(complaint: Complaint, *, by, at, fields) -> None:
    complaint.regional_owner = _escalate(complaint, by=by, at=at, fields=fields)


def _request_on_site(complaint: Complaint, *, by, at, fields) -> None:
    owner = _escalate(complaint, by=by, at=at, fields=fields)
    complaint.regional_owner = owner or complaint.regional_owner


_MOVES = {
    Action.ACKNOWLEDGE: _acknowledge,
    Action.PROPOSE: _propose,
    Action.RESOLVE: _resolve,
    Action.CONFIRM_FOLLOW_UP: _confirm_follow_up,
    Action.CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.ESCALATE_CRC: _escalate_crc,
    Action.ESCALATE_REGIONAL: _escalate_regional,
    Action.REQUEST_ON_SITE: _request_on_site,
}


def _notify_escalation(complaint: Complaint, *, action: str, note: str) -> None:
    settings = complaint_settings(complaint.dealer_id)
    owners = [complaint.crc_owner, complaint.regional_owner]
    people = [user for user in owners if user is not None] or manufacturer_staff(complaint.dealer)
    notify(
        users=[*people, *general_managers(complaint.dealer_id)],
        dealer_id=complaint.dealer_id,
        notice=_notice(complaint, action, str(Action(action).label), note),
        email=settings.notify_by_email,
        sms=settings.notify_by_sms or action == Action.REQUEST_ON_SITE,
    )


def _follow_up_task_open(complaint: Complaint, *, at: datetime.datetime) -> ContactTask:
    """The contact center's call that confirms the customer accepts the result."""
    today = timezone.localdate(at)
    rule = CareRule.objects.filter(
        dealer_id=complaint.dealer_id, kind=TaskKind.COMPLAINT_FOLLOW_UP
    ).first()
    window_days = max(rule.window_days if rule else 2, 1)
    task, _created = ContactTask.objects.get_or_create(
        dealer_id=complaint.dealer_id,
        kind=TaskKind.COMPLAINT_FOLLOW_UP,
        source_key=f"complaint:{complaint.pk}:{complaint.reopen_count}",
        defaults={
            "customer_id": complaint.customer_id,
            "vehicle_id": complaint.vehicle_id,
            "source_visit_id": complaint.service_visit_id,
            "priority": 1,
            "due_from": today,
            "due_until": today + datetime.timedelta(days=window_days - 1),
            "subject": f"{complaint.number} {complaint.subject}"[:200],
        },
    )
    return task


@transaction.atomic
def complaint_follow_up_recorded(*, task: ContactTask, by: User, at: datetime.datetime) -> None:
    """The contact center reached the customer on a complaint's follow-up call: a satisfied
    customer confirms the follow-up, an unhappy one reopens the complaint."""
    complaint = Complaint.objects.select_for_update().filter(follow_up_task=task).first()
    if complaint is None or complaint.state != State.RESOLVED:
        return
    from dcrc.care.choices import Satisfaction

    if task.satisfaction in Satisfaction.unhappy() or task.problems:
        complaint_move(
            complaint=complaint,
            action=Action.REOPEN,
            by=by,
            at=at,
            note=_("Follow-up call: the customer is not satisfied (%s).")
            % task.get_satisfaction_display(),
        )
    else:
        complaint_move(
            complaint=complaint,
            action=Action.CONFIRM_FOLLOW_UP,
            by=by,
            at=at,
            note=_("Follow-up call: the customer accepts the result."),
        )


@transaction.atomic
def complaint_assign(*, complaint: Complaint, owner: User, by: User, note: str = "") -> Complaint:
    complaint = _locked(complaint)
    if complaint.dealer_id not in owner.dealer_ids or owner.role in MANUFACTURER_ROLES:
        raise ValidationError({"owner": [_("This person does not work for the dealer.")]})
    complaint.owner = owner
    complaint.save(update_fields=["owner", "updated_at"])
    event = _event(
        complaint,
        action=Action.ASSIGN,
        by=by,
        at=timezone.now(),
        note=note or str(owner),
        from_state=complaint.state,
    )
    notify(
        users=[owner],
        dealer_id=complaint.dealer_id,
        notice=_notice(complaint, f"assign:{event.pk}", _("Assigned to you")),
        email=False,
    )
    return complaint


@transaction.atomic
def complaint_customer_link(
    *, complaint: Complaint, customer: Customer, by: User, vehicle: Vehicle | None = None
) -> Complaint:
    """Link a complaint taken from a caller not yet found to the archive customer (and car)."""
    complaint = _locked(complaint)
    if complaint.state == State.CLOSED:
        raise ValidationError({"customer": [_("A closed complaint cannot be edited; reopen it.")]})
    _links_check(
        dealer=complaint.dealer,
        customer=customer,
        vehicle=vehicle,
        inbound_call=None,
        contact_task=None,
        service_visit=None,
        owner=None,
    )
    complaint.customer, complaint.vehicle = customer, vehicle or complaint.vehicle
    if complaint.vehicle is not None and complaint.vehicle.owner_id != customer.pk:
        complaint.vehicle = None
    complaint.save(update_fields=["customer", "vehicle", "updated_at"])
    _event(
        complaint,
        action=Action.NOTE,
        by=by,
        at=timezone.now(),
        note=_("Linked to the customer %s.") % customer.name,
        from_state=complaint.state,
    )
    return complaint


@transaction.atomic
def complaint_note_add(*, complaint: Complaint, by: User, note: str) -> ComplaintEvent:
    if not note.strip():
        raise ValidationError({"note": [_("The note is empty.")]})
    return _event(
        complaint,
        action=Action.NOTE,
        by=by,
        at=timezone.now(),
        note=note.strip(),
        from_state=complaint.state,
    )


@transaction.atomic
def complaint_update(*, complaint: Complaint, by: User, **fields: Any) -> Complaint:
    """Correct the intake details (category, department, severity, flags, texts). A change of
    severity moves the resolution deadline; a new important flag escalates at once."""
    complaint = _locked(complaint)
    if complaint.state == State.CLOSED:
        raise ValidationError({"state": [_("A closed complaint cannot be edited; reopen it.")]})
    settings = complaint_settings(complaint.dealer_id)
    editable = {
        "category",
        "department",
        "severity",
        "typical_case",
        "subject",
        "description",
        "customer_demand",
        "repair_order_no",
        "loss_amount",
        "important_flags",
    }
    for name, value in fields.items():
        if name not in editable:
            raise ValidationError({name: [_("This field cannot be changed here.")]})
        setattr(complaint, name, value)
    complaint.important_flags = _important_flags(
        list(complaint.important_flags), complaint.loss_amount, settings
    )
    if "severity" in fields:
        reopened = (
            complaint.events.filter(action=Action.REOPEN)
            .order_by("-at")
            .values_list("at", flat=True)
        ).first()
        complaint.resolution_due = deadline_after(
            dealer_id=complaint.dealer_id,
            start=reopened or complaint.registered_at,
            hours=settings.resolution_hours(complaint.severity),
        )
    became_important = bool(complaint.important_flags) and not complaint.is_important
    # Importance follows its reasons; an escalation already made stays on record.
    complaint.is_important = bool(complaint.important_flags)
    complaint.full_clean(exclude=["dealer", "customer", "vehicle", "owner"])
    complaint.save()
    _event(
        complaint,
        action=Action.NOTE,
        by=by,
        at=timezone.now(),
        note=_("Details corrected: %s") % ", ".join(sorted(fields)),
        from_state=complaint.state,
    )
    if became_important:
        if complaint.escalation == Escalation.NONE:
            _important_escalate(complaint, by=by, at=timezone.now())
        else:
            _notify_important(complaint, note="")
    return complaint


# --- deadlines ------------------------------------------------------------------------------


def complaints_overdue_notify(*, now: datetime.datetime | None = None) -> int:
    """Tell each newly overdue complaint's owner (or, without one, the dealer's CR managers).
    Runs every minute from the scheduler; each deadline is told once and only complaints that
    became overdue since the last run are read."""
    now = _now(now)
    told = 0
    overdue = Complaint.objects.overdue_untold(now).select_related("owner", "dealer")
    for complaint in overdue.order_by("pk")[:500]:
        deadlines = []
        if complaint.first_response_at is None and complaint.first_response_due < now:
            deadlines.append((_("first response overdue"), complaint.first_response_due))
        if complaint.state in choices.ACTIVE_STATES and complaint.resolution_due < now:
            deadlines.append((_("resolution overdue"), complaint.resolution_due))
        already = complaint.overdue_told_for
        deadlines = [(kind, due) for kind, due in deadlines if already is None or already < due]
        if not deadlines:
            continue
        people = _answerable(complaint)
        with transaction.atomic():
            for kind, due in deadlines:
                notice = _notice(
                    complaint,
                    f"overdue:{due:%Y%m%d%H%M}",
                    kind,
                    _("Due %s") % timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                )
                told += len(notify(users=people, dealer_id=complaint.dealer_id, notice=notice))
            last = max(due for _kind, due in deadlines)
            Complaint.objects.filter(pk=complaint.pk).update(overdue_told_for=last)
    return told
