"""The contact-center settings: validation with field errors, tenancy, and that saved values act."""

import datetime

import pytest
from django.urls import reverse

from dcrc.care import calendar
from dcrc.care.choices import TaskKind
from dcrc.care.models import Campaign, CareRule, CareSettings, Holiday, MaintenanceSchedule
from dcrc.core.choices import Role
from tests.care.kpi_data import SH, make_task
from tests.factories import UserFactory, make_customer, make_vehicle, random_vin

pytestmark = pytest.mark.django_db

GENERAL = {
    "window_0_start": "08:30",
    "window_0_end": "11:00",
    "window_1_start": "15:00",
    "window_1_end": "20:00",
    "office_hours_start": "09:00",
    "office_hours_end": "17:30",
    "max_attempts": "4",
    "sms_fallback": "on",
    "default_daily_km": "50",
    "reply_deadline_hours": "12",
    "sms_quiet_start": "21:00",
    "sms_quiet_end": "08:00",
    "sms_rate_per_minute": "30",
    "sms_signature": "广州店",
    "arrival_window_days": "20",
}


@pytest.fixture
def manager(client, care_a, cr_manager_a):
    client.force_login(cr_manager_a)
    return client


def errors_of(response):
    assert response.status_code == 200
    return response.context["form"].errors


def test_it_is_closed_to_agents(client, care_a, agent_a):
    client.force_login(agent_a)
    assert client.get(reverse("care:settings")).status_code == 403
    assert client.get(reverse("care:settings_list", args=["campaigns"])).status_code == 403


def test_it_asks_for_one_dealer_when_all_are_shown(client, care_a, dealer_b):
    both = UserFactory(role=Role.CR_MANAGER, dealers=[care_a, dealer_b])
    client.force_login(both)
    client.post(reverse("switch_dealer"), {"dealer": "all"})
    response = client.get(reverse("care:settings"))
    assert b'id="settings-choose-dealer"' in response.content
    assert client.get(reverse("care:settings_list", args=["holidays"])).status_code == 200


def test_it_saves_the_settings_and_the_planner_uses_the_new_windows(manager, care_a):
    response = manager.post(reverse("care:settings"), GENERAL)
    assert response.status_code == 302
    settings = CareSettings.objects.get(dealer=care_a)
    assert settings.call_windows == [["08:30", "11:00"], ["15:00", "20:00"]]
    assert (settings.max_attempts, settings.arrival_window_days) == (4, 20)
    # 2026-03-03 is a Tuesday: 11:30 is now outside a window, the next slot opens at 15:00.
    after = datetime.datetime(2026, 3, 3, 11, 30, tzinfo=SH)
    slot, window = calendar.next_call_slot(settings, after=after)
    assert (slot.hour, window) == (15, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"window_0_start": "25:00"}, "window_0_start"),
        ({"window_0_end": "08:00"}, "window_0_end"),
        ({"window_1_start": "10:30"}, "window_1_start"),
        ({"window_1_end": ""}, "window_1_end"),
        (
            {"window_0_start": "", "window_0_end": "", "window_1_start": "", "window_1_end": ""},
            "window_0_start",
        ),
        ({"office_hours_end": "08:00"}, "office_hours_end"),
        ({"max_attempts": "0"}, "max_attempts"),
        ({"max_attempts": "abc"}, "max_attempts"),
        ({"reply_deadline_hours": "1000"}, "reply_deadline_hours"),
        ({"sms_quiet_end": "21:00"}, "sms_quiet_end"),
        ({"sms_signature": "一" * 30}, "sms_signature"),
    ],
)
def test_it_rejects_bad_settings_on_their_field(manager, care_a, changes, field):
    before = CareSettings.objects.get(dealer=care_a).call_windows
    errors = errors_of(manager.post(reverse("care:settings"), {**GENERAL, **changes}))
    assert field in errors
    assert CareSettings.objects.get(dealer=care_a).call_windows == before


