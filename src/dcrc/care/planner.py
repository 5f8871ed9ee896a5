"""The daily contact plan: create the tasks that have come due, close those that became moot.

Everything is set-wise SQL per dealer. Each kind of task is one (or a few) INSERT … SELECT
statements reading an indexed date range; a task's `source_key` names what caused it (a visit,
a vehicle and its maintenance base, a customer and a year …), and the unique constraint on
(dealer, kind, source_key) makes a second run insert nothing. Vehicle facts that need the
service history (last maintenance, estimated daily km, next maintenance date) live in
VehiclePlan, rebuilt only for vehicles changed since the previous run: the incremental part.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    FloatField,
    IntegerField,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Floor, Greatest, Least
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dcrc.customers.choices import ContactPreference, VisitType
from dcrc.customers.models import Customer, ServiceVisit, Vehicle

from . import calendar
from .choices import CampaignKind, Channel, CloseReason, TaskKind, TaskState
from .defaults import care_defaults_ensure
from .models import (
    Campaign,
    CareRule,
    CareSettings,
    ContactTask,
    Holiday,
    InspectionRule,
    MaintenanceSchedule,
    PlanRun,
    VehiclePlan,
)
from .sql import AddDays, AddMonths, DaysBetween, insert_select

logger = logging.getLogger(__name__)

# A planner that missed a few days still creates the tasks whose window has just closed.
GRACE_DAYS = 3
MIN_DAILY_KM, MAX_DAILY_KM = 1.0, 500.0
# A reading this many days after purchase (or the first visit) is enough to estimate km a day.
MIN_SPAN_DAYS = 30
MAINTENANCE_TYPES = [VisitType.FIRST_MAINTENANCE, VisitType.PERIODIC_MAINTENANCE]
RETENTION_MONTHS = (3, 6, 12)
# Greetings and invitations go to customers seen in the last two years.
ACTIVE_DAYS = 730
OLDEST_BIRTH_YEAR = 1920

TASK_COLUMNS = [
    "dealer",
    "kind",
    "state",
    "channel",
    "priority",
    "due_from",
    "due_until",
    "customer",
    "vehicle",
    "source_visit",
    "campaign",
    "source_key",
    "subject",
    "due_date",
    "attempt_count",
    "last_outcome",
    "satisfaction",
    "problems",
    "notes",
    "close_reason",
    "created_at",
]


def _date(value: datetime.date) -> Value:
    return Value(value, output_field=DateField())


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _key(*parts) -> Concat:
    """source_key from columns and constants, e.g. _key("owner_id", ":", "vin")."""
    expressions = []
    for part in parts:
        if isinstance(part, str) and part.startswith(":"):
            expressions.append(_text(part))
        elif isinstance(part, str):
            expressions.append(Cast(F(part), CharField()))
        else:
            expressions.append(Cast(part, CharField()))
    if len(expressions) == 1:
        return expressions[0]
    return Concat(*expressions, output_field=CharField())


class DayPlan:
    """The planning of one dealer for one day: its rules and the shared INSERT machinery."""

    def __init__(self, dealer_id: int, today: datetime.date, now: datetime.datetime):
        self.dealer_id, self.today, self.now = dealer_id, today, now
        self.rules = {
            rule.kind: rule for rule in CareRule.objects.filter(dealer_id=dealer_id, enabled=True)
        }
        self.settings = calendar.care_settings(dealer_id)

    def insert(
        self,
        kind: str,
        queryset: QuerySet,
        *,
        customer: str,
        key,
        due_from,
        due_until,
        due_date=None,
        vehicle: str | None = None,
        source_visit: str | None = None,
        campaign: int | None = None,
        subject: str = "",
    ) -> int:
        """Insert one task per row of `queryset` (a query over vehicles, visits or customers).

        Customers who do not want to be contacted get no task; those who take SMS only get
        an SMS task whatever the rule's channel.
        """
        rule = self.rules[kind]
        # `customer` is the path to the customer from the rows: "" when rows are customers.
        preference = f"{customer}__contact_preference" if customer else "contact_preference"
        merged = f"{customer}__merged_into" if customer else "merged_into"
        rows = (
            queryset.exclude(**{preference: ContactPreference.NONE})
            .filter(**{f"{merged}__isnull": True})
            .annotate(
                t_dealer=Value(self.dealer_id),
                t_kind=_text(kind),
                t_state=_text(TaskState.OPEN),
                t_channel=Case(
                    When(**{preference: ContactPreference.SMS}, then=_text(Channel.SMS)),
                    default=_text(rule.channel),
                    output_field=CharField(),
                ),
                t_priority=Value(rule.priority),
                t_due_from=due_from,
                t_due_until=due_until,
                t_customer=F(f"{customer}_id" if customer else "pk"),
                t_vehicle=F(vehicle) if vehicle else Value(None, output_field=IntegerField()),
                t_source_visit=(
                    F(source_visit) if source_visit else Value(None, output_field=IntegerField())
                ),
                t_campaign=Value(campaign, output_field=IntegerField()),
                t_source_key=key,
                t_subject=_text(subject),
                t_due_date=due_date if due_date is not None else Value(None, DateField()),
                t_attempt_count=Value(0),
                t_last_outcome=_text(""),
                t_satisfaction=_text(""),
                t_problems=Value([], output_field=JSONField()),
                t_notes=_text(""),
                t_close_reason=_text(""),
                t_created_at=Value(self.now),
            )
            .values(*(f"t_{column}" for column in TASK_COLUMNS))
        )
        return insert_select(ContactTask, rows, TASK_COLUMNS)

    def window(self, kind: str) -> CareRule | None:
        return self.rules.get(kind)


# Vehicle plans -----------------------------------------------------------------------------


def planning_history(dealer_id: int) -> QuerySet:
    """The service history the planner reads: one row per vehicle with its last visits.

    Repair orders feed it through service_visit_record(); corrections and imports through the
    vehicle's denormalised reading (mileage, mileage_date).
    """
    visits = ServiceVisit.objects.filter(vehicle=OuterRef("pk"))
    maintenance = visits.filter(visit_type__in=MAINTENANCE_TYPES).order_by("-visit_date", "-id")
    first = visits.order_by("visit_date", "id")
    return Vehicle.objects.filter(dealer_id=dealer_id).annotate(
        h_last_visit=Subquery(visits.order_by("-visit_date", "-id").values("visit_date")[:1]),
        h_maintenance_date=Subquery(maintenance.values("visit_date")[:1]),
        h_maintenance_km=Subquery(maintenance.values("mileage")[:1]),
        h_first_date=Subquery(first.values("visit_date")[:1]),
        h_first_km=Subquery(first.values("mileage")[:1]),
    )


def _daily_km(default_km: int):
    """km a day from purchase (or the first visit) to the latest reading; else the default."""
    base_date = Coalesce(F("purchase_date"), F("h_first_date"))
    base_km = Case(
        When(purchase_date__isnull=False, then=F("purchase_mileage")),
        default=F("h_first_km"),
    )
    span = DaysBetween(F("mileage_date"), base_date)
    estimate = Cast(F("mileage") - base_km, FloatField()) / Cast(span, FloatField())
    return Case(
        When(
            Q(mileage_date__isnull=False)
            & (Q(purchase_date__isnull=False) | Q(h_first_date__isnull=False)),
            then=Case(
                When(
                    Q(**{"mileage_date__gte": AddDays(base_date, Value(MIN_SPAN_DAYS))}),
                    then=Greatest(Value(MIN_DAILY_KM), Least(Value(MAX_DAILY_KM), estimate)),
                ),
                default=Value(float(default_km)),
            ),
        ),
        default=Value(float(default_km)),
        output_field=FloatField(),
    )


def vehicle_plans_refresh(*, dealer_id: int, since: datetime.datetime | None) -> int:
    """Rebuild the plans of the dealer's vehicles changed since `since` (all when None)."""
    settings = calendar.care_settings(dealer_id)
    now = timezone.now()
    changed = Vehicle.objects.filter(dealer_id=dealer_id)
    if since is not None:
        changed = changed.filter(updated_at__gte=since)
        VehiclePlan.objects.filter(vehicle__in=changed.values("pk")).delete()
    else:
        VehiclePlan.objects.filter(dealer_id=dealer_id).delete()
    schedules = list(MaintenanceSchedule.objects.filter(dealer_id=dealer_id))
    # The most specific schedule wins: brand + series, then brand, then the default.
    schedules.sort(key=lambda s: (not s.series, not s.brand))
    covered = Q(pk__in=[])
    total = 0
    for schedule in schedules:
        scope = Q()
        if schedule.brand:
            scope &= Q(brand=schedule.brand)
        if schedule.series:
            scope &= Q(series=schedule.series)
        vehicles = planning_history(dealer_id).filter(scope).exclude(covered)
        if since is not None:
            vehicles = vehicles.filter(updated_at__gte=since)
        total += _plans_insert(vehicles, schedule, settings.default_daily_km, now)
        covered |= scope
    return total


