"""After-sales operations (domain §8): appointments, repair orders, workshop, settlement.

A repair order's state is a django-fsm field moved only by service.orders; its money
(lines, fees, totals) is computed by service.pricing and stored for lists and reports.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from dcrc.core.tenancy import DealerOwned, DealerScopedQuerySet
from dcrc.customers.choices import VisitType

from . import choices
from .choices import OrderState

User = settings.AUTH_USER_MODEL


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def hours_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, **kwargs)


def percent_field(verbose_name, **kwargs):
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


class ServiceSettings(models.Model):
    """How a dealer books and bills: appointment slots and their capacity, the labour rate."""

    dealer = models.OneToOneField(
        "core.Dealer", on_delete=models.CASCADE, primary_key=True, related_name="service_settings"
    )
    opens_at = models.TimeField(_("first appointment at"), default=datetime.time(8, 30))
    closes_at = models.TimeField(_("last appointment before"), default=datetime.time(17, 30))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    slot_capacity = models.PositiveSmallIntegerField(
        _("appointments per slot"),
        default=4,
        help_text=_("How many vehicles reception can take in one slot, all stations together."),
    )
    labour_rate = money_field(_("labour rate per hour"), default=Decimal("180"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service settings")
        verbose_name_plural = _("service settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="service_opening_hours"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=10, slot_minutes__lte=240), name="service_slot_len"
            ),
        ]

    def __str__(self) -> str:
        return str(self.dealer_id)


class Station(DealerOwned):
    """A workshop station (工位) of one kind, its bays, team lead and technicians."""

    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=choices.StationKind.choices)
    bays = models.PositiveSmallIntegerField(
        _("bays"), default=1, help_text=_("Vehicles the station takes at once; also its slots.")
    )
    team_lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    technicians = models.ManyToManyField(
        User, verbose_name=_("technicians"), blank=True, related_name="stations"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["dealer", "code"]
        constraints = [models.UniqueConstraint(fields=["dealer", "code"], name="station_code")]

    def __str__(self) -> str:
        return self.name


class LabourItem(DealerOwned):
    """The labour catalogue (工时目录): code, name, standard hours, rate, work type."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    work_type = models.CharField(_("work type"), max_length=20, choices=choices.StationKind.choices)
    standard_hours = hours_field(_("standard hours"))
    rate = money_field(_("rate per hour"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("labour item")
        verbose_name_plural = _("labour catalogue")
        ordering = ["dealer", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "code"], name="labour_item_code"),
            models.CheckConstraint(
                condition=Q(standard_hours__gte=0, rate__gte=0), name="labour_item_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["dealer", "name"], name="labour_item_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AppointmentQuerySet(DealerScopedQuerySet):
    def on_day(self, day: datetime.date):
        start = datetime.datetime.combine(day, datetime.time.min)
        return self.filter(scheduled_at__gte=start, scheduled_at__lt=start + datetime.timedelta(1))


class Appointment(DealerOwned):
    """A booked visit (预约): proactive from a reminder, or asked for by the customer."""

    number = models.CharField(_("appointment no."), max_length=30)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="appointments"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="appointments"
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=choices.AppointmentSource.choices)
    source_task = models.ForeignKey(
        "care.ContactTask",
        verbose_name=_("from reminder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    reminder_method = models.CharField(
        _("reminder method"),
        max_length=20,
        choices=choices.ReminderMethod.choices,
        default=choices.ReminderMethod.PHONE,
    )
    reminder_task = models.ForeignKey(
        "care.ContactTask",
        verbose_name=_("reminder call"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_work = models.CharField(_("requested work"), max_length=300)
    visit_type = models.CharField(
        _("visit type"), max_length=30, choices=VisitType.choices, blank=True
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    scheduled_at = models.DateTimeField(_("appointment time"))
    estimate_amount = money_field(_("estimate"))
    expected_parts = models.CharField(_("expected parts"), max_length=300, blank=True)
    advisor = models.ForeignKey(
        User,
        verbose_name=_("service advisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        User, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"))
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=choices.AppointmentState.choices,
        default=choices.AppointmentState.BOOKED,
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="appointment_number"),
            models.CheckConstraint(
                condition=Q(estimate_amount__gte=0), name="appointment_estimate_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "scheduled_at"], name="appointment_dealer_time"),
            models.Index(fields=["vehicle", "scheduled_at"], name="appointment_vehicle_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.vehicle}"

    def get_absolute_url(self) -> str:
        return reverse("service:appointment", args=[self.pk])


class RepairOrderQuerySet(DealerScopedQuerySet):
    def in_shop(self):
        return self.filter(state__in=choices.IN_SHOP_STATES)

    def in_workshop(self):
        return self.filter(state__in=choices.WORKSHOP_STATES)


class RepairOrder(DealerOwned):
    """A repair order (维修工单) from reception to the vehicle's release."""

    number = models.CharField(_("repair order no."), max_length=30)
    appointment = models.OneToOneField(
        Appointment,
        verbose_name=_("appointment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_order",
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="repair_orders"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="repair_orders"
    )
    advisor = models.ForeignKey(
        User, verbose_name=_("service advisor"), on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(_("state"), default=OrderState.OPEN, choices=OrderState.choices)
    business_type = models.CharField(
        _("business type"),
        max_length=20,
        choices=choices.BusinessType.choices,
        default=choices.BusinessType.SELF_PAY,
    )
    visit_type = models.CharField(_("visit type"), max_length=30, choices=VisitType.choices)
    # Reception (接车).
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    payment_method = models.CharField(
        _("intended payment"), max_length=20, choices=choices.PaymentMethod.choices, blank=True
    )
    odometer = models.PositiveIntegerField(_("odometer (km)"))
    fuel_level = models.PositiveSmallIntegerField(
        _("fuel level"), choices=choices.FuelLevel.choices, default=choices.FuelLevel.HALF
    )
    customer_description = models.TextField(_("customer's description"))
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    items_left = models.CharField(_("items left in the car"), max_length=200, blank=True)
    promised_at = models.DateTimeField(_("promised for"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    # Insurance work (出险维修).
    insurer = models.CharField(_("insurer"), max_length=50, blank=True)
    paying_company = models.CharField(_("paying company"), max_length=50, blank=True)
    insurance_report_no = models.CharField(_("insurance report no."), max_length=40, blank=True)
    loss_assessment = money_field(_("loss assessment"))
    injury_loss = models.BooleanField(_("injury loss"), default=False)
    property_loss = models.BooleanField(_("property loss"), default=False)
    towing = models.BooleanField(_("towed in"), default=False)
    deductible = money_field(_("deductible"))
    # Membership discounts of the customer when the order was opened.
    labour_discount_pct = percent_field(_("labour discount %"))
    parts_discount_pct = percent_field(_("parts discount %"))
    # Estimate (估价) and its confirmation; any change of lines bumps `revision`, and a
    # revision the customer has not confirmed blocks dispatch of new work and settlement.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    confirmed_revision = models.PositiveIntegerField(_("confirmed revision"), default=0)
    estimate_amount = money_field(_("estimate"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    signature = models.TextField(_("customer's signature"), blank=True)
    signed_on_paper = models.BooleanField(_("signed on a printed copy"), default=False)
    # Money, stored by service.pricing whenever lines or fees change.
    labour_gross = money_field(_("labour before discount"))
    labour_amount = money_field(_("labour"))
    parts_gross = money_field(_("parts before discount"))
    parts_amount = money_field(_("parts"))
    management_fee = money_field(_("management fee"))
    materials_fee = money_field(_("materials fee"))
    contracting_fee = money_field(_("contracting fee"))
    rescue_fee = money_field(_("rescue fee"))
    other_fee = money_field(_("other fee"))
    # A discount the advisor grants at pre-settlement besides the membership's, with a reason.
    settlement_discount = money_field(_("settlement discount"))
    settlement_discount_reason = models.CharField(
        _("settlement discount reason"), max_length=200, blank=True
    )
    total = money_field(_("total"))
    customer_payable = money_field(_("payable by the customer"))
    paid = money_field(_("received"))
    invoice_no = models.CharField(_("invoice no."), max_length=40, blank=True)
    presettled_at = models.DateTimeField(_("pre-settled"), null=True, blank=True)
    presettled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    on_account_reason = models.CharField(_("on account because"), max_length=200, blank=True)
    work_finished_at = models.DateTimeField(_("work finished"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    service_visit = models.OneToOneField(
        "customers.ServiceVisit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repair_order",
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RepairOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="repair_order_number"),
            # One open order per vehicle: a second visit while the car is in is a new line.
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=Q(state__in=choices.IN_SHOP_STATES),
                name="repair_order_one_open_per_vehicle",
            ),
            models.CheckConstraint(
                condition=Q(
                    total__gte=0,
                    customer_payable__gte=0,
                    paid__gte=0,
                    labour_amount__gte=0,
                    parts_amount__gte=0,
                    management_fee__gte=0,
                    materials_fee__gte=0,
                    contracting_fee__gte=0,
                    rescue_fee__gte=0,
                    other_fee__gte=0,
                    deductible__gte=0,
                    loss_assessment__gte=0,
                ),
                name="repair_order_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(labour_discount_pct__gte=0, labour_discount_pct__lte=100)
                & Q(parts_discount_pct__gte=0, parts_discount_pct__lte=100),
                name="repair_order_discount_percent",
            ),
            models.CheckConstraint(
                condition=Q(settlement_discount__gte=0), name="repair_order_settlement_discount"
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "state", "opened_at"], name="repair_order_state"),
            models.Index(fields=["dealer", "opened_at"], name="repair_order_opened"),
            models.Index(fields=["vehicle", "opened_at"], name="repair_order_vehicle"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("service:order", args=[self.pk])

    @property
    def outstanding(self) -> Decimal:
        return self.customer_payable - self.paid

    @property
    def awaiting_confirmation(self) -> bool:
        """Lines changed since the customer last confirmed the estimate."""
        return self.revision > self.confirmed_revision

    @property
    def fees(self) -> Decimal:
        return (
            self.management_fee
            + self.materials_fee
            + self.contracting_fee
            + self.rescue_fee
            + self.other_fee
        )

    # Transitions: only service.orders calls these, after checking what each step needs.
    @transition(field=state, source=OrderState.OPEN, target=OrderState.ESTIMATED)
    def estimate(self):
        pass

    @transition(field=state, source=OrderState.ESTIMATED, target=OrderState.CONFIRMED)
    def confirm(self):
        pass

    @transition(field=state, source=OrderState.CONFIRMED, target=OrderState.DISPATCHED)
    def dispatch(self):
        pass

    @transition(field=state, source=OrderState.DISPATCHED, target=OrderState.IN_WORK)
    def start(self):
        pass

    @transition(field=state, source=OrderState.IN_WORK, target=OrderState.QC)
    def finish(self):
        pass

    @transition(field=state, source=OrderState.QC, target=OrderState.READY)
    def qc_pass(self):
        pass

    @transition(field=state, source=OrderState.QC, target=OrderState.REWORK)
    def qc_fail(self):
        pass

    @transition(field=state, source=OrderState.REWORK, target=OrderState.QC)
    def rework_done(self):
        pass

    @transition(field=state, source=OrderState.READY, target=OrderState.SETTLED)
    def settle(self):
        pass

    @transition(field=state, source=OrderState.SETTLED, target=OrderState.RELEASED)
    def release(self):
        pass

    @transition(field=state, source=list(choices.CANCELLABLE_STATES), target=OrderState.CANCELLED)
    def cancel(self):
        pass


class RepairOrderEvent(models.Model):
    """One step in a repair order's life: who, when, from which state, and why."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("step"), max_length=20, choices=choices.OrderAction.choices)
    from_state = models.CharField(_("from"), max_length=20, choices=OrderState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=OrderState.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("repair order event")
        verbose_name_plural = _("repair order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class JobLine(DealerOwned):
    """A labour line (维修项目) of a repair order, and its dispatch to the workshop."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="job_lines")
    labour_item = models.ForeignKey(
        LabourItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=30, blank=True)
    name = models.CharField(_("item"), max_length=100)
    work_type = models.CharField(_("work type"), max_length=20, choices=choices.StationKind.choices)
    standard_hours = hours_field(_("standard hours"))
    billed_hours = hours_field(_("billed hours"))
    rate = money_field(_("rate per hour"))
    discount_pct = percent_field(_("discount %"))
    gross = money_field(_("amount before discount"))
    amount = money_field(_("amount"))
    # Dispatch (派工).
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=choices.JobState.choices,
        default=choices.JobState.WAITING,
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="job_lines"
    )
    technician = models.ForeignKey(
        User,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job_lines",
    )
    planned_hours = hours_field(_("planned hours"), null=True, blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    equipment_needed = models.CharField(_("equipment and documents"), max_length=200, blank=True)
    delay_reason = models.CharField(_("delay reason"), max_length=200, blank=True)
    added_in_revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("job line")
        verbose_name_plural = _("job lines")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_hours__gte=0, billed_hours__gte=0, rate__gte=0, amount__gte=0),
                name="job_line_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0, discount_pct__lte=100),
                name="job_line_discount_percent",
            ),
        ]
        indexes = [
            models.Index(fields=["technician", "state"], name="job_line_technician"),
            models.Index(fields=["station", "state"], name="job_line_station"),
        ]

    def __str__(self) -> str:
        return self.name


class PartLine(DealerOwned):
    """A parts line of a repair order; issued from the warehouse by requisition."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="part_lines")
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("part no."), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price = money_field(_("unit price"))
    discount_pct = percent_field(_("discount %"))
    gross = money_field(_("amount before discount"))
    amount = money_field(_("amount"))
    issued_quantity = models.DecimalField(
        _("issued"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    added_in_revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("part line")
        verbose_name_plural = _("part lines")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gte=0, amount__gte=0),
                name="part_line_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0, discount_pct__lte=100),
                name="part_line_discount_percent",
            ),
            models.CheckConstraint(
                condition=Q(issued_quantity__gte=0), name="part_line_issued_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"


class QualityCheck(DealerOwned):
    """A completion inspection (竣工检验) of a repair order; one per QC round."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="quality_checks")
    inspector = models.ForeignKey(
        User, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=10, choices=choices.QcResult.choices)
    checklist = models.JSONField(_("check list"), default=list, blank=True)
    planned_completion = models.DateTimeField(_("planned completion"), null=True, blank=True)
    actual_completion = models.DateTimeField(_("actual completion"))
    delay_reason = models.CharField(_("delay reason"), max_length=200, blank=True)
    rework_reason = models.CharField(_("rework reason"), max_length=200, blank=True)
    rework_owner = models.ForeignKey(
        User,
        verbose_name=_("rework owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    penalty = money_field(_("penalty"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        ordering = ["order", "at"]
        constraints = [
            models.CheckConstraint(condition=Q(penalty__gte=0), name="qc_penalty_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.result}"


class Tool(DealerOwned):
    """A tool, piece of equipment or technical document lent to the workshop."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=choices.ToolKind.choices)
    location = models.CharField(_("location"), max_length=50, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tool")
        verbose_name_plural = _("tools and equipment")
        ordering = ["dealer", "code"]
        constraints = [models.UniqueConstraint(fields=["dealer", "code"], name="tool_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ToolCheckout(DealerOwned):
    """A tool taken out by a technician, for a repair order, until it is checked back in."""

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="checkouts")
    holder = models.ForeignKey(
        User, verbose_name=_("taken by"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    out_at = models.DateTimeField(_("out"))
    due_back_at = models.DateTimeField(_("due back"), null=True, blank=True)
    in_at = models.DateTimeField(_("back"), null=True, blank=True)
    condition_note = models.CharField(_("condition"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("tool check-out")
        verbose_name_plural = _("tool check-outs")
        ordering = ["-out_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tool"], condition=Q(in_at__isnull=True), name="tool_one_open_checkout"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool} → {self.holder}"


class Payment(DealerOwned):
    """One payment towards a repair order; a settlement may be split across methods."""

    order = models.ForeignKey(RepairOrder, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=choices.PaymentMethod.choices)
    amount = money_field(_("amount"))
    reference = models.CharField(_("transaction reference"), max_length=60, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["order", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
        ]
        indexes = [models.Index(fields=["dealer", "at"], name="payment_dealer_at")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"