def test_it_edits_a_rule(manager, care_a):
    rule = CareRule.objects.get(dealer=care_a, kind=TaskKind.SERVICE_CALLBACK)
    data = {
        "enabled": "on",
        "priority": "2",
        "channel": "phone",
        "offset_days": "2",
        "lead_days": "0",
        "window_days": "2",
        "script": "您好，{name}，我是{dealer}的{agent}。",
    }
    response = manager.post(reverse("care:settings_rule", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.priority, rule.offset_days, rule.window_days, rule.call_on_holidays) == (
        2,
        2,
        2,
        False,
    )
    page = manager.get(reverse("care:settings_rules"))
    assert b'data-testid="rule-service_callback"' in page.content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": "0"}, "priority"),
        ({"priority": "6"}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"window_days": "0"}, "window_days"),
        ({"script": "您好 {customer}"}, "script"),
    ],
)
def test_it_rejects_bad_rules_on_their_field(manager, care_a, changes, field):
    rule = CareRule.objects.get(dealer=care_a, kind=TaskKind.RETENTION)
    data = {"priority": "3", "channel": "phone", "offset_days": "0", "lead_days": "0"}
    data |= {"window_days": "14", "script": "", **changes}
    assert field in errors_of(manager.post(reverse("care:settings_rule", args=[rule.pk]), data))
    rule.refresh_from_db()
    assert rule.priority == 3


def test_it_keeps_other_dealers_rules_out_of_reach(manager, care_b):
    rule = CareRule.objects.filter(dealer=care_b).first()
    assert manager.get(reverse("care:settings_rule", args=[rule.pk])).status_code == 404


def test_it_manages_maintenance_schedules_per_brand_and_series(manager, care_a, care_b):
    url = reverse("care:settings_create", args=["maintenance"])
    data = {"brand": "大众", "series": "帕萨特", "first_km": "7500", "first_months": "6"}
    data |= {"interval_km": "7500", "interval_months": "6"}
    assert manager.post(url, data).status_code == 302
    assert MaintenanceSchedule.objects.filter(dealer=care_a, series="帕萨特").exists()
    assert "series" in errors_of(manager.post(url, data))
    assert "brand" in errors_of(manager.post(url, {**data, "brand": "", "series": "朗逸"}))
    assert "interval_km" in errors_of(
        manager.post(url, {**data, "series": "朗逸", "interval_km": "0"})
    )
    other = MaintenanceSchedule.objects.get(dealer=care_b)
    listing = manager.get(reverse("care:settings_list", args=["maintenance"]))
    assert f'data-testid="row-{other.pk}"'.encode() not in listing.content
    edit = reverse("care:settings_edit", args=["maintenance", other.pk])
    assert manager.get(edit).status_code == 404


def test_it_checks_inspection_rules(manager, care_a):
    url = reverse("care:settings_create", args=["inspection"])
    data = {"usage": "private", "start_month": "120", "end_month": "60", "every_months": "12"}
    assert "end_month" in errors_of(manager.post(url, data))
    assert "usage" in errors_of(manager.post(url, {**data, "usage": "taxi"}))
    assert manager.post(url, {**data, "end_month": "180"}).status_code == 302


def test_it_adds_a_dealer_holiday_that_blocks_routine_calls(manager, care_a, dealer_b):
    day = datetime.date(2026, 3, 4)  # a Wednesday
    url = reverse("care:settings_create", args=["holidays"])
    response = manager.post(url, {"date": "2026-03-04", "name": "店庆", "national": "on"})
    assert response.status_code == 302
    holiday = Holiday.objects.get(date=day)
    assert holiday.dealer_id == care_a.pk  # "national" is for administrators only
    assert calendar.is_public_holiday(day, care_a.pk)
    assert not calendar.is_public_holiday(day, dealer_b.pk)
    settings = CareSettings.objects.get(dealer=care_a)
    slot, _window = calendar.next_call_slot(
        settings, after=datetime.datetime(2026, 3, 4, 9, 30, tzinfo=SH)
    )
    assert slot.date() == datetime.date(2026, 3, 5)
    assert "date" in errors_of(manager.post(url, {"date": "2026-03-04", "name": "重复"}))
    assert "date" in errors_of(manager.post(url, {"date": "2026-02-30", "name": "坏日期"}))