def _plans_insert(vehicles: QuerySet, schedule: MaintenanceSchedule, default_km: int, now) -> int:
    """Insert the plans of `vehicles` under one maintenance schedule."""
    vehicles = vehicles.annotate(p_daily=_daily_km(default_km))
    first = Q(h_maintenance_date__isnull=True)
    due_km = Case(
        When(first, then=Value(schedule.first_km)),
        default=F("h_maintenance_km") + Value(schedule.interval_km),
        output_field=IntegerField(),
    )
    # By date: months after purchase (first service) or after the last maintenance.
    by_date = Case(
        When(first, then=AddMonths(F("purchase_date"), schedule.first_months)),
        default=AddMonths(F("h_maintenance_date"), schedule.interval_months),
        output_field=DateField(),
    )
    # By mileage: the latest reading plus the days the remaining km take at the daily rate.
    remaining = Greatest(Value(0), due_km - F("mileage"))
    by_km = AddDays(
        Coalesce(F("mileage_date"), F("purchase_date")),
        Cast(Floor(Cast(remaining, FloatField()) / F("p_daily")), IntegerField()),
    )
    due = Case(
        When(Q(mileage_date__isnull=True, purchase_date__isnull=True), then=by_date),
        When(Q(purchase_date__isnull=True) & first, then=by_km),
        default=Least(by_date, by_km),
        output_field=DateField(),
    )
    rows = vehicles.annotate(
        p_vehicle=F("pk"),
        p_dealer=F("dealer_id"),
        p_last_visit=F("h_last_visit"),
        p_maintenance_date=F("h_maintenance_date"),
        p_maintenance_km=F("h_maintenance_km"),
        p_due_date=due,
        p_due_km=due_km,
        p_first=Case(When(first, then=Value(True)), default=Value(False)),
        p_computed=Value(now),
    ).values(
        "p_vehicle",
        "p_dealer",
        "p_last_visit",
        "p_maintenance_date",
        "p_maintenance_km",
        "p_daily",
        "p_due_date",
        "p_due_km",
        "p_first",
        "p_computed",
    )
    return insert_select(
        VehiclePlan,
        rows,
        [
            "vehicle",
            "dealer_id",
            "last_visit_date",
            "last_maintenance_date",
            "last_maintenance_km",
            "daily_km",
            "maintenance_due_date",
            "maintenance_due_km",
            "first_maintenance",
            "computed_at",
        ],
    )


