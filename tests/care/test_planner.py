"""The daily planner: every rule, idempotency, incremental refresh, moot tasks."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dcrc.care.choices import CampaignKind, Channel, CloseReason, TaskKind, TaskState
from dcrc.care.models import (
    Campaign,
    CareRule,
    CareSettings,
    ContactTask,
    MaintenanceSchedule,
    VehiclePlan,
)
from dcrc.care.planner import plan_daily
from dcrc.customers import services
from dcrc.customers.choices import VisitType
from tests.factories import make_customer, make_vehicle

TODAY = timezone.localdate()
D = datetime.timedelta


def visit(vehicle, days_ago, km, kind=VisitType.MINOR_REPAIR, ro=""):
    services.service_visit_record(
        vehicle=vehicle,
        visit_date=TODAY - D(days=days_ago),
        mileage=km,
        visit_type=kind,
        amount=Decimal("300"),
        repair_order_no=ro,
    )
    vehicle.refresh_from_db()


def tasks(dealer, kind):
    return list(ContactTask.objects.filter(dealer=dealer, kind=kind).order_by("pk"))


def test_it_creates_the_callback_the_day_after_a_visit_and_only_once(care_a, vehicle_a):
    visit(vehicle_a, 1, 12000, ro="RO1")

    plan_daily(dealer_id=care_a.pk)
    rerun = plan_daily(dealer_id=care_a.pk)

    [task] = tasks(care_a, TaskKind.SERVICE_CALLBACK)
    assert (task.due_from, task.due_until) == (TODAY, TODAY + D(days=2))
    assert task.source_visit.repair_order_no == "RO1"
    assert task.customer_id == vehicle_a.owner_id and task.priority == 1
    assert rerun.created == {}


def test_it_waits_for_the_offset_before_calling_back(care_a, vehicle_a):
    visit(vehicle_a, 0, 12000)

    plan_daily(dealer_id=care_a.pk)

    assert tasks(care_a, TaskKind.SERVICE_CALLBACK) == []


def test_it_never_plans_calls_to_customers_who_do_not_want_contact(care_a):
    quiet = make_customer(care_a, contact_preference="none")
    sms_only = make_customer(care_a, contact_preference="sms")
    for owner in (quiet, sms_only):
        visit(make_vehicle(owner), 2, 9000)

    plan_daily(dealer_id=care_a.pk)

    [task] = tasks(care_a, TaskKind.SERVICE_CALLBACK)
    assert task.customer == sms_only and task.channel == Channel.SMS


def test_it_calls_new_owners_seven_days_after_purchase(care_a, customer_a):
    car = make_vehicle(customer_a, purchase_date=TODAY - D(days=7))

    plan_daily(dealer_id=care_a.pk)

    [task] = tasks(care_a, TaskKind.NEW_CAR_CALL)
    assert task.vehicle == car and task.due_from == TODAY


def test_it_estimates_daily_km_from_no_one_or_many_readings(care_a, customer_a):
    none = make_vehicle(customer_a, purchase_date=TODAY - D(days=100))
    one = make_vehicle(customer_a, purchase_date=TODAY - D(days=200))
    visit(one, 100, 5000)  # 5 000 km in 100 days
    many = make_vehicle(customer_a, purchase_date=TODAY - D(days=400), purchase_mileage=10)
    visit(many, 300, 3010)
    visit(many, 100, 12010)  # 12 000 km in 300 days since purchase
    no_purchase = make_vehicle(customer_a, purchase_date=None)
    visit(no_purchase, 200, 1000)
    visit(no_purchase, 100, 4000)  # 3 000 km between the first and the last visit

    plan_daily(dealer_id=care_a.pk)

    plans = {p.vehicle_id: p.daily_km for p in VehiclePlan.objects.all()}
    assert plans[none.pk] == 40  # the dealer's default
    assert plans[one.pk] == pytest.approx(50)
    assert plans[many.pk] == pytest.approx(40)
    assert plans[no_purchase.pk] == pytest.approx(30)


def test_it_reminds_of_first_maintenance_by_date_or_mileage_whichever_first(care_a, customer_a):
    CareSettings.objects.filter(dealer=care_a).update(default_daily_km=10)
    by_date = make_vehicle(customer_a, purchase_date=_months_ago(TODAY, 6) + D(days=3))
    by_km = make_vehicle(customer_a, purchase_date=TODAY - D(days=40))
    visit(by_km, 5, 4900)  # 140 km a day: 5 000 km one day after the reading
    not_yet = make_vehicle(customer_a, purchase_date=TODAY - D(days=60))

    plan_daily(dealer_id=care_a.pk)

    reminded = {t.vehicle_id: t for t in tasks(care_a, TaskKind.FIRST_MAINTENANCE)}
    assert set(reminded) == {by_date.pk, by_km.pk}
    assert not_yet.pk not in reminded
    assert reminded[by_date.pk].due_date == TODAY + D(days=3)
    assert reminded[by_km.pk].due_date == TODAY - D(days=5)  # whole days: reached that day


def test_it_follows_the_schedule_of_the_model(care_a, customer_a):
    MaintenanceSchedule.objects.create(
        dealer=care_a, brand="大众", series="途观", first_months=3, first_km=3000
    )
    CareSettings.objects.filter(dealer=care_a).update(default_daily_km=10)
    tiguan = make_vehicle(customer_a, series="途观", purchase_date=_months_ago(TODAY, 3))
    passat = make_vehicle(customer_a, series="帕萨特", purchase_date=_months_ago(TODAY, 3))

    plan_daily(dealer_id=care_a.pk)

    assert {t.vehicle_id for t in tasks(care_a, TaskKind.FIRST_MAINTENANCE)} == {tiguan.pk}
    assert VehiclePlan.objects.get(vehicle=passat).maintenance_due_date > TODAY + D(days=7)


def test_it_clamps_maintenance_dates_at_month_ends_and_leap_years(care_a, customer_a):
    car = make_vehicle(customer_a, purchase_date=datetime.date(2023, 1, 5))
    services.service_visit_record(
        vehicle=car,
        visit_date=datetime.date(2023, 2, 28),
        mileage=5000,
        visit_type=VisitType.FIRST_MAINTENANCE,
    )
    services.service_visit_record(
        vehicle=car,
        visit_date=datetime.date(2023, 2, 28) + D(days=1),
        mileage=5001,
        visit_type=VisitType.MINOR_REPAIR,
    )
    leap = make_vehicle(customer_a, purchase_date=datetime.date(2023, 8, 31))
    CareSettings.objects.filter(dealer=care_a).update(default_daily_km=10)

    plan_daily(dealer_id=care_a.pk, today=datetime.date(2024, 2, 22))

    # 31 August + 6 months: the last day of February, 29 in a leap year.
    assert VehiclePlan.objects.get(vehicle=leap).maintenance_due_date == datetime.date(2024, 2, 29)
    first = [t for t in tasks(care_a, TaskKind.FIRST_MAINTENANCE) if t.vehicle_id == leap.pk]
    assert first and first[0].due_date == datetime.date(2024, 2, 29)
    # 28 February 2023 + 12 months = 28 February 2024 (or earlier by mileage).
    assert VehiclePlan.objects.get(vehicle=car).maintenance_due_date <= datetime.date(2024, 2, 28)


def test_it_closes_a_maintenance_reminder_when_the_customer_came(care_a, customer_a):
    CareSettings.objects.filter(dealer=care_a).update(default_daily_km=10)
    car = make_vehicle(customer_a, purchase_date=_months_ago(TODAY, 6))
    plan_daily(dealer_id=care_a.pk)
    [task] = tasks(care_a, TaskKind.FIRST_MAINTENANCE)

    visit(car, 0, 4800, kind=VisitType.FIRST_MAINTENANCE)
    run = plan_daily(dealer_id=care_a.pk)

    task.refresh_from_db()
    assert (task.state, task.close_reason) == (TaskState.CANCELLED, CloseReason.MOOT)
    assert run.closed == 1 and run.plans_refreshed == 1
    assert VehiclePlan.objects.get(vehicle=car).first_maintenance is False
    assert tasks(care_a, TaskKind.FIRST_MAINTENANCE) == [task]  # no new reminder for now


def test_it_refreshes_only_vehicles_changed_since_the_last_run(care_a, customer_a):
    cars = [make_vehicle(customer_a) for _ in range(3)]
    first = plan_daily(dealer_id=care_a.pk)
    visit(cars[0], 1, 20000)

    second = plan_daily(dealer_id=care_a.pk)
    third = plan_daily(dealer_id=care_a.pk)

    assert first.plans_refreshed == 3
    assert second.plans_refreshed == 1
    assert third.plans_refreshed == 0 and third.created == {}


@pytest.mark.parametrize(
    ("usage", "age_months", "due"),
    [
        ("private", 72, True),  # the inspection mark at six years
        ("private", 96, False),  # exempt at eight years
        ("private", 132, True),  # yearly after ten years
        ("private", 198, True),  # twice a year after fifteen
        ("commercial", 24, True),
        ("commercial", 30, False),
    ],
)
def test_it_reminds_of_inspections_by_usage_and_age(care_a, customer_a, usage, age_months, due):
    today = datetime.date(2026, 3, 10)
    months = today.year * 12 + today.month - 1 - age_months
    registered = datetime.date(months // 12, months % 12 + 1, 25)  # due in 15 days
    make_vehicle(customer_a, usage=usage, registration_date=registered, purchase_date=registered)

    plan_daily(dealer_id=care_a.pk, today=today)

    found = tasks(care_a, TaskKind.INSPECTION)
    assert bool(found) is due
    if due:
        assert found[0].due_date == registered.replace(year=today.year, month=today.month)


def test_it_reminds_of_insurance_and_closes_it_once_renewed(care_a, customer_a):
    car = make_vehicle(customer_a, insurance_expiry=TODAY + D(days=20))
    make_vehicle(customer_a, insurance_expiry=TODAY + D(days=45))
    plan_daily(dealer_id=care_a.pk)
    [task] = tasks(care_a, TaskKind.INSURANCE_RENEWAL)
    assert task.vehicle == car and task.due_until == TODAY + D(days=20)

    services.vehicle_update(vehicle=car, insurance_expiry=TODAY + D(days=385))
    plan_daily(dealer_id=care_a.pk)

    task.refresh_from_db()
    assert task.state == TaskState.CANCELLED


def test_it_reminds_of_warranty_expiry(care_a, customer_a):
    car = make_vehicle(customer_a, warranty_end_date=TODAY + D(days=30))

    plan_daily(dealer_id=care_a.pk)

    [task] = tasks(care_a, TaskKind.WARRANTY_EXPIRY)
    assert task.vehicle == car and task.due_from == TODAY


def test_it_asks_customers_not_back_for_three_months(care_a, customer_a):
    car = make_vehicle(customer_a)
    today = TODAY
    visit(car, (today - (today - D(days=92))).days, 20000)
    # Not yet three calendar months for a visit two days later.
    plan_daily(dealer_id=care_a.pk)

    found = tasks(care_a, TaskKind.RETENTION)
    assert len(found) <= 1
    car2 = make_vehicle(customer_a)
    three_months_ago = _months_ago(today, 3)
    visit(car2, (today - three_months_ago).days, 15000)
    plan_daily(dealer_id=care_a.pk)
    assert any(t.vehicle_id == car2.pk for t in tasks(care_a, TaskKind.RETENTION))


def _months_ago(day, months):
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue


def test_it_greets_solar_birthdays_and_29_february_in_common_years(care_a):
    today = datetime.date(2026, 2, 28)
    born_today = make_customer(care_a, birthday=datetime.date(1985, 2, 28))
    leapling = make_customer(care_a, birthday=datetime.date(1988, 2, 29))
    make_customer(care_a, birthday=datetime.date(1985, 3, 1))

    plan_daily(dealer_id=care_a.pk, today=today)

    greeted = {t.customer_id for t in tasks(care_a, TaskKind.BIRTHDAY) if t.due_date == today}
    assert greeted == {born_today.pk, leapling.pk}
    assert all(t.channel == Channel.SMS for t in tasks(care_a, TaskKind.BIRTHDAY))


def test_it_greets_lunar_birthdays_including_leap_months(care_a):
    # 2025 has a leap sixth month: 闰六月初一 = 25 July 2025; 六月初一 = 25 June 2025.
    regular = make_customer(
        care_a, birthday_calendar="lunar", lunar_birthday_month=6, lunar_birthday_day=1
    )
    leap = make_customer(
        care_a,
        birthday_calendar="lunar",
        lunar_birthday_month=6,
        lunar_birthday_day=1,
        lunar_birthday_leap=True,
    )

    plan_daily(dealer_id=care_a.pk, today=datetime.date(2025, 6, 25))
    on_regular = {t.customer_id for t in tasks(care_a, TaskKind.BIRTHDAY)}
    plan_daily(dealer_id=care_a.pk, today=datetime.date(2025, 7, 25))
    on_leap = {t.customer_id for t in tasks(care_a, TaskKind.BIRTHDAY)} - on_regular

    assert on_regular == {regular.pk}
    assert on_leap == {leap.pk}


def test_it_greets_a_leap_month_birthday_in_a_year_without_that_leap_month(care_a):
    leap = make_customer(
        care_a,
        birthday_calendar="lunar",
        lunar_birthday_month=6,
        lunar_birthday_day=1,
        lunar_birthday_leap=True,
    )

    # 2026 has no leap sixth month: 六月初一 = 14 July 2026.
    plan_daily(dealer_id=care_a.pk, today=datetime.date(2026, 7, 14))

    assert {t.customer_id for t in tasks(care_a, TaskKind.BIRTHDAY)} == {leap.pk}


def test_it_greets_active_customers_before_a_festival(care_a, customer_a, vehicle_a):
    visit(vehicle_a, 30, 8000)
    make_customer(care_a)  # never came: not greeted

    # Mid-Autumn 2026 is 25 September; greetings go out the day before.
    plan_daily(dealer_id=care_a.pk, today=datetime.date(2026, 9, 24))

    [task] = tasks(care_a, TaskKind.HOLIDAY)
    assert task.customer == customer_a and task.due_date == datetime.date(2026, 9, 25)


def test_it_plans_recalls_by_vin_list_and_event_invitations(care_a, customer_a):
    target = make_vehicle(customer_a)
    make_vehicle(customer_a)
    Campaign.objects.create(
        dealer=care_a,
        kind=CampaignKind.RECALL,
        code="R-2026-01",
        title="转向机召回",
        starts_on=TODAY,
        vins=target.vin.lower() + "\n",
    )
    Campaign.objects.create(
        dealer=care_a,
        kind=CampaignKind.EVENT,
        code="E1",
        title="车主自驾游",
        starts_on=TODAY,
        event_date=TODAY + D(days=3),
    )

    plan_daily(dealer_id=care_a.pk)

    [recall] = tasks(care_a, TaskKind.RECALL)
    assert recall.vehicle == target and recall.subject == "转向机召回"
    [invitation] = tasks(care_a, TaskKind.EVENT_INVITATION)
    assert invitation.customer == customer_a


def test_a_disabled_rule_creates_nothing(care_a, vehicle_a):
    CareRule.objects.filter(dealer=care_a, kind=TaskKind.SERVICE_CALLBACK).update(enabled=False)
    visit(vehicle_a, 1, 9000)

    plan_daily(dealer_id=care_a.pk)

    assert tasks(care_a, TaskKind.SERVICE_CALLBACK) == []


def test_it_plans_each_dealer_alone(care_a, care_b, vehicle_a):
    visit(vehicle_a, 1, 9000)

    plan_daily(dealer_id=care_b.pk)

    assert not ContactTask.objects.exists()


def test_it_estimates_todays_odometer_from_the_daily_km(care_a, customer_a):
    from dcrc.care.planner import mileage_estimate

    car = make_vehicle(customer_a, purchase_date=TODAY - D(days=200))
    visit(car, 100, 5000)  # 50 km a day
    plan_daily(dealer_id=care_a.pk)
    car.refresh_from_db()

    assert mileage_estimate(vehicle=car, plan=car.plan, day=TODAY) == 10000
    assert mileage_estimate(vehicle=car, plan=None, day=TODAY) == 5000


def test_a_rerun_plans_what_changed_since_the_last_run(care_a):
    quiet = make_customer(care_a, contact_preference="none")
    visit(make_vehicle(quiet), 1, 9000)
    plan_daily(dealer_id=care_a.pk)
    assert tasks(care_a, TaskKind.SERVICE_CALLBACK) == []

    services.customer_update(customer=quiet, contact_preference="phone")
    rerun = plan_daily(dealer_id=care_a.pk)

    assert rerun.created == {TaskKind.SERVICE_CALLBACK: 1}


def test_a_changed_rule_is_planned_again_in_full(care_a, customer_a):
    make_vehicle(customer_a, insurance_expiry=TODAY + D(days=40))
    plan_daily(dealer_id=care_a.pk)
    assert tasks(care_a, TaskKind.INSURANCE_RENEWAL) == []

    rule = CareRule.objects.get(dealer=care_a, kind=TaskKind.INSURANCE_RENEWAL)
    rule.lead_days = 45
    rule.save()
    plan_daily(dealer_id=care_a.pk)

    assert len(tasks(care_a, TaskKind.INSURANCE_RENEWAL)) == 1


def test_the_next_day_plans_what_came_into_range(care_a, customer_a):
    make_vehicle(customer_a, insurance_expiry=TODAY + D(days=31))
    plan_daily(dealer_id=care_a.pk, today=TODAY - D(days=1))
    plan_daily(dealer_id=care_a.pk, today=TODAY)
    assert tasks(care_a, TaskKind.INSURANCE_RENEWAL) == []

    plan_daily(dealer_id=care_a.pk, today=TODAY + D(days=1))

    assert len(tasks(care_a, TaskKind.INSURANCE_RENEWAL)) == 1