def test_it_lets_only_administrators_edit_national_days(client, manager, care_a, admin_user):
    national = Holiday.objects.create(date=datetime.date(2027, 1, 1), name="元旦")
    listing = manager.get(reverse("care:settings_list", args=["holidays"]))
    assert f'data-testid="row-{national.pk}"'.encode() in listing.content
    edit = reverse("care:settings_edit", args=["holidays", national.pk])
    assert manager.get(edit).status_code == 404
    delete = reverse("care:settings_delete", args=["holidays", national.pk])
    assert manager.post(delete).status_code == 404
    client.force_login(admin_user)
    client.post(reverse("switch_dealer"), {"dealer": care_a.pk})
    url = reverse("care:settings_create", args=["holidays"])
    assert (
        client.post(url, {"date": "2027-02-06", "name": "春节", "national": "on"}).status_code
        == 302
    )
    assert Holiday.objects.get(date=datetime.date(2027, 2, 6)).dealer_id is None
    assert (
        client.post(edit, {"date": "2027-01-01", "name": "元旦节", "national": "on"}).status_code
        == 302
    )
    national.refresh_from_db()
    assert national.name == "元旦节"


def test_it_normalises_and_checks_the_vins_of_a_campaign(manager, care_a):
    good = random_vin()
    url = reverse("care:settings_create", args=["campaigns"])
    data = {"kind": "recall", "code": "r2026-01", "title": "转向机召回", "starts_on": "2026-03-01"}
    data |= {"active": "on"}
    bad = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    errors = errors_of(manager.post(url, {**data, "vins": f"{good}\n{bad}\nABC"}))
    assert "vins" in errors and len(errors["vins"]) == 2
    assert "vins" in errors_of(manager.post(url, data))  # a recall needs its vehicles
    spaced = f" {good[:4].lower()} {good[4:]} "
    assert manager.post(url, {**data, "vins": f"{spaced}\n{good}"}).status_code == 302
    campaign = Campaign.objects.get(dealer=care_a)
    assert (campaign.code, campaign.vins) == ("R2026-01", good)
    assert "code" in errors_of(manager.post(url, {**data, "vins": good, "code": "R2026-01"}))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "event"}, "event_date"),
        ({"ends_on": "2026-02-01"}, "ends_on"),
        ({"model_year_from": "2024", "model_year_to": "2020"}, "model_year_to"),
        ({"model_year_from": "1800"}, "model_year_from"),
        ({"starts_on": "tomorrow"}, "starts_on"),
        ({"kind": "lottery"}, "kind"),
        ({"script": "{plate} {unknown}"}, "script"),
    ],
)
def test_it_rejects_bad_campaigns_on_their_field(manager, care_a, changes, field):
    data = {"kind": "special_check", "code": "SC1", "title": "检查", "starts_on": "2026-03-01"}
    data |= {"brand": "大众", **changes}
    response = manager.post(reverse("care:settings_create", args=["campaigns"]), data)
    assert field in errors_of(response)
    assert not Campaign.objects.exists()


def test_it_keeps_a_campaign_that_tasks_refer_to(manager, care_a):
    campaign = Campaign.objects.create(
        dealer=care_a, kind="recall", code="R1", title="召回", starts_on=datetime.date(2026, 3, 1)
    )
    vehicle = make_vehicle(make_customer(care_a))
    make_task(
        dealer=care_a,
        kind=TaskKind.RECALL,
        vehicle=vehicle,
        created_at=datetime.datetime(2026, 3, 2, 9, tzinfo=SH),
        campaign=campaign,
    )
    response = manager.post(reverse("care:settings_delete", args=["campaigns", campaign.pk]))
    assert response.status_code == 302
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    free = Campaign.objects.create(
        dealer=care_a, kind="event", code="E1", title="活动", starts_on=datetime.date(2026, 3, 1)
    )
    manager.post(reverse("care:settings_delete", args=["campaigns", free.pk]))
    assert not Campaign.objects.filter(pk=free.pk).exists()


def test_it_answers_404_for_an_unknown_section(manager):
    assert manager.get(reverse("care:settings_list", args=["payroll"])).status_code == 404


def test_it_renders_every_settings_page(manager, care_a):
    pages = [reverse("care:settings"), reverse("care:settings_rules")]
    for name in ("maintenance", "inspection", "holidays", "campaigns"):
        pages += [
            reverse("care:settings_list", args=[name]),
            reverse("care:settings_create", args=[name]),
        ]
    rule = CareRule.objects.filter(dealer=care_a).first()
    pages.append(reverse("care:settings_rule", args=[rule.pk]))
    for url in pages:
        assert manager.get(url).status_code == 200, url
