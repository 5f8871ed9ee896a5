"""Complaints to closure (domain §6) and the weekly improvement loop (domain §7)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from dcrc.core.tenancy import DealerOwned, DealerScopedQuerySet

from . import choices
from .choices import Escalation, State


class ComplaintSettings(models.Model):
    """How a dealer handles complaints: deadlines, the large-loss amount, who is told."""

    dealer = models.OneToOneField(
        "core.Dealer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="complaint_settings",
    )
    first_response_hours = models.PositiveSmallIntegerField(
        _("first response within (hours)"), default=24
    )
    resolution_hours_low = models.PositiveSmallIntegerField(
        _("minor: resolve within (hours)"), default=168
    )
    resolution_hours_medium = models.PositiveSmallIntegerField(
        _("normal: resolve within (hours)"), default=72
    )
    resolution_hours_high = models.PositiveSmallIntegerField(
        _("serious: resolve within (hours)"), default=48
    )
    resolution_hours_critical = models.PositiveSmallIntegerField(
        _("critical: resolve within (hours)"), default=24
    )
    # When the dealer answers complaints: every day but public holidays (a 4S store opens at
    # weekends), in these hours. Deadlines that fall outside move to the next opening.
    business_hours_start = models.TimeField(
        _("complaints handled from"), default=datetime.time(8, 30)
    )
    business_hours_end = models.TimeField(_("complaints handled until"), default=datetime.time(18))
    large_loss_amount = models.DecimalField(
        _("a loss above this amount is important (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000"),
    )
    manufacturer_email = models.EmailField(
        _("manufacturer CRC e-mail"),
        blank=True,
        help_text=_("Important complaints are also sent to this mailbox."),
    )
    notify_by_email = models.BooleanField(_("notify by e-mail"), default=True)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("complaint settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(business_hours_end__gt=models.F("business_hours_start")),
                name="complaint_business_hours",
            ),
        ]
        verbose_name_plural = _("complaint settings")

    def __str__(self) -> str:
        return str(self.dealer_id)

    def resolution_hours(self, severity: str) -> int:
        return getattr(self, f"resolution_hours_{severity}")


class ComplaintQuerySet(DealerScopedQuerySet):
    def visible_to(self, user, dealer=None):
        """The complaints a user may see: their dealers'; manufacturer staff only escalations."""
        from .rules import MANUFACTURER_ROLES

        rows = self.for_user(user, dealer)
        if user.role in MANUFACTURER_ROLES and not user.is_superuser:
            rows = rows.exclude(escalation=Escalation.NONE)
        return rows

    def open(self):
        return self.filter(state__in=choices.OPEN_STATES)

    def overdue(self, now: datetime.datetime):
        """Complaints past their first-response or resolution deadline."""
        late_response = Q(first_response_at__isnull=True, first_response_due__lt=now)
        late_resolution = Q(state__in=choices.ACTIVE_STATES, resolution_due__lt=now)
        return self.filter(late_response | late_resolution)

    def overdue_untold(self, now: datetime.datetime):
        """Overdue complaints whose current deadline has not been told to anyone yet."""
        untold_response = Q(overdue_told_for__isnull=True) | Q(
            overdue_told_for__lt=models.F("first_response_due")
        )
        untold_resolution = Q(overdue_told_for__isnull=True) | Q(
            overdue_told_for__lt=models.F("resolution_due")
        )
        late_response = Q(first_response_at__isnull=True, first_response_due__lt=now)
        late_resolution = Q(state__in=choices.ACTIVE_STATES, resolution_due__lt=now)
        return self.filter(
            (late_response & untold_response) | (late_resolution & untold_resolution)
        )


