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
from .sql import AddDays, AddMonths, DaysBetween, insert_select, insert_select_over

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
# Up to this many vehicles changed since the last run are refreshed by id.
INCREMENTAL_LIMIT = 20_000

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

    def __init__(
        self,
        dealer_id: int,
        today: datetime.date,
        now: datetime.datetime,
        previous: PlanRun | None = None,
    ):
        self.dealer_id, self.today, self.now = dealer_id, today, now
        self.rules = {
            rule.kind: rule for rule in CareRule.objects.filter(dealer_id=dealer_id, enabled=True)
        }
        # What the previous run already planned need not be read again: only rows that came
        # into range since its day, or whose vehicle or customer changed since it started.
        self.since = previous.started_at if previous else None
        self.previous_day = previous.run_on if previous else None

    def scope(self, kind: str, where, changed: Q) -> Q:
        """Rows in range today (`where(day)` builds the range's Q) minus those already planned."""
        today = where(self.today)
        rule = self.rules[kind]
        if self.since is None or rule.updated_at >= self.since:
            return today
        if self.previous_day == self.today:
            return today & changed
        return today & (~where(self.previous_day) | changed)

    def changed_vehicles(self) -> QuerySet:
        """Ids of vehicles edited (or given a visit) since the previous run; indexed."""
        if self.since is None:
            return Vehicle.objects.none().values("pk")
        return Vehicle.objects.filter(dealer_id=self.dealer_id, updated_at__gte=self.since).values(
            "pk"
        )

    def changed_customers(self) -> QuerySet:
        if self.since is None:
            return Customer.objects.none().values("pk")
        return Customer.objects.filter(dealer_id=self.dealer_id, updated_at__gte=self.since).values(
            "pk"
        )

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


# Vehicle plans -----------------------------------------------------------------------------


def planning_history(dealer_id: int, vehicles: QuerySet | None = None) -> QuerySet:
    """The service history the planner reads: one row per vehicle with its visit facts.

    Repair orders feed it through service_visit_record(); corrections and imports through the
    vehicle's denormalised reading (mileage, mileage_date). The odometer never goes backwards
    without a correction, so the highest maintenance reading is the last maintenance's.
    Columns are named as VehiclePlan's; vehicles without visits come with empty visit facts.
    """
    visits = ServiceVisit.objects.filter(dealer_id=dealer_id)
    unvisited = Vehicle.objects.filter(dealer_id=dealer_id).exclude(
        Exists(ServiceVisit.objects.filter(vehicle_id=OuterRef("pk")))
    )
    if vehicles is not None:
        visits = visits.filter(vehicle_id__in=vehicles)
        unvisited = unvisited.filter(pk__in=vehicles)
    maintenance = Q(visit_type__in=MAINTENANCE_TYPES)
    visited = (
        visits.order_by()
        .values("vehicle_id")
        .annotate(
            last_visit_date=Max("visit_date"),
            first_visit_date=Min("visit_date"),
            first_visit_km=Min("mileage"),
            last_maintenance_date=Max("visit_date", filter=maintenance),
            last_maintenance_km=Max("mileage", filter=maintenance),
            purchase_date=Max("vehicle__purchase_date"),
            purchase_km=Max("vehicle__purchase_mileage"),
            reading_km=Max("vehicle__mileage"),
            reading_date=Max("vehicle__mileage_date"),
        )
    )
    no_date, no_km = Value(None, output_field=DateField()), Value(None, output_field=IntegerField())
    unvisited = (
        unvisited.order_by()
        .annotate(
            u_last=no_date, u_first=no_date, u_first_km=no_km, u_maint=no_date, u_maint_km=no_km
        )
        .values(
            "pk",
            "u_last",
            "u_first",
            "u_first_km",
            "u_maint",
            "u_maint_km",
            "purchase_date",
            "purchase_mileage",
            "mileage",
            "mileage_date",
        )
    )
    return visited.union(unvisited, all=True)


