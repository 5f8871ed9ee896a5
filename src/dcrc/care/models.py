"""The contact center (domain §4, §5): rules, the contact plan, call attempts, hotline and SMS."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from dcrc.core.tenancy import DealerOwned, DealerScopedQuerySet

from . import choices
from .choices import TaskKind, TaskState


def default_call_windows() -> list[list[str]]:
    return [["09:00", "11:30"], ["14:00", "19:00"]]


class CareSettings(models.Model):
    """How a dealer's DCRC works: call windows, attempts, SMS limits (one row per dealer)."""

    dealer = models.OneToOneField(
        "core.Dealer", on_delete=models.CASCADE, primary_key=True, related_name="care_settings"
    )
    call_windows = models.JSONField(
        _("call windows"),
        default=default_call_windows,
        help_text=_('Times when customers may be called, e.g. [["09:00", "11:30"], ...].'),
    )
    office_hours_start = models.TimeField(_("office hours start"), default=datetime.time(9))
    office_hours_end = models.TimeField(_("office hours end"), default=datetime.time(17, 30))
    max_attempts = models.PositiveSmallIntegerField(_("attempts before giving up"), default=3)
    sms_fallback = models.BooleanField(
        _("send an SMS when a customer cannot be reached"), default=True
    )
    default_daily_km = models.PositiveIntegerField(
        _("daily distance when a vehicle has no history (km)"), default=40
    )
    reply_deadline_hours = models.PositiveSmallIntegerField(
        _("hotline reply deadline (hours)"), default=24
    )
    sms_quiet_start = models.TimeField(_("SMS quiet hours start"), default=datetime.time(21))
    sms_quiet_end = models.TimeField(_("SMS quiet hours end"), default=datetime.time(8))
    sms_rate_per_minute = models.PositiveIntegerField(_("SMS per minute at most"), default=60)
    sms_signature = models.CharField(_("SMS signature"), max_length=20, blank=True)
    # The planner re-plans everything after a change of the settings, schedules or rules.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The reminder → arrival conversion counts a visit up to this many days after the
    # appointment (or after the reminder when no appointment was booked).
    arrival_window_days = models.PositiveSmallIntegerField(
        _("a visit counts as an arrival within (days)"), default=30
    )

    class Meta:
        verbose_name = _("contact-center settings")
        verbose_name_plural = _("contact-center settings")

    def __str__(self) -> str:
        return str(self.dealer)


class CareRule(DealerOwned):
    """When one kind of contact task is due, how urgent it is and what the agent says.

    A task becomes due `offset_days` after its event (a release, a purchase) or `lead_days`
    before it (an expiry, a maintenance date), and stays in its due window `window_days`.
    """

    kind = models.CharField(_("task type"), max_length=30, choices=TaskKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    offset_days = models.PositiveSmallIntegerField(_("days after the event"), default=0)
    lead_days = models.PositiveSmallIntegerField(_("days before the due date"), default=0)
    window_days = models.PositiveSmallIntegerField(_("due window (days)"), default=3)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=3, help_text=_("1 is the most urgent, 5 the least.")
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=choices.Channel.choices, default=choices.Channel.PHONE
    )
    call_on_holidays = models.BooleanField(_("call on public holidays"), default=False)
    script = models.TextField(_("script"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact rule")
        verbose_name_plural = _("contact rules")
        ordering = ["dealer", "priority", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "kind"], name="care_rule_kind"),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=5), name="care_rule_priority"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class MaintenanceSchedule(DealerOwned):
    """Maintenance intervals by date and mileage; blank brand/series means "any"."""

    brand = models.CharField(_("brand"), max_length=30, blank=True)
    series = models.CharField(_("series"), max_length=50, blank=True)
    first_km = models.PositiveIntegerField(_("first service at (km)"), default=5000)
    first_months = models.PositiveSmallIntegerField(_("first service at (months)"), default=6)
    interval_km = models.PositiveIntegerField(_("then every (km)"), default=10000)
    interval_months = models.PositiveSmallIntegerField(_("then every (months)"), default=12)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("maintenance schedule")
        verbose_name_plural = _("maintenance schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "brand", "series"], name="maintenance_schedule_model"
            ),
            models.CheckConstraint(
                condition=Q(first_km__gt=0, interval_km__gt=0, interval_months__gt=0),
                name="maintenance_schedule_positive",
            ),
        ]

    def __str__(self) -> str:
        return " ".join(filter(None, [self.brand, self.series])) or str(_("All models"))