# Task generators: one per kind, each an indexed date range --------------------------------


def _service_callbacks(plan: DayPlan) -> int:
    """A callback 1–3 days after every visit (by default), for each vehicle released."""
    rule = plan.rules[TaskKind.SERVICE_CALLBACK]
    latest = plan.today - datetime.timedelta(days=rule.offset_days)
    earliest = latest - datetime.timedelta(days=rule.window_days - 1 + GRACE_DAYS)
    visits = ServiceVisit.objects.filter(
        dealer_id=plan.dealer_id, visit_date__range=(earliest, latest)
    ).exclude(visit_type=VisitType.RESCUE)
    due_from = AddDays(F("visit_date"), Value(rule.offset_days))
    return plan.insert(
        TaskKind.SERVICE_CALLBACK,
        visits,
        customer="customer",
        vehicle="vehicle_id",
        source_visit="pk",
        key=_key("pk"),
        due_from=due_from,
        due_until=AddDays(F("visit_date"), Value(rule.offset_days + rule.window_days - 1)),
        due_date=F("visit_date"),
    )


def _new_car_calls(plan: DayPlan) -> int:
    rule = plan.rules[TaskKind.NEW_CAR_CALL]
    latest = plan.today - datetime.timedelta(days=rule.offset_days)
    earliest = latest - datetime.timedelta(days=rule.window_days - 1 + GRACE_DAYS)
    vehicles = Vehicle.objects.filter(
        dealer_id=plan.dealer_id, purchase_date__range=(earliest, latest)
    )
    return plan.insert(
        TaskKind.NEW_CAR_CALL,
        vehicles,
        customer="owner",
        vehicle="pk",
        key=_key("pk"),
        due_from=AddDays(F("purchase_date"), Value(rule.offset_days)),
        due_until=AddDays(F("purchase_date"), Value(rule.offset_days + rule.window_days - 1)),
        due_date=F("purchase_date"),
    )