class Complaint(DealerOwned):
    """A customer's complaint (用户抱怨解决登记表), tracked from intake to a confirmed closure."""

    number = models.CharField(_("complaint no."), max_length=30)
    channel = models.CharField(_("channel"), max_length=20, choices=choices.Channel.choices)
    category = models.CharField(_("category"), max_length=30, choices=choices.Category.choices)
    department = models.CharField(
        _("department"), max_length=20, choices=choices.Department.choices
    )
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=choices.Severity.choices,
        default=choices.Severity.MEDIUM,
    )
    typical_case = models.CharField(
        _("typical case"), max_length=30, choices=choices.TypicalCase.choices, blank=True
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("vehicle"),
    )
    # Who complained, as told: kept even when no archive customer matches.
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    inbound_call = models.ForeignKey(
        "care.InboundCall",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("hotline call"),
    )
    contact_task = models.ForeignKey(
        "care.ContactTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("callback task"),
    )
    service_visit = models.ForeignKey(
        "customers.ServiceVisit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service visit"),
    )
    repair_order_no = models.CharField(_("repair order no."), max_length=30, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what the customer says"))
    customer_demand = models.TextField(_("customer's demand"), blank=True)
    important_flags = models.JSONField(_("important because"), default=list, blank=True)
    is_important = models.BooleanField(_("important complaint"), default=False)
    loss_amount = models.DecimalField(
        _("claimed loss (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    state = FSMField(_("state"), default=State.REGISTERED, choices=State.choices)
    escalation = FSMField(_("escalation"), default=Escalation.NONE, choices=Escalation.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("handler"),
    )
    crc_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manufacturer CRC owner"),
    )
    regional_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regional service manager"),
    )
    registered_at = models.DateTimeField(_("registered"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    solution = models.TextField(_("solution"), blank=True)
    resolution = models.TextField(_("result"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    prevention = models.TextField(_("prevention"), blank=True)
    # The contact-center task that confirms the customer's acceptance after resolution.
    follow_up_task = models.ForeignKey(
        "care.ContactTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up call"),
    )
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    # The deadline whose overdue notice went out: each deadline is told once, and the minute
    # job reads only complaints that became overdue since.
    overdue_told_for = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="complaint_number"),
            models.CheckConstraint(
                condition=Q(resolution_due__gte=models.F("registered_at")),
                name="complaint_due_after_registration",
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "-registered_at"], name="complaint_dealer_reg"),
            models.Index(fields=["dealer", "state", "resolution_due"], name="complaint_state_due"),
            models.Index(
                fields=["dealer", "first_response_due"],
                condition=Q(first_response_at__isnull=True),
                name="complaint_awaiting_response",
            ),
            models.Index(
                fields=["dealer", "escalation", "-registered_at"], name="complaint_escalation"
            ),
            models.Index(fields=["owner", "state"], name="complaint_owner_state"),
            # The dashboard's "closed this month" (most complaints are closed).
            models.Index(
                fields=["dealer", "closed_at"],
                condition=Q(state=State.CLOSED),
                name="complaint_closed",
            ),
            models.Index(fields=["customer", "registered_at"], name="complaint_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in choices.OPEN_STATES

    def is_overdue(self, now: datetime.datetime) -> bool:
        if self.first_response_at is None and self.first_response_due < now:
            return True
        return self.state in choices.ACTIVE_STATES and self.resolution_due < now

    # Transitions (django-fsm): which moves are legal. services.py checks what each needs,
    # sets the fields that go with it and records the move in the complaint's log.

    @transition(field=state, source=State.REGISTERED, target=State.ACKNOWLEDGED)
    def acknowledge(self) -> None:
        pass

    @transition(field=state, source=State.ACKNOWLEDGED, target=State.INVESTIGATING)
    def investigate(self) -> None:
        pass

    @transition(field=state, source=State.INVESTIGATING, target=State.SOLUTION_PROPOSED)
    def propose(self) -> None:
        pass

    @transition(field=state, source=State.SOLUTION_PROPOSED, target=State.CUSTOMER_ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.SOLUTION_PROPOSED, target=State.INVESTIGATING)
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.CUSTOMER_ACCEPTED, target=State.RESOLVED)
    def resolve(self) -> None:
        pass

    @transition(field=state, source=State.RESOLVED, target=State.FOLLOWED_UP)
    def confirm_follow_up(self) -> None:
        pass

    @transition(field=state, source=State.FOLLOWED_UP, target=State.CLOSED)
    def close(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.RESOLVED, State.FOLLOWED_UP, State.CLOSED],
        target=State.INVESTIGATING,
    )
    def reopen(self) -> None:
        pass

    def _still_open(self) -> bool:
        return self.state != State.CLOSED

    @transition(
        field=escalation,
        source=Escalation.NONE,
        target=Escalation.MANUFACTURER_CRC,
        conditions=[_still_open],
    )
    def escalate_crc(self) -> None:
        pass

    @transition(
        field=escalation,
        source=[Escalation.NONE, Escalation.MANUFACTURER_CRC],
        target=Escalation.REGIONAL,
        conditions=[_still_open],
    )
    def escalate_regional(self) -> None:
        pass

    @transition(
        field=escalation,
        source=[Escalation.NONE, Escalation.MANUFACTURER_CRC, Escalation.REGIONAL],
        target=Escalation.ON_SITE,
        conditions=[_still_open],
    )
    def request_on_site(self) -> None:
        pass


class ComplaintEvent(DealerOwned):
    """One move of a complaint: who, when, why, and the state it left it in."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30, choices=choices.Action.choices)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    escalation = models.CharField(
        _("escalation"), max_length=20, choices=Escalation.choices, default=Escalation.NONE
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("why"), blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event_at")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class SatisfactionSurvey(DealerOwned):
    """One month's CSI or SSI survey result of a dealer, imported from the manufacturer's file."""

    kind = models.CharField(_("survey"), max_length=5, choices=choices.SurveyKind.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month surveyed."))
    overall_score = models.DecimalField(
        _("overall score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    source_name = models.CharField(_("file"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "kind", "month"], name="survey_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="survey_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m}"


class SurveyItem(DealerOwned):
    """One question (item) of a survey with its score; key items are tracked month to month."""

    survey = models.ForeignKey(SatisfactionSurvey, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("item code"), max_length=30)
    name = models.CharField(_("item"), max_length=200)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=6, decimal_places=2, null=True, blank=True)
    is_key = models.BooleanField(_("key item"), default=False)

    class Meta:
        verbose_name = _("survey item")
        verbose_name_plural = _("survey items")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="survey_item_code"),
        ]
        indexes = [models.Index(fields=["dealer", "code"], name="survey_item_dealer_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WeeklyMeeting(DealerOwned):
    """The DCRC's weekly dealer meeting (周度例会): agenda, minutes, attendees, decisions."""

    week_start = models.DateField(_("week of"), help_text=_("The Monday of the week."))
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair"),
    )
    attendees = models.JSONField(_("attendees"), default=list, blank=True)
    # The agenda as generated: the week's weak points and the open actions, kept as a snapshot
    # so that the minutes read the same later.
    agenda = models.JSONField(_("agenda"), default=dict, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=choices.MeetingState.choices,
        default=choices.MeetingState.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("weekly meeting")
        verbose_name_plural = _("weekly meetings")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "week_start"], name="meeting_week"),
        ]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:meeting", args=[self.pk])


class ImprovementAction(DealerOwned):
    """A corrective action for a weak point: owner, due date, status, verified by the DCRC."""

    meeting = models.ForeignKey(
        WeeklyMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("meeting"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("complaint"),
    )
    survey_item = models.ForeignKey(
        SurveyItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("survey item"),
    )
    department = models.CharField(
        _("department"), max_length=20, choices=choices.Department.choices
    )
    category = models.CharField(
        _("category"), max_length=30, choices=choices.Category.choices, blank=True
    )
    weak_point = models.CharField(_("weak point"), max_length=200)
    action = models.TextField(_("corrective action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.ActionStatus.choices,
        default=choices.ActionStatus.OPEN,
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification_note = models.TextField(_("verification"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["dealer", "status", "due_date"], name="action_status_due"),
            models.Index(fields=["owner", "status"], name="action_owner_status"),
        ]

    def __str__(self) -> str:
        return self.weak_point
