"""Appointments (预约): booking against the slot capacity, changes, cancellation, no-shows,
the reminder call the day before, and the arrival when reception opens the repair order.

Capacity: the dealer's ServiceSettings split each day into slots (opens_at … closes_at, every
`slot_minutes`); a slot takes `slot_capacity` vehicles, all stations together, and a station at
most its `bays` vehicles. Booked and arrived appointments hold a place; cancelled and no-shows
free it. Every write that takes a place locks the dealer's ServiceSettings row first
(SELECT … FOR UPDATE), so two bookings of the last place cannot both succeed.

Each service is one transaction and answers a bad input with ValidationError, a message per
field (Chinese in the UI).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dcrc.care.choices import Channel, CloseReason, TaskKind, TaskState
from dcrc.care.models import ContactTask
from dcrc.core.models import Dealer, User
from dcrc.core.services import sequence_next
from dcrc.customers.choices import ContactPreference, VisitType
from dcrc.customers.models import Vehicle
from dcrc.parts.choices import OPEN_RESERVATION_STATES

from .choices import AppointmentSource, AppointmentState, ReminderMethod
from .models import Appointment, RepairOrder, ServiceSettings, Station

# Booked and arrived appointments hold their place in the slot.
HOLDING_STATES = (AppointmentState.BOOKED, AppointmentState.ARRIVED)
# A booking not arrived this long after its time is a no-show.
NO_SHOW_GRACE = datetime.timedelta(hours=2)
# nearest_free_slot looks this many days ahead at most.
SEARCH_DAYS = 14
# The fields appointment_change may change.
CHANGE_FIELDS = (
    "scheduled_at",
    "station",
    "advisor",
    "requested_work",
    "visit_type",
    "reminder_method",
    "estimate_amount",
    "expected_parts",
    "contact_name",
    "contact_phone",
    "remarks",
)
# The reminder kinds whose call may end in a booking (the DCRC workbench's one click).
REMINDER_TASK_KINDS = (
    TaskKind.FIRST_MAINTENANCE,
    TaskKind.MAINTENANCE,
    TaskKind.INSPECTION,
    TaskKind.WARRANTY_EXPIRY,
    TaskKind.INSURANCE_RENEWAL,
    TaskKind.RECALL,
    TaskKind.RETENTION,
    TaskKind.EVENT_INVITATION,
)
TASK_VISIT_TYPES = {
    TaskKind.FIRST_MAINTENANCE: VisitType.FIRST_MAINTENANCE,
    TaskKind.MAINTENANCE: VisitType.PERIODIC_MAINTENANCE,
}


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


# --- settings and slots ----------------------------------------------------------------


def service_settings(dealer_id: int) -> ServiceSettings:
    """The dealer's booking settings, created with the defaults on first use."""
    settings, _created = ServiceSettings.objects.get_or_create(dealer_id=dealer_id)
    return settings


def _settings_locked(dealer_id: int) -> ServiceSettings:
    """The settings row, locked until the transaction ends: bookings of a dealer queue here."""
    service_settings(dealer_id)
    return ServiceSettings.objects.select_for_update().get(dealer_id=dealer_id)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day as an aware [start, end) range."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def on_day(queryset: QuerySet, day: datetime.date) -> QuerySet:
    start, end = day_bounds(day)
    return queryset.filter(scheduled_at__gte=start, scheduled_at__lt=end)