def _maintenance(plan: DayPlan, kind: str, first: bool) -> int:
    """Vehicles whose next (first) maintenance falls due within the rule's lead time."""
    rule = plan.rules[kind]
    plans = VehiclePlan.objects.filter(
        dealer_id=plan.dealer_id,
        maintenance_due_date__range=(
            plan.today - datetime.timedelta(days=rule.window_days + GRACE_DAYS),
            plan.today + datetime.timedelta(days=rule.lead_days),
        ),
        first_maintenance=first,
    )
    # One reminder per maintenance cycle: the cycle is named by the last maintenance date.
    base = Coalesce(Cast(F("last_maintenance_date"), CharField()), _text("first"))
    return plan.insert(
        kind,
        plans,
        customer="vehicle__owner",
        vehicle="vehicle_id",
        key=_key("vehicle_id", ":", base),
        due_from=AddDays(F("maintenance_due_date"), Value(-rule.lead_days)),
        due_until=AddDays(F("maintenance_due_date"), Value(rule.window_days)),
        due_date=F("maintenance_due_date"),
    )


def _expiries(plan: DayPlan, kind: str, field: str) -> int:
    """Insurance renewals and warranty expiries: vehicles whose date comes within lead time."""
    rule = plan.rules[kind]
    vehicles = Vehicle.objects.filter(
        dealer_id=plan.dealer_id,
        **{
            f"{field}__range": (
                plan.today,
                plan.today + datetime.timedelta(days=rule.lead_days),
            )
        },
    )
    return plan.insert(
        kind,
        vehicles,
        customer="owner",
        vehicle="pk",
        key=_key("pk", ":", F(field)),
        due_from=AddDays(F(field), Value(-rule.lead_days)),
        due_until=F(field),
        due_date=F(field),
    )


def inspection_offsets(rules: list[InspectionRule], horizon_months: int = 480) -> dict:
    """{usage: [months after registration at which an inspection falls due]}."""
    offsets: dict[str, set[int]] = {}
    for rule in rules:
        months = offsets.setdefault(rule.usage, set())
        if not rule.every_months:
            months.add(rule.start_month)
            continue
        end = rule.end_month or horizon_months
        months.update(range(rule.start_month, end + 1, rule.every_months))
    return {usage: sorted(months) for usage, months in offsets.items()}


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _inspections(plan: DayPlan) -> int:
    """Vehicles whose inspection falls due within lead time, by usage and age (months)."""
    rule = plan.rules[TaskKind.INSPECTION]
    start = plan.today - datetime.timedelta(days=GRACE_DAYS)
    end = plan.today + datetime.timedelta(days=rule.lead_days)
    created = 0
    offsets = inspection_offsets(list(InspectionRule.objects.filter(dealer_id=plan.dealer_id)))
    registered = Vehicle.objects.filter(dealer_id=plan.dealer_id).aggregate(
        first=Min("registration_date"), last=Max("registration_date")
    )
    if registered["first"] is None:
        return 0
    for usage, months_list in offsets.items():
        for months in months_list:
            # Registration dates whose anniversary lands in [start, end], with slack for
            # month ends (the exact due date is filtered in SQL below).
            low = _months_before(start, months) - datetime.timedelta(days=3)
            high = _months_before(end, months) + datetime.timedelta(days=3)
            if high < registered["first"] or low > registered["last"]:
                continue  # no vehicle that old (or that young): skip the statement
            due = AddMonths(F("registration_date"), months)
            vehicles = (
                Vehicle.objects.filter(
                    dealer_id=plan.dealer_id, usage=usage, registration_date__range=(low, high)
                )
                .annotate(c_due=due)
                .filter(c_due__range=(start, end))
            )
            created += plan.insert(
                TaskKind.INSPECTION,
                vehicles,
                customer="owner",
                vehicle="pk",
                key=_key("pk", ":", Value(months)),
                due_from=AddDays(due, Value(-rule.lead_days)),
                due_until=due,
                due_date=due,
            )
    return created