def vehicle_plans_refresh(*, dealer_id: int, since: datetime.datetime | None) -> int:
    """Rebuild the plans of the dealer's vehicles changed since `since` (all when None).

    One INSERT computes every plan from the history (daily distance, next maintenance date
    and km under the dealer's general schedule); vehicles of a brand or series with a
    schedule of its own are then updated, the most specific schedule first.
    """
    settings = calendar.care_settings(dealer_id)
    now = timezone.now()
    vehicles = Vehicle.objects.filter(dealer_id=dealer_id)
    plans = VehiclePlan.objects.filter(dealer_id=dealer_id)
    if since is not None:
        vehicles = vehicles.filter(updated_at__gte=since)
        changed = list(vehicles.values_list("pk", flat=True)[: INCREMENTAL_LIMIT + 1])
        if not changed:
            return 0
        if len(changed) <= INCREMENTAL_LIMIT:
            # A day's changes are few: name them, so that every read goes by index.
            vehicles = Vehicle.objects.filter(pk__in=changed)
        plans = plans.filter(vehicle_id__in=vehicles.values("pk"))
    plans.delete()
    schedules = list(MaintenanceSchedule.objects.filter(dealer_id=dealer_id))
    schedules.sort(key=lambda s: (not s.series, not s.brand))
    general = (
        schedules.pop() if schedules and not (schedules[-1].brand or schedules[-1].series) else None
    )
    daily = _daily_km(settings.default_daily_km)
    due = (
        _due(general, daily)
        if general
        else {
            "maintenance_due_date": Value(None, output_field=DateField()),
            "maintenance_due_km": Value(None, output_field=IntegerField()),
        }
    )
    outer = VehiclePlan.objects.annotate(
        p_dealer=Value(dealer_id),
        p_daily=daily,
        p_first=Case(
            When(last_maintenance_date__isnull=True, then=Value(True)), default=Value(False)
        ),
        p_due=due["maintenance_due_date"],
        p_due_km=due["maintenance_due_km"],
        p_computed=Value(now),
    ).values(
        "vehicle_id",
        "p_dealer",
        "last_visit_date",
        "first_visit_date",
        "first_visit_km",
        "last_maintenance_date",
        "last_maintenance_km",
        "purchase_date",
        "purchase_km",
        "reading_km",
        "reading_date",
        "p_daily",
        "p_first",
        "p_due",
        "p_due_km",
        "p_computed",
    )
    history = planning_history(dealer_id, vehicles.values("pk") if since is not None else None)
    total = insert_select_over(VehiclePlan, outer, PLAN_COLUMNS, history)
    done = Q(pk__in=[])
    for schedule in schedules:  # brand or series schedules, the most specific first
        models = Vehicle.objects.filter(dealer_id=dealer_id)
        if schedule.brand:
            models = models.filter(brand=schedule.brand)
        if schedule.series:
            models = models.filter(series=schedule.series)
        plans.exclude(done).filter(vehicle_id__in=models.values("pk")).update(
            **_due(schedule, F("daily_km"))
        )
        done |= Q(vehicle_id__in=models.values("pk"))
    return total


def vehicle_plan_refresh(*, vehicle: Vehicle) -> int:
    """Recompute one vehicle's plan now, e.g. when a repair order releases it.

    Its visit has just saved the vehicle, so the vehicles changed since that moment are
    this one (and any edited in the same instant, whose plans are due anyway).
    """
    changed_at = Vehicle.objects.values_list("updated_at", flat=True).get(pk=vehicle.pk)
    return vehicle_plans_refresh(dealer_id=vehicle.dealer_id, since=changed_at)


PLAN_COLUMNS = [
    "vehicle",
    "dealer_id",
    "last_visit_date",
    "first_visit_date",
    "first_visit_km",
    "last_maintenance_date",
    "last_maintenance_km",
    "purchase_date",
    "purchase_km",
    "reading_km",
    "reading_date",
    "daily_km",
    "first_maintenance",
    "maintenance_due_date",
    "maintenance_due_km",
    "computed_at",
]


def _daily_km(default_km: int):
    """km a day from purchase (or the first visit) to the latest reading; else the default."""
    base_date = Coalesce(F("purchase_date"), F("first_visit_date"))
    base_km = Case(
        When(purchase_date__isnull=False, then=F("purchase_km")),
        default=F("first_visit_km"),
    )
    span = DaysBetween(F("reading_date"), base_date)
    estimate = Cast(F("reading_km") - base_km, FloatField()) / Cast(span, FloatField())
    return Case(
        When(
            Q(reading_date__isnull=False)
            & (Q(purchase_date__isnull=False) | Q(first_visit_date__isnull=False))
            & Q(reading_date__gte=AddDays(base_date, Value(MIN_SPAN_DAYS))),
            then=Greatest(Value(MIN_DAILY_KM), Least(Value(MAX_DAILY_KM), estimate)),
        ),
        default=Value(float(default_km)),
        output_field=FloatField(),
    )