def slot_starts(settings: ServiceSettings, day: datetime.date) -> list[datetime.datetime]:
    """The start of every slot of `day`: opens_at, then every slot_minutes before closes_at."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, settings.opens_at, tzinfo=tz)
    end = datetime.datetime.combine(day, settings.closes_at, tzinfo=tz)
    step = datetime.timedelta(minutes=settings.slot_minutes)
    starts = []
    while start < end:
        starts.append(start)
        start += step
    return starts


def slot_of(settings: ServiceSettings, at: datetime.datetime) -> datetime.datetime | None:
    """The start of the slot `at` falls in; None outside the opening hours."""
    local = timezone.localtime(at)
    tz = timezone.get_current_timezone()
    opens = datetime.datetime.combine(local.date(), settings.opens_at, tzinfo=tz)
    closes = datetime.datetime.combine(local.date(), settings.closes_at, tzinfo=tz)
    if not opens <= local < closes:
        return None
    minutes = int((local - opens).total_seconds() // 60)
    return opens + datetime.timedelta(minutes=minutes - minutes % settings.slot_minutes)


@dataclass
class Slot:
    """One time slot of a day: how many places it has and how many are taken."""

    start: datetime.datetime
    end: datetime.datetime
    capacity: int
    taken: int
    past: bool
    # With a station: its bays and its bookings in this slot.
    station_capacity: int | None = None
    station_taken: int = 0

    @property
    def free(self) -> int:
        free = max(0, self.capacity - self.taken)
        if self.station_capacity is not None:
            free = min(free, max(0, self.station_capacity - self.station_taken))
        return free

    @property
    def bookable(self) -> bool:
        return self.free > 0 and not self.past

    @property
    def percent(self) -> int:
        if not self.capacity:
            return 100
        return min(100, round(100 * self.taken / self.capacity))

    @property
    def key(self) -> str:
        return timezone.localtime(self.start).strftime("%Y-%m-%dT%H:%M")


def _taken(dealer_id: int, day: datetime.date, exclude_pk: int | None = None) -> list[tuple]:
    rows = on_day(
        Appointment.objects.filter(dealer_id=dealer_id, state__in=HOLDING_STATES), day
    ).order_by()
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return list(rows.values_list("scheduled_at", "station_id"))


def appointment_slots(
    *,
    dealer: Dealer,
    day: datetime.date,
    station: Station | None = None,
    now: datetime.datetime | None = None,
    exclude: Appointment | None = None,
    settings: ServiceSettings | None = None,
) -> list[Slot]:
    """The slots of `day` with free and taken places (of `station` too, when given); two queries.

    `exclude`: an appointment being moved does not hold its own place."""
    settings = settings or service_settings(dealer.pk)
    now = _now(now)
    taken: dict[datetime.datetime, list[int | None]] = {}
    for at, station_id in _taken(dealer.pk, day, exclude.pk if exclude else None):
        start = slot_of(settings, at)
        if start is not None:
            taken.setdefault(start, []).append(station_id)
    step = datetime.timedelta(minutes=settings.slot_minutes)
    slots = []
    for start in slot_starts(settings, day):
        held = taken.get(start, [])
        slots.append(
            Slot(
                start=start,
                end=start + step,
                capacity=settings.slot_capacity,
                taken=len(held),
                past=start <= now,
                station_capacity=station.bays if station is not None else None,
                station_taken=sum(1 for s in held if station is not None and s == station.pk),
            )
        )
    return slots


def nearest_free_slot(
    *,
    dealer: Dealer,
    after: datetime.datetime | None = None,
    station: Station | None = None,
    days: int = SEARCH_DAYS,
) -> datetime.datetime | None:
    """The first bookable slot starting at or after `after` (now), within `days` days."""
    after = _now(after)
    settings = service_settings(dealer.pk)
    first_day = timezone.localdate(after)
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        for slot in appointment_slots(
            dealer=dealer, day=day, station=station, now=after, settings=settings
        ):
            if slot.bookable and slot.start >= after:
                return slot.start
    return None


def _capacity_errors(
    *,
    settings: ServiceSettings,
    scheduled_at: datetime.datetime,
    station: Station | None,
    exclude_pk: int | None,
    now: datetime.datetime,
) -> dict[str, list[str]]:
    if scheduled_at <= now:
        return {"scheduled_at": [_("The appointment must be in the future.")]}
    start = slot_of(settings, scheduled_at)
    if start is None:
        return {
            "scheduled_at": [
                _("Appointments are taken from %(opens)s to %(closes)s.")
                % {
                    "opens": settings.opens_at.strftime("%H:%M"),
                    "closes": settings.closes_at.strftime("%H:%M"),
                }
            ]
        }
    held = [
        station_id
        for at, station_id in _taken(settings.dealer_id, start.date(), exclude_pk)
        if slot_of(settings, at) == start
    ]
    label = timezone.localtime(start).strftime("%m-%d %H:%M")
    if len(held) >= settings.slot_capacity:
        return {
            "scheduled_at": [
                _("The %(slot)s slot is full (%(capacity)s places). Choose another time.")
                % {"slot": label, "capacity": settings.slot_capacity}
            ]
        }
    if station is not None and sum(1 for s in held if s == station.pk) >= station.bays:
        return {
            "station": [
                _("%(station)s is fully booked at %(slot)s (%(bays)s bays).")
                % {"station": station.name, "slot": label, "bays": station.bays}
            ]
        }
    return {}


# --- booking -----------------------------------------------------------------------------


def _field_errors(
    *,
    dealer_id: int,
    values: dict[str, Any],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not str(values.get("requested_work") or "").strip():
        errors["requested_work"] = [_("Write down the work the customer asks for.")]
    if values.get("reminder_method") not in ReminderMethod.values:
        errors["reminder_method"] = [_("Choose a reminder method.")]
    visit_type = values.get("visit_type") or ""
    if visit_type and visit_type not in VisitType.values:
        errors["visit_type"] = [_("Choose a visit type.")]
    estimate = values.get("estimate_amount")
    if estimate is None or estimate < 0:
        errors["estimate_amount"] = [_("The amount cannot be negative.")]
    station = values.get("station")
    if station is not None and (station.dealer_id != dealer_id or not station.active):
        errors["station"] = [_("Choose an active station of this dealer.")]
    advisor = values.get("advisor")
    if advisor is not None and dealer_id not in advisor.dealer_ids:
        errors["advisor"] = [_("Choose a service advisor of this dealer.")]
    return errors


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.strip() if isinstance(value, str) else value for key, value in values.items()
    }


@transaction.atomic
def appointment_book(
    *,
    vehicle: Vehicle,
    by: User,
    scheduled_at: datetime.datetime,
    requested_work: str,
    source_task: ContactTask | None = None,
    station: Station | None = None,
    advisor: User | None = None,
    reminder_method: str = ReminderMethod.PHONE,
    visit_type: str = "",
    estimate_amount: Decimal = Decimal("0"),
    expected_parts: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    remarks: str = "",
    at: datetime.datetime | None = None,
) -> Appointment:
    """Book a visit of `vehicle` at `scheduled_at`.

    Proactive when it comes from a reminder call (`source_task`, whose appointment time is
    then recorded for the reminder → appointment figures), customer-initiated otherwise.
    Refused when the slot or the station is full, outside the opening hours, in the past, or
    when the vehicle already has a booking waiting. A booking for tomorrow gets its reminder
    call at once; later ones get it from appointment_reminders_plan the day before.
    """
    now = _now(at)
    customer = vehicle.owner
    values = _clean(
        {
            "requested_work": requested_work,
            "reminder_method": reminder_method,
            "visit_type": visit_type,
            "estimate_amount": estimate_amount,
            "station": station,
            "advisor": advisor,
            "expected_parts": expected_parts,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "remarks": remarks,
        }
    )
    errors = _field_errors(dealer_id=vehicle.dealer_id, values=values)
    if source_task is not None and (
        source_task.dealer_id != vehicle.dealer_id
        or (source_task.vehicle_id or vehicle.pk) != vehicle.pk
        or source_task.customer_id != customer.pk
    ):
        errors["source_task"] = [_("The reminder is about another vehicle.")]
    settings = _settings_locked(vehicle.dealer_id)
    if not errors:
        errors = _capacity_errors(
            settings=settings, scheduled_at=scheduled_at, station=station, exclude_pk=None, now=now
        )
    waiting = (
        Appointment.objects.filter(vehicle=vehicle, state=AppointmentState.BOOKED)
        .filter(scheduled_at__gte=now - NO_SHOW_GRACE)
        .first()
    )
    if waiting is not None:
        errors["vehicle"] = [
            _("This vehicle is already booked for %(at)s (%(number)s): change that booking.")
            % {
                "at": timezone.localtime(waiting.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                "number": waiting.number,
            }
        ]
    if errors:
        raise ValidationError(errors)
    number = sequence_next(dealer=Dealer(pk=vehicle.dealer_id), name="appointment")[0]
    appointment = Appointment.objects.create(
        dealer_id=vehicle.dealer_id,
        number=f"AP{timezone.localdate(now):%y%m}{number:05d}",
        customer=customer,
        vehicle=vehicle,
        source=AppointmentSource.PROACTIVE if source_task else AppointmentSource.CUSTOMER,
        source_task=source_task,
        scheduled_at=scheduled_at,
        accepted_by=by,
        accepted_at=now,
        **{
            **values,
            "contact_name": values["contact_name"] or customer.name[:50],
            "contact_phone": values["contact_phone"] or customer.mobile,
        },
    )
    if source_task is not None and source_task.appointment_at != scheduled_at:
        ContactTask.objects.filter(pk=source_task.pk).update(appointment_at=scheduled_at)
        source_task.appointment_at = scheduled_at
    _reminder_if_tomorrow(appointment, now)
    return appointment


def _booked_locked(appointment: Appointment) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update().select_related("vehicle").get(pk=appointment.pk)
    )
    if appointment.state != AppointmentState.BOOKED:
        raise ValidationError(
            {
                "state": [
                    _("The appointment is “%(state)s”: it can no longer change.")
                    % {"state": appointment.get_state_display()}
                ]
            }
        )
    return appointment


@transaction.atomic
def appointment_change(
    *, appointment: Appointment, by: User, at=None, **fields: Any
) -> Appointment:
    """Change a waiting booking: its time (a reschedule), station, advisor, work, contact.

    A new time or station takes a place like a new booking; the reminder follows the time.
    """
    now = _now(at)
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise TypeError(f"unknown appointment fields: {sorted(unknown)}")
    settings = _settings_locked(appointment.dealer_id)
    appointment = _booked_locked(appointment)
    values = _clean({name: getattr(appointment, name) for name in CHANGE_FIELDS} | fields)
    errors = _field_errors(dealer_id=appointment.dealer_id, values=values)
    moved = values["scheduled_at"] != appointment.scheduled_at
    restationed = (values["station"] and values["station"].pk) != appointment.station_id
    if not errors and (moved or restationed):
        errors = _capacity_errors(
            settings=settings,
            scheduled_at=values["scheduled_at"],
            station=values["station"],
            exclude_pk=appointment.pk,
            now=now,
        )
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(appointment, name, value)
    appointment.save()
    if moved:
        _reminder_drop(appointment, now, by=by)
        if appointment.source_task_id:
            ContactTask.objects.filter(pk=appointment.source_task_id).update(
                appointment_at=appointment.scheduled_at
            )
        _reminder_if_tomorrow(appointment, now)
    elif values["reminder_method"] == ReminderMethod.NONE:
        _reminder_drop(appointment, now, by=by)
    return appointment


def appointment_reschedule(
    *, appointment: Appointment, by: User, scheduled_at: datetime.datetime, at=None, **fields
) -> Appointment:
    """Move a booking to another time (and optionally station): appointment_change."""
    return appointment_change(
        appointment=appointment, by=by, at=at, scheduled_at=scheduled_at, **fields
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, by: User, reason: str, at: datetime.datetime | None = None
) -> Appointment:
    """Cancel a waiting booking, with the reason; its place and its reminder call go."""
    now = _now(at)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": [_("Say why the appointment is cancelled.")]})
    appointment = _booked_locked(appointment)
    appointment.state = AppointmentState.CANCELLED
    appointment.cancel_reason = reason[:200]
    appointment.save(update_fields=["state", "cancel_reason", "updated_at"])
    _reminder_drop(appointment, now, by=by)
    # The parts put aside for the visit go back to free stock.
    from dcrc.parts.stock import reservation_release

    for reservation in appointment.reservations.filter(state__in=OPEN_RESERVATION_STATES):
        reservation_release(reservation=reservation, by=by)
    return appointment


@transaction.atomic
def appointment_arrived(
    *, appointment: Appointment, order: RepairOrder, at: datetime.datetime | None = None
) -> Appointment:
    """The car came: reception opened `order` from this appointment. Idempotent.

    Reception calls it after repair_order_open(appointment=…); a customer marked no-show who
    turns up late counts as arrived too. The reminder call, if still open, is no longer needed.
    """
    now = _now(at)
    if order.appointment_id not in (None, appointment.pk) or order.vehicle_id != (
        appointment.vehicle_id
    ):
        raise ValidationError({"appointment": [_("The appointment is for another vehicle.")]})
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.state == AppointmentState.CANCELLED:
        raise ValidationError({"appointment": [_("This appointment was cancelled.")]})
    if appointment.state != AppointmentState.ARRIVED:
        appointment.state = AppointmentState.ARRIVED
        appointment.save(update_fields=["state", "updated_at"])
    _reminder_drop(appointment, now, by=None)
    return appointment


def appointments_no_show_mark(*, now: datetime.datetime | None = None) -> int:
    """Mark as no-show every booking whose time is NO_SHOW_GRACE past without the car.

    One UPDATE over every dealer; idempotent (a marked booking is no longer "booked").
    """
    now = _now(now)
    opened = RepairOrder.objects.filter(appointment_id__isnull=False).values("appointment_id")
    late = Appointment.objects.filter(
        state=AppointmentState.BOOKED, scheduled_at__lt=now - NO_SHOW_GRACE
    ).exclude(pk__in=opened)
    return late.update(state=AppointmentState.NO_SHOW, updated_at=now)


# --- the reminder the day before ------------------------------------------------------------


def _reminder_drop(appointment: Appointment, now: datetime.datetime, *, by: User | None) -> None:
    """Cancel the open reminder call of an appointment that moved, was cancelled or arrived."""
    if appointment.reminder_task_id is None:
        return
    ContactTask.objects.filter(
        pk=appointment.reminder_task_id, state__in=(TaskState.OPEN, TaskState.IN_PROGRESS)
    ).update(
        state=TaskState.CANCELLED,
        close_reason=CloseReason.MOOT,
        closed_at=now,
        closed_by=by,
        claimed_by=None,
        next_attempt_at=None,
    )
    Appointment.objects.filter(pk=appointment.pk).update(reminder_task=None)
    appointment.reminder_task = None


def _reminder_if_tomorrow(appointment: Appointment, now: datetime.datetime) -> None:
    today = timezone.localdate(now)
    if timezone.localdate(appointment.scheduled_at) == today + datetime.timedelta(days=1):
        _reminder_ensure(appointment, today=today, now=now)


def _reminder_ensure(
    appointment: Appointment, *, today: datetime.date, now: datetime.datetime
) -> ContactTask | None:
    """The reminder call (or SMS) of one appointment, created once per appointment and day."""
    if appointment.reminder_task_id is not None:
        return appointment.reminder_task
    preference = appointment.customer.contact_preference
    if appointment.reminder_method == ReminderMethod.NONE or preference == ContactPreference.NONE:
        return None
    sms = appointment.reminder_method == ReminderMethod.SMS or preference == ContactPreference.SMS
    day = timezone.localdate(appointment.scheduled_at)
    source = appointment.source_task
    with translation.override("zh-hans"):
        subject = _("Appointment %(time)s: %(work)s") % {
            "time": timezone.localtime(appointment.scheduled_at).strftime("%m-%d %H:%M"),
            "work": appointment.requested_work,
        }
    task, _created = ContactTask.objects.get_or_create(
        dealer_id=appointment.dealer_id,
        kind=TaskKind.APPOINTMENT_REMINDER,
        source_key=f"appointment:{appointment.pk}:{day.isoformat()}",
        defaults={
            "customer_id": appointment.customer_id,
            "vehicle_id": appointment.vehicle_id,
            "source_task": source,
            "channel": Channel.SMS if sms else Channel.PHONE,
            "priority": 1,
            "due_from": min(today, day),
            "due_until": day,
            "due_date": day,
            "appointment_at": appointment.scheduled_at,
            "subject": subject[:200],
            "assignee_id": source.assignee_id if source else None,
            "created_at": now,
        },
    )
    Appointment.objects.filter(pk=appointment.pk).update(reminder_task=task)
    appointment.reminder_task = task
    return task


def appointment_reminders_plan(*, dealer: Dealer, today: datetime.date | None = None) -> int:
    """The day-before reminder calls: one care task (APPOINTMENT_REMINDER) per booking of
    tomorrow that has none yet. Idempotent; returns how many were created."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    tomorrow = today + datetime.timedelta(days=1)
    waiting = on_day(
        Appointment.objects.filter(
            dealer=dealer, state=AppointmentState.BOOKED, reminder_task__isnull=True
        )
        .exclude(reminder_method=ReminderMethod.NONE)
        .select_related("customer", "source_task"),
        tomorrow,
    )
    created = 0
    for appointment in waiting:
        with transaction.atomic():
            if _reminder_ensure(appointment, today=today, now=now) is not None:
                created += 1
    return created