def _retention(plan: DayPlan) -> int:
    """Vehicles not back for 3 / 6 / 12 months, and new cars that skipped first maintenance."""
    rule = plan.rules[TaskKind.RETENTION]
    created = 0
    for months in RETENTION_MONTHS:
        latest = _months_before(plan.today, months)
        earliest = latest - datetime.timedelta(days=rule.window_days + GRACE_DAYS)
        plans = VehiclePlan.objects.filter(
            dealer_id=plan.dealer_id, last_visit_date__range=(earliest, latest)
        )
        due = AddMonths(F("last_visit_date"), months)
        created += plan.insert(
            TaskKind.RETENTION,
            plans,
            customer="vehicle__owner",
            vehicle="vehicle_id",
            key=_key("vehicle_id", ":", Cast(F("last_visit_date"), CharField()), f":{months}"),
            due_from=due,
            due_until=AddDays(due, Value(rule.window_days)),
            due_date=due,
            subject=_("Not back for %(months)s months") % {"months": months},
        )
    # First maintenance a month overdue and the car never came: ask why.
    overdue = plan.today - datetime.timedelta(days=30)
    plans = VehiclePlan.objects.filter(
        dealer_id=plan.dealer_id,
        first_maintenance=True,
        last_visit_date__isnull=True,
        maintenance_due_date__range=(overdue - datetime.timedelta(days=GRACE_DAYS), overdue),
    )
    due = AddDays(F("maintenance_due_date"), Value(30))
    created += plan.insert(
        TaskKind.RETENTION,
        plans,
        customer="vehicle__owner",
        vehicle="vehicle_id",
        key=_key("vehicle_id", ":skipped-first"),
        due_from=due,
        due_until=AddDays(due, Value(rule.window_days)),
        due_date=F("maintenance_due_date"),
        subject=_("Skipped the first maintenance"),
    )
    return created


def _days(plan: DayPlan, rule: CareRule) -> list[datetime.date]:
    """The days whose greetings are due now: today back to the grace period, plus lead days."""
    return [
        plan.today + datetime.timedelta(days=offset)
        for offset in range(-GRACE_DAYS, rule.lead_days + 1)
    ]


def _birthdays(plan: DayPlan) -> int:
    """Birthday greetings on the day, by the solar or the lunar calendar (leap months too)."""
    rule = plan.rules[TaskKind.BIRTHDAY]
    created = 0
    customers = Customer.objects.filter(dealer_id=plan.dealer_id)
    for day in _days(plan, rule):
        if day < plan.today - datetime.timedelta(days=GRACE_DAYS):
            continue
        solar = []
        for year in range(OLDEST_BIRTH_YEAR, day.year):
            try:
                solar.append(day.replace(year=year))
            except ValueError:
                continue
            # 29 February birthdays are celebrated on 28 February in common years.
        if day.month == 2 and day.day == 28 and not _is_leap(day.year):
            solar += [
                datetime.date(year, 2, 29)
                for year in range(OLDEST_BIRTH_YEAR, day.year)
                if _is_leap(year)
            ]
        lunar = Q(pk__in=[])
        for month, lunar_day, leap in calendar.lunar_birthday_matches(day):
            lunar |= Q(
                lunar_birthday_month=month, lunar_birthday_day=lunar_day, lunar_birthday_leap=leap
            )
        for matching in (
            customers.filter(birthday_calendar="solar", birthday__in=solar),
            customers.filter(birthday_calendar="lunar").filter(lunar),
        ):
            created += plan.insert(
                TaskKind.BIRTHDAY,
                matching,
                customer="",
                key=_key("pk", f":{day.year}"),
                due_from=_date(day),
                due_until=_date(day),
                due_date=_date(day),
            )
    return created


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def greeting_days(dealer_id: int, year: int) -> list[tuple[datetime.date, str]]:
    """Festivals customers are greeted on: the lunar and national ones plus the table's."""
    days = dict(calendar.festivals(year))
    for row in Holiday.objects.filter(
        Q(dealer_id=dealer_id) | Q(dealer__isnull=True), greeting=True, date__year=year
    ):
        days[row.date] = row.name
    return sorted(days.items())