class InspectionRule(DealerOwned):
    """One stretch of the annual-inspection schedule, in months since registration.

    Inspections fall due at `start_month`, then every `every_months` up to `end_month`
    (0 = only once). The defaults follow the rules for private small passenger cars: marks at
    6 and 10 years, yearly from 10 to 15 years, twice a year after 15.
    """

    usage = models.CharField(
        _("usage"),
        max_length=20,
        choices=[("private", _("Private")), ("commercial", _("Commercial"))],
    )
    start_month = models.PositiveSmallIntegerField(_("from month"))
    end_month = models.PositiveSmallIntegerField(_("until month"), null=True, blank=True)
    every_months = models.PositiveSmallIntegerField(_("every (months)"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("inspection rule")
        verbose_name_plural = _("inspection rules")
        ordering = ["dealer", "usage", "start_month"]

    def __str__(self) -> str:
        return f"{self.get_usage_display()} {self.start_month}–{self.end_month or '∞'}"


class Holiday(models.Model):
    """A public holiday or festival; blank dealer = national. Extends chinese-calendar."""

    dealer = models.ForeignKey(
        "core.Dealer", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("dealer")
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=30)
    is_workday = models.BooleanField(
        _("working day"), default=False, help_text=_("An adjusted working day (调休上班).")
    )
    greeting = models.BooleanField(_("send greetings"), default=False)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "date"], name="holiday_dealer_date"),
            models.UniqueConstraint(
                fields=["date"], condition=Q(dealer__isnull=True), name="holiday_national_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Campaign(DealerOwned):
    """A recall, a special fault check or an event; its vehicles or customers get tasks."""

    kind = models.CharField(_("kind"), max_length=20, choices=choices.CampaignKind.choices)
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    event_date = models.DateField(_("event date"), null=True, blank=True)
    brand = models.CharField(_("brand"), max_length=30, blank=True)
    series = models.CharField(_("series"), max_length=50, blank=True)
    model_year_from = models.PositiveSmallIntegerField(_("model year from"), null=True, blank=True)
    model_year_to = models.PositiveSmallIntegerField(_("model year to"), null=True, blank=True)
    vins = models.TextField(_("VINs"), blank=True, help_text=_("One per line; empty = by model."))
    script = models.TextField(_("script"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "code"], name="campaign_code"),
        ]

    def __str__(self) -> str:
        return self.title


class VehiclePlan(models.Model):
    """What the planner knows of a vehicle: last visits, estimated mileage, next maintenance.

    Rebuilt set-wise from the service history (selectors.planning_history) whenever a vehicle
    or its visits change; the daily job then only reads vehicles whose dates come due.
    """

    vehicle = models.OneToOneField(
        "customers.Vehicle", on_delete=models.CASCADE, primary_key=True, related_name="plan"
    )
    dealer_id = models.BigIntegerField()
    last_visit_date = models.DateField(null=True)
    first_visit_date = models.DateField(null=True)
    first_visit_km = models.PositiveIntegerField(null=True)
    last_maintenance_date = models.DateField(null=True)
    last_maintenance_km = models.PositiveIntegerField(null=True)
    # Copied from the vehicle so that the plan's dates are computed without a join.
    purchase_date = models.DateField(null=True)
    purchase_km = models.PositiveIntegerField(null=True)
    reading_km = models.PositiveIntegerField(null=True)
    reading_date = models.DateField(null=True)
    # Estimated km a day, from the vehicle's own readings or the dealer's default.
    daily_km = models.FloatField()
    maintenance_due_date = models.DateField(null=True)
    maintenance_due_km = models.PositiveIntegerField(null=True)
    first_maintenance = models.BooleanField(default=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["dealer_id", "maintenance_due_date"], name="plan_maintenance_due"),
            models.Index(fields=["dealer_id", "last_visit_date"], name="plan_last_visit"),
        ]

    def __str__(self) -> str:
        return f"plan of vehicle {self.vehicle_id}"


# A claim nobody acted on for this long is free again (the agent went home, the browser died).
CLAIM_STALE_AFTER = datetime.timedelta(minutes=30)


def vehicle_plan(vehicle) -> VehiclePlan | None:
    """The vehicle's plan, or None before the planner first saw it (no query when the plan
    was read with the vehicle: select_related("vehicle__plan"))."""
    try:
        return vehicle.plan
    except VehiclePlan.DoesNotExist:
        return None


class ContactTaskQuerySet(DealerScopedQuerySet):
    def open(self):
        return self.filter(state__in=choices.OPEN_STATES)