def appointments_daily(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The appointments' part of the scheduler tick: no-shows every time, and tomorrow's
    reminders of every dealer (cheap when already planned: one indexed query per dealer)."""
    now = _now(now)
    today = timezone.localdate(now)
    reminders = sum(
        appointment_reminders_plan(dealer=dealer, today=today)
        for dealer in Dealer.objects.order_by("pk")
    )
    return {"no_shows": appointments_no_show_mark(now=now), "reminders": reminders}


# --- from the DCRC workbench ----------------------------------------------------------------


def task_vehicle(task: ContactTask) -> Vehicle | None:
    """The vehicle a reminder is about: its own, or the customer's only one."""
    if task.vehicle_id is not None:
        return task.vehicle
    vehicles = list(Vehicle.objects.filter(owner_id=task.customer_id).order_by("pk")[:2])
    return vehicles[0] if len(vehicles) == 1 else None


def task_requested_work(task: ContactTask) -> str:
    visit_type = TASK_VISIT_TYPES.get(task.kind)
    with translation.override("zh-hans"):
        label = str(VisitType(visit_type).label if visit_type else TaskKind(task.kind).label)
    return (f"{label}：{task.subject}" if task.subject else label)[:300]


@transaction.atomic
def appointment_from_call(
    *,
    task: ContactTask,
    by: User,
    scheduled_at: datetime.datetime,
    at: datetime.datetime | None = None,
) -> Appointment | None:
    """The one-click booking of the workbench: a reached reminder call with an appointment
    time books (or moves) the real appointment, prefilled from the task.

    The reminder call care made for it (source key "task:<id>") becomes the appointment's
    reminder. Errors are the booking's, on the call form's `appointment_at` field. Tasks about
    no particular vehicle (a customer with several cars) book nothing: the agent uses the
    booking form.
    """
    vehicle = task_vehicle(task)
    if vehicle is None:
        return None
    existing = (
        Appointment.objects.filter(source_task=task, state=AppointmentState.BOOKED)
        .order_by("-pk")
        .first()
    )
    try:
        if existing is not None:
            appointment = appointment_change(
                appointment=existing, by=by, at=at, scheduled_at=scheduled_at
            )
        else:
            appointment = appointment_book(
                vehicle=vehicle,
                by=by,
                scheduled_at=scheduled_at,
                requested_work=task_requested_work(task),
                visit_type=TASK_VISIT_TYPES.get(task.kind, ""),
                source_task=task,
                at=at,
            )
    except ValidationError as error:
        messages = [message for messages in error.message_dict.values() for message in messages]
        raise ValidationError({"appointment_at": messages}) from None
    reminder = ContactTask.objects.filter(
        dealer_id=task.dealer_id,
        kind=TaskKind.APPOINTMENT_REMINDER,
        source_key=f"task:{task.pk}",
        state__in=(TaskState.OPEN, TaskState.IN_PROGRESS),
    ).first()
    if reminder is not None and appointment.reminder_task_id != reminder.pk:
        # The booking's own reminder is not needed: never dialled, it goes; else it closes.
        if appointment.reminder_task_id is not None:
            ContactTask.objects.filter(pk=appointment.reminder_task_id, attempt_count=0).exclude(
                source_key=reminder.source_key
            ).delete()
            appointment.refresh_from_db(fields=["reminder_task"])
        _reminder_drop(appointment, _now(at), by=by)
        Appointment.objects.filter(pk=appointment.pk).update(reminder_task=reminder)
        appointment.reminder_task = reminder
    return appointment


# --- reads ------------------------------------------------------------------------------------


def appointments_for_user(user: User, dealer: Dealer | None = None) -> QuerySet:
    return Appointment.objects.for_user(user, dealer).select_related(
        "dealer", "customer", "vehicle", "station", "advisor", "accepted_by"
    )


def appointment_for_user(*, user: User, pk: int) -> Appointment:
    """One appointment the user may see; DoesNotExist otherwise (another dealer's too)."""
    return appointments_for_user(user).select_related("source_task", "reminder_task").get(pk=pk)


def appointment_day_book(
    *,
    user: User,
    dealer: Dealer,
    day: datetime.date,
    state: str = "",
    advisor_id: int | None = None,
    now: datetime.datetime | None = None,
) -> tuple[list[Slot], dict[str, int], QuerySet]:
    """The day's slots with their capacity, the day's counts per state, and the appointments
    matching the filters (a queryset for the page)."""
    settings = service_settings(dealer.pk)
    slots = appointment_slots(dealer=dealer, day=day, now=now, settings=settings)
    day_rows = on_day(appointments_for_user(user, dealer), day)
    counts = {value: 0 for value in AppointmentState.values}
    for value, count in _state_counts(day_rows):
        counts[value] = count
    rows = day_rows
    if state:
        rows = rows.filter(state=state)
    if advisor_id:
        rows = rows.filter(advisor_id=advisor_id)
    return slots, counts, rows.order_by("scheduled_at", "pk")


def _state_counts(rows: QuerySet):
    return rows.order_by().values_list("state").annotate(n=Count("pk"))


def no_shows_for_user(
    *, user: User, dealer: Dealer | None, since: datetime.date | None = None
) -> QuerySet:
    rows = appointments_for_user(user, dealer).filter(state=AppointmentState.NO_SHOW)
    if since is not None:
        rows = rows.filter(scheduled_at__gte=day_bounds(since)[0])
    return rows.order_by("-scheduled_at", "-pk")


@transaction.atomic
def service_settings_update(*, dealer: Dealer, by: User, **fields: Any) -> ServiceSettings:
    """Opening hours, slot length and capacity per slot of the dealer's bookings."""
    allowed = {"opens_at", "closes_at", "slot_minutes", "slot_capacity"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    settings = _settings_locked(dealer.pk)
    values = {name: getattr(settings, name) for name in allowed} | fields
    errors: dict[str, list[str]] = {}
    if values["opens_at"] is None:
        errors["opens_at"] = [_("Enter a time.")]
    if values["closes_at"] is None:
        errors["closes_at"] = [_("Enter a time.")]
    elif values["opens_at"] is not None and values["closes_at"] <= values["opens_at"]:
        errors["closes_at"] = [_("The last appointment must be after the first.")]
    if values["slot_minutes"] is None or not 10 <= values["slot_minutes"] <= 240:
        errors["slot_minutes"] = [_("A slot lasts 10 to 240 minutes.")]
    if values["slot_capacity"] is None or not 1 <= values["slot_capacity"] <= 100:
        errors["slot_capacity"] = [_("A slot takes 1 to 100 vehicles.")]
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def dealer_advisors(*, dealer_id: int) -> QuerySet:
    """The dealer's service advisors (and service managers), for pickers and filters."""
    from dcrc.core.choices import Role

    return (
        User.objects.filter(
            dealers=dealer_id,
            role__in=[Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER],
            is_active=True,
        )
        .distinct()
        .order_by("role", "display_name", "username")
    )