def _holiday_greetings(plan: DayPlan) -> int:
    rule = plan.rules[TaskKind.HOLIDAY]
    created = 0
    active_since = plan.today - datetime.timedelta(days=ACTIVE_DAYS)
    for year in {plan.today.year, (plan.today + datetime.timedelta(days=rule.lead_days)).year}:
        for day, name in greeting_days(plan.dealer_id, year):
            if not (day - datetime.timedelta(days=rule.lead_days) <= plan.today <= day):
                continue
            customers = Customer.objects.filter(
                dealer_id=plan.dealer_id, last_visit_date__gte=active_since
            )
            created += plan.insert(
                TaskKind.HOLIDAY,
                customers,
                customer="",
                key=_key("pk", f":{day.isoformat()}"),
                due_from=_date(day - datetime.timedelta(days=rule.lead_days)),
                due_until=_date(day),
                due_date=_date(day),
                subject=name,
            )
    return created


def _campaigns(plan: DayPlan) -> int:
    """Recalls and special checks for matching vehicles; event invitations for their owners."""
    created = 0
    campaigns = Campaign.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=plan.today),
        dealer_id=plan.dealer_id,
        active=True,
        starts_on__lte=plan.today,
    )
    for campaign in campaigns:
        vehicles = campaign_vehicles(campaign)
        if campaign.kind == CampaignKind.EVENT:
            rule = plan.rules.get(TaskKind.EVENT_INVITATION)
            event = campaign.event_date
            if rule is None or event is None:
                continue
            if not (event - datetime.timedelta(days=rule.lead_days) <= plan.today <= event):
                continue
            customers = Customer.objects.filter(
                dealer_id=plan.dealer_id, pk__in=vehicles.values("owner_id")
            )
            created += plan.insert(
                TaskKind.EVENT_INVITATION,
                customers,
                customer="",
                key=_key("pk", f":{campaign.pk}"),
                due_from=_date(max(plan.today, event - datetime.timedelta(days=rule.lead_days))),
                due_until=_date(event),
                due_date=_date(event),
                campaign=campaign.pk,
                subject=campaign.title,
            )
        elif TaskKind.RECALL in plan.rules:
            rule = plan.rules[TaskKind.RECALL]
            until = campaign.ends_on or plan.today + datetime.timedelta(days=rule.window_days)
            created += plan.insert(
                TaskKind.RECALL,
                vehicles,
                customer="owner",
                vehicle="pk",
                key=_key("pk", f":{campaign.pk}"),
                due_from=_date(plan.today),
                due_until=_date(max(until, plan.today)),
                campaign=campaign.pk,
                subject=campaign.title,
            )
    return created


def campaign_vehicles(campaign: Campaign) -> QuerySet:
    """The dealer's vehicles a campaign concerns: its VIN list, or its brand/series/years."""
    vehicles = Vehicle.objects.filter(dealer_id=campaign.dealer_id)
    vins = [line.strip().upper() for line in campaign.vins.splitlines() if line.strip()]
    if vins:
        return vehicles.filter(vin__in=vins)
    if campaign.brand:
        vehicles = vehicles.filter(brand=campaign.brand)
    if campaign.series:
        vehicles = vehicles.filter(series=campaign.series)
    if campaign.model_year_from:
        vehicles = vehicles.filter(model_year__gte=campaign.model_year_from)
    if campaign.model_year_to:
        vehicles = vehicles.filter(model_year__lte=campaign.model_year_to)
    return vehicles