class ContactTask(DealerOwned):
    """One outbound duty: who to contact, why, when, by whom, and how it ended."""

    kind = models.CharField(_("type"), max_length=30, choices=TaskKind.choices)
    state = FSMField(_("state"), default=TaskState.OPEN, choices=TaskState.choices, protected=False)
    channel = models.CharField(
        _("channel"), max_length=10, choices=choices.Channel.choices, default=choices.Channel.PHONE
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    due_from = models.DateField(_("due from"))
    due_until = models.DateField(_("due until"))
    # When the next dial may happen: set by a reschedule or the customer's wish.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="contact_tasks"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_tasks",
    )
    source_visit = models.ForeignKey(
        "customers.ServiceVisit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_tasks",
        verbose_name=_("service visit"),
    )
    source_task = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("from task"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    # What caused the task, unique per dealer and kind: running the planner twice adds nothing.
    source_key = models.CharField(_("source"), max_length=60)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    due_date = models.DateField(
        _("event date"),
        null=True,
        blank=True,
        help_text=_("The expiry, maintenance or event date."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_tasks",
        verbose_name=_("owner"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_outcome = models.CharField(
        _("last outcome"), max_length=20, choices=choices.CallOutcome.choices, blank=True
    )
    last_window = models.SmallIntegerField(null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=choices.Satisfaction.choices, blank=True
    )
    problems = models.JSONField(_("problems heard"), default=list, blank=True)
    appointment_at = models.DateTimeField(_("appointment booked for"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    close_reason = models.CharField(
        _("close reason"), max_length=30, choices=choices.CloseReason.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ContactTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact task")
        verbose_name_plural = _("contact tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "kind", "source_key"], name="contact_task_source"
            ),
            models.CheckConstraint(
                condition=Q(due_until__gte=models.F("due_from")), name="contact_task_window"
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "state", "due_from"], name="task_queue"),
            models.Index(fields=["assignee", "state", "due_from"], name="task_assignee"),
            models.Index(fields=["dealer", "kind", "due_from"], name="task_kind_due"),
            models.Index(fields=["customer", "created_at"], name="task_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"

    def get_absolute_url(self) -> str:
        return reverse("care:task", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in choices.OPEN_STATES

    # State transitions (django-fsm). task_claim() makes the claim stick with a conditional
    # UPDATE; these methods only say which moves are legal and set the fields that go with them.

    @transition(field=state, source=list(choices.OPEN_STATES), target=TaskState.IN_PROGRESS)
    def claim(self, *, agent, at: datetime.datetime) -> None:
        self.claimed_by = agent
        self.claimed_at = at

    @transition(field=state, source=list(choices.OPEN_STATES), target=TaskState.OPEN)
    def reschedule(self, *, to: datetime.datetime) -> None:
        self.next_attempt_at = to
        self.claimed_by = None
        self.claimed_at = None

    @transition(field=state, source=list(choices.OPEN_STATES), target=TaskState.DONE)
    def complete(self, *, reason: str, by, at: datetime.datetime) -> None:
        self._close(reason=reason, by=by, at=at)

    @transition(field=state, source=list(choices.OPEN_STATES), target=TaskState.FAILED)
    def fail(self, *, reason: str, by, at: datetime.datetime) -> None:
        self._close(reason=reason, by=by, at=at)

    @transition(field=state, source=list(choices.OPEN_STATES), target=TaskState.CANCELLED)
    def cancel(self, *, reason: str, by, at: datetime.datetime) -> None:
        self._close(reason=reason, by=by, at=at)

    def _close(self, *, reason: str, by, at: datetime.datetime) -> None:
        self.close_reason = reason
        self.closed_by = by
        self.closed_at = at
        self.claimed_by = None
        self.next_attempt_at = None


class CallAttempt(DealerOwned):
    """One dial of a task (or one SMS sent instead), with what the customer said."""

    task = models.ForeignKey(ContactTask, on_delete=models.CASCADE, related_name="attempts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    window = models.SmallIntegerField(_("call window"), null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=choices.Channel.choices, default=choices.Channel.PHONE
    )
    phone = models.CharField(_("number dialled"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=choices.CallOutcome.choices)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=choices.Satisfaction.choices, blank=True
    )
    problems = models.JSONField(_("problems heard"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["dealer", "at"], name="attempt_dealer_at"),
            models.Index(fields=["agent", "at"], name="attempt_agent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"


class InboundCall(DealerOwned):
    """A call or voicemail on the DCRC hotline (用户来电登记表); replied within 24 hours."""

    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=choices.InboundKind.choices,
        default=choices.InboundKind.CALL,
    )
    call_type = models.CharField(
        _("type"),
        max_length=20,
        choices=choices.InboundType.choices,
        default=choices.InboundType.CONSULTATION,
    )
    received_at = models.DateTimeField(_("received at"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    caller_name = models.CharField(_("caller"), max_length=50, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_calls",
        verbose_name=_("customer"),
        db_index=False,  # the inbound_customer index starts with it
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_calls",
        verbose_name=_("vehicle"),
    )
    content = models.TextField(_("content"), blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    result = models.TextField(_("result"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=choices.InboundState.choices,
        default=choices.InboundState.OPEN,
    )
    reply_deadline = models.DateTimeField(_("reply by"))
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
        db_index=False,  # an audit field nothing filters by
    )
    recording = models.FileField(_("recording"), upload_to="recordings/%Y/%m/", blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    # The telephony system's call id: a webhook delivered twice updates the same call.
    external_id = models.CharField(_("telephony call id"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=~Q(external_id=""),
                name="inbound_call_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "received_at"], name="inbound_dealer_received"),
            models.Index(fields=["dealer", "state", "reply_deadline"], name="inbound_deadline"),
            # The customer's contact history lists their calls newest first.
            models.Index(fields=["customer", "received_at"], name="inbound_customer"),
            # The register filtered by a caller's number (repeat callers, unknown numbers).
            models.Index(fields=["dealer", "phone", "received_at"], name="inbound_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.phone}"

    def get_absolute_url(self) -> str:
        return reverse("care:call", args=[self.pk])


class SmsTemplate(DealerOwned):
    """An SMS text with {variables}; marketing templates respect the customer's opt-out."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=50)
    body = models.TextField(
        _("text"), help_text=_("Variables: {name} {dealer} {plate} {date} {hotline} …")
    )
    task_kind = models.CharField(
        _("for task type"), max_length=30, choices=TaskKind.choices, blank=True
    )
    is_marketing = models.BooleanField(_("marketing"), default=False)
    provider_template = models.CharField(_("gateway template code"), max_length=50, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "code"], name="sms_template_code"),
        ]

    def __str__(self) -> str:
        return self.name


class SmsMessage(DealerOwned):
    """One SMS sent to or received from a customer: part of their contact history."""

    direction = models.CharField(
        _("direction"),
        max_length=3,
        choices=choices.SmsDirection.choices,
        default=choices.SmsDirection.OUTBOUND,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
        db_index=False,  # the sms_customer index starts with it
    )
    task = models.ForeignKey(
        ContactTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="sms_messages"
    )
    template = models.ForeignKey(
        SmsTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=20)
    body = models.TextField(_("text"))
    # The values of the gateway template's variables, kept for a deferred send.
    params = models.JSONField(_("template variables"), default=dict, blank=True)
    is_marketing = models.BooleanField(_("marketing"), default=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.SmsStatus.choices,
        default=choices.SmsStatus.QUEUED,
    )
    backend = models.CharField(_("gateway"), max_length=20, blank=True)
    provider_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["dealer", "created_at"], name="sms_dealer_created"),
            models.Index(fields=["dealer", "status", "send_after"], name="sms_pending"),
            models.Index(fields=["customer", "created_at"], name="sms_customer"),
            models.Index(fields=["provider_id"], name="sms_provider_id"),
            # The per-minute rate limit counts a dealer's messages planned for one minute.
            models.Index(fields=["dealer", "send_after"], name="sms_dealer_slot"),
            # sms_deferred_send() reads the due deferred messages of every dealer.
            models.Index(
                fields=["send_after"],
                condition=Q(status="deferred"),
                name="sms_deferred_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.get_status_display()}"


class PlanRun(DealerOwned):
    """One run of the daily planner for a dealer: what it created and closed."""

    run_on = models.DateField(_("planned for"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.JSONField(_("tasks created"), default=dict)
    closed = models.PositiveIntegerField(_("tasks closed"), default=0)
    plans_refreshed = models.PositiveIntegerField(_("vehicle plans refreshed"), default=0)

    class Meta:
        verbose_name = _("planner run")
        verbose_name_plural = _("planner runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["dealer", "started_at"], name="plan_run_dealer")]

    def __str__(self) -> str:
        return f"{self.dealer_id} {self.run_on}"