def _due(schedule: MaintenanceSchedule, daily) -> dict:
    """The next maintenance date and km under `schedule`: whichever of date or km first."""
    first = Q(last_maintenance_date__isnull=True)
    due_km = Case(
        When(first, then=Value(schedule.first_km)),
        default=F("last_maintenance_km") + Value(schedule.interval_km),
        output_field=IntegerField(),
    )
    # By date: months after purchase (first service) or after the last maintenance.
    by_date = Case(
        When(first, then=AddMonths(F("purchase_date"), schedule.first_months)),
        default=AddMonths(F("last_maintenance_date"), schedule.interval_months),
        output_field=DateField(),
    )
    # By mileage: the latest reading plus the days the remaining km take at the daily rate.
    remaining = Greatest(Value(0), due_km - F("reading_km"))
    by_km = AddDays(
        Coalesce(F("reading_date"), F("purchase_date")),
        Cast(Floor(Cast(remaining, FloatField()) / daily), IntegerField()),
    )
    due = Case(
        When(Q(reading_date__isnull=True, purchase_date__isnull=True), then=by_date),
        When(Q(purchase_date__isnull=True) & first, then=by_km),
        default=Least(by_date, by_km),
        output_field=DateField(),
    )
    return {"maintenance_due_date": due, "maintenance_due_km": due_km}


# Task generators: one per kind, each an indexed date range --------------------------------