GENERATORS = [
    (TaskKind.SERVICE_CALLBACK, _service_callbacks),
    (TaskKind.NEW_CAR_CALL, _new_car_calls),
    (TaskKind.FIRST_MAINTENANCE, lambda plan: _maintenance(plan, TaskKind.FIRST_MAINTENANCE, True)),
    (TaskKind.MAINTENANCE, lambda plan: _maintenance(plan, TaskKind.MAINTENANCE, False)),
    (
        TaskKind.INSURANCE_RENEWAL,
        lambda plan: _expiries(plan, TaskKind.INSURANCE_RENEWAL, "insurance_expiry"),
    ),
    (
        TaskKind.WARRANTY_EXPIRY,
        lambda plan: _expiries(plan, TaskKind.WARRANTY_EXPIRY, "warranty_end_date"),
    ),
    (TaskKind.INSPECTION, _inspections),
    (TaskKind.RETENTION, _retention),
    (TaskKind.BIRTHDAY, _birthdays),
    (TaskKind.HOLIDAY, _holiday_greetings),
    (TaskKind.RECALL, _campaigns),
]


# Closing what became moot ------------------------------------------------------------------


def tasks_close_moot(*, dealer_id: int, now: datetime.datetime) -> int:
    """Close open reminders the customer made pointless: they came, or renewed elsewhere."""
    open_tasks = ContactTask.objects.filter(dealer_id=dealer_id, state=TaskState.OPEN)
    came_after = ServiceVisit.objects.filter(
        vehicle=OuterRef("vehicle_id"), created_at__gt=OuterRef("created_at")
    )
    moot = Q(
        kind__in=[TaskKind.FIRST_MAINTENANCE, TaskKind.MAINTENANCE],
    ) & Exists(came_after.filter(visit_type__in=MAINTENANCE_TYPES))
    moot |= Q(kind=TaskKind.RETENTION) & Exists(came_after)
    moot |= Q(kind=TaskKind.INSURANCE_RENEWAL) & ~Exists(
        Vehicle.objects.filter(pk=OuterRef("vehicle_id"), insurance_expiry=OuterRef("due_date"))
    )
    return open_tasks.filter(moot).update(
        state=TaskState.CANCELLED, close_reason=CloseReason.MOOT, closed_at=now
    )


# The job -----------------------------------------------------------------------------------


def plan_daily(*, dealer_id: int, today: datetime.date | None = None) -> PlanRun:
    """Create the dealer's due tasks and close the moot ones; safe to run any number of times."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    care_defaults_ensure(dealer_id=dealer_id)
    previous = (
        PlanRun.objects.filter(dealer_id=dealer_id, finished_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    run = PlanRun.objects.create(dealer_id=dealer_id, run_on=today, started_at=now)
    # Subjects and names written into tasks are dealer data: in the dealer's language.
    with translation.override("zh-hans"), transaction.atomic():
        # One planner per dealer at a time: a second worker waits here, then finds nothing new.
        CareSettings.objects.select_for_update().filter(dealer_id=dealer_id).first()
        # Vehicles touched while the previous run was running are refreshed again: harmless.
        run.plans_refreshed = vehicle_plans_refresh(
            dealer_id=dealer_id, since=previous.started_at if previous else None
        )
        plan = DayPlan(dealer_id, today, now)
        created = {}
        for kind, generate in GENERATORS:
            if kind in plan.rules or (
                kind == TaskKind.RECALL and TaskKind.EVENT_INVITATION in plan.rules
            ):
                count = generate(plan)
                if count:
                    created[kind] = count
        run.created = created
        run.closed = tasks_close_moot(dealer_id=dealer_id, now=now)
    run.finished_at = timezone.now()
    run.save()
    logger.info("planned dealer %s for %s: %s", dealer_id, today, created)
    return run


def mileage_estimate(*, vehicle: Vehicle, plan: VehiclePlan | None, day: datetime.date) -> int:
    """The odometer today, estimated from the latest reading and the vehicle's km a day."""
    reading_date = vehicle.mileage_date or vehicle.purchase_date
    if reading_date is None or plan is None:
        return vehicle.mileage
    return vehicle.mileage + round(plan.daily_km * max(0, (day - reading_date).days))