def _service_callbacks(plan: DayPlan) -> int:
    """A callback 1–3 days after every visit (by default), for each vehicle released."""
    rule = plan.rules[TaskKind.SERVICE_CALLBACK]

    def where(day):
        latest = day - datetime.timedelta(days=rule.offset_days)
        earliest = latest - datetime.timedelta(days=rule.window_days - 1 + GRACE_DAYS)
        return Q(visit_date__range=(earliest, latest))

    changed = Q(vehicle_id__in=plan.changed_vehicles()) | Q(
        customer_id__in=plan.changed_customers()
    )
    visits = (
        ServiceVisit.objects.filter(dealer_id=plan.dealer_id)
        .filter(plan.scope(TaskKind.SERVICE_CALLBACK, where, changed))
        .exclude(visit_type=VisitType.RESCUE)
    )
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

    def where(day):
        latest = day - datetime.timedelta(days=rule.offset_days)
        earliest = latest - datetime.timedelta(days=rule.window_days - 1 + GRACE_DAYS)
        return Q(purchase_date__range=(earliest, latest))

    vehicles = Vehicle.objects.filter(dealer_id=plan.dealer_id).filter(
        plan.scope(TaskKind.NEW_CAR_CALL, where, _vehicle_changed(plan))
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

    def where(day):
        return Q(
            maintenance_due_date__range=(
                day - datetime.timedelta(days=rule.window_days + GRACE_DAYS),
                day + datetime.timedelta(days=rule.lead_days),
            )
        )

    plans = VehiclePlan.objects.filter(dealer_id=plan.dealer_id, first_maintenance=first).filter(
        plan.scope(kind, where, _plan_changed(plan))
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

    def where(day):
        return Q(**{f"{field}__range": (day, day + datetime.timedelta(days=rule.lead_days))})

    vehicles = Vehicle.objects.filter(dealer_id=plan.dealer_id).filter(
        plan.scope(kind, where, _vehicle_changed(plan))
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
    rules_changed = InspectionRule.objects.filter(
        dealer_id=plan.dealer_id, updated_at__gte=plan.since or plan.now
    ).exists()
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

            def where(day, months=months):
                first = day - datetime.timedelta(days=GRACE_DAYS)
                last = day + datetime.timedelta(days=rule.lead_days)
                return Q(c_due__range=(first, last))

            due = AddMonths(F("registration_date"), months)
            vehicles = (
                Vehicle.objects.filter(
                    dealer_id=plan.dealer_id, usage=usage, registration_date__range=(low, high)
                )
                .annotate(c_due=due)
                .filter(
                    where(plan.today)
                    if rules_changed
                    else plan.scope(TaskKind.INSPECTION, where, _vehicle_changed(plan))
                )
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

        def where(day, months=months):
            latest = _months_before(day, months)
            earliest = latest - datetime.timedelta(days=rule.window_days + GRACE_DAYS)
            return Q(last_visit_date__range=(earliest, latest))

        plans = VehiclePlan.objects.filter(dealer_id=plan.dealer_id).filter(
            plan.scope(TaskKind.RETENTION, where, _plan_changed(plan))
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
    def skipped(day):
        overdue = day - datetime.timedelta(days=30)
        return Q(
            maintenance_due_date__range=(overdue - datetime.timedelta(days=GRACE_DAYS), overdue)
        )

    plans = VehiclePlan.objects.filter(
        dealer_id=plan.dealer_id, first_maintenance=True, last_visit_date__isnull=True
    ).filter(plan.scope(TaskKind.RETENTION, skipped, _plan_changed(plan)))
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


def _days(today: datetime.date, rule: CareRule) -> list[datetime.date]:
    """The days whose greetings are due now: today back to the grace period, plus lead days."""
    return [
        today + datetime.timedelta(days=offset) for offset in range(-GRACE_DAYS, rule.lead_days + 1)
    ]


def _vehicle_changed(plan: DayPlan) -> Q:
    """Vehicles (or their owners) edited since the previous run."""
    return Q(pk__in=plan.changed_vehicles()) | Q(owner_id__in=plan.changed_customers())


def _plan_changed(plan: DayPlan) -> Q:
    """Plans of vehicles changed since the previous run, or whose owner changed."""
    owned = Vehicle.objects.filter(
        dealer_id=plan.dealer_id, owner_id__in=plan.changed_customers()
    ).values("pk")
    return Q(vehicle_id__in=plan.changed_vehicles()) | Q(vehicle_id__in=owned)


def _birthdays(plan: DayPlan) -> int:
    """Birthday greetings on the day, by the solar or the lunar calendar (leap months too)."""
    rule = plan.rules[TaskKind.BIRTHDAY]
    created = 0
    customers = Customer.objects.filter(dealer_id=plan.dealer_id)
    planned_before = set()
    if plan.since is not None and rule.updated_at < plan.since:
        planned_before = set(_days(plan.previous_day, rule))
        changed_customers = Q(pk__in=plan.changed_customers())
    for day in _days(plan.today, rule):
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
            if day in planned_before:
                matching = matching.filter(changed_customers)
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
            planned_before = (
                plan.since is not None
                and rule.updated_at < plan.since
                and day - datetime.timedelta(days=rule.lead_days) <= plan.previous_day <= day
            )
            if planned_before:
                customers = customers.filter(
                    Q(pk__in=plan.changed_customers()) | Q(last_visit_date__gte=plan.previous_day)
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


def tasks_close_moot(
    *, dealer_id: int, now: datetime.datetime, since: datetime.datetime | None = None
) -> int:
    """Close open reminders the customer made pointless: they came, or renewed elsewhere.

    Only vehicles changed since `since` can have made a task moot (a visit or an edit moves
    the vehicle's updated_at).
    """
    open_tasks = ContactTask.objects.filter(dealer_id=dealer_id, state=TaskState.OPEN)
    if since is not None:
        open_tasks = open_tasks.filter(
            vehicle_id__in=Vehicle.objects.filter(
                dealer_id=dealer_id, updated_at__gte=since
            ).values("pk")
        )
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
    """Create the dealer's due tasks and close the moot ones; safe to run any number of times.

    Incremental: vehicle plans are rebuilt only for vehicles changed since the previous run,
    and rows the previous run already planned are skipped unless their vehicle or customer
    changed. A change of the dealer's settings, schedules or a rule plans everything again.
    """
    # Defaults first: a rule created now must not look edited after this run started.
    care_defaults_ensure(dealer_id=dealer_id)
    now = timezone.now()
    today = today or timezone.localdate(now)
    previous = (
        PlanRun.objects.filter(dealer_id=dealer_id, finished_at__isnull=False, run_on__lte=today)
        .order_by("-started_at")
        .first()
    )
    run = PlanRun.objects.create(dealer_id=dealer_id, run_on=today, started_at=now)
    # Subjects and names written into tasks are dealer data: in the dealer's language.
    with translation.override("zh-hans"), transaction.atomic():
        # One planner per dealer at a time: a second worker waits here, then finds nothing new.
        CareSettings.objects.select_for_update().filter(dealer_id=dealer_id).first()
        if previous is not None and _settings_changed(dealer_id, previous.started_at):
            previous = None
        # Vehicles touched while the previous run was running are refreshed again: harmless.
        run.plans_refreshed = vehicle_plans_refresh(
            dealer_id=dealer_id, since=previous.started_at if previous else None
        )
        plan = DayPlan(dealer_id, today, now, previous)
        created = {}
        for kind, generate in GENERATORS:
            if kind in plan.rules or (
                kind == TaskKind.RECALL and TaskKind.EVENT_INVITATION in plan.rules
            ):
                count = generate(plan)
                if count:
                    created[kind] = count
        run.created = created
        run.closed = tasks_close_moot(dealer_id=dealer_id, now=now, since=plan.since)
    run.finished_at = timezone.now()
    run.save()
    logger.info("planned dealer %s for %s: %s", dealer_id, today, created)
    return run


def _settings_changed(dealer_id: int, since: datetime.datetime) -> bool:
    """Settings or maintenance schedules edited since: every vehicle plan is rebuilt."""
    return (
        CareSettings.objects.filter(dealer_id=dealer_id, updated_at__gte=since).exists()
        or MaintenanceSchedule.objects.filter(dealer_id=dealer_id, updated_at__gte=since).exists()
    )


def mileage_estimate(*, vehicle: Vehicle, plan: VehiclePlan | None, day: datetime.date) -> int:
    """The odometer today, estimated from the latest reading and the vehicle's km a day."""
    reading_date = vehicle.mileage_date or vehicle.purchase_date
    if reading_date is None or plan is None:
        return vehicle.mileage
    return vehicle.mileage + round(plan.daily_km * max(0, (day - reading_date).days))
