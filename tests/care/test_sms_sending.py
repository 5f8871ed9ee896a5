"""Sending rules: opt-out, marketing vs service, quiet hours, the rate limit, deferred sending."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dcrc.care import sms
from dcrc.care.calendar import care_settings
from dcrc.care.choices import SmsDirection, SmsStatus, TaskKind
from dcrc.care.models import ContactTask, SmsMessage, SmsTemplate
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


def send(customer, *, marketing=False, now=None, body="测试短信"):
    return sms.sms_send(
        dealer_id=customer.dealer_id,
        phone=customer.mobile,
        body=body,
        customer=customer,
        is_marketing=marketing,
        now=now or at(23, 10),
    )


@pytest.fixture
def templates(care_a):
    sms.sms_templates_ensure(dealer_id=care_a.pk)
    return {t.code: t for t in SmsTemplate.objects.filter(dealer=care_a)}


# --- templates -------------------------------------------------------------------------------


def test_it_creates_the_default_templates_once(care_a, templates):
    assert set(templates) == set(sms.DEFAULT_TEMPLATES)
    assert {t.task_kind for t in templates.values()} >= {
        TaskKind.SERVICE_CALLBACK,
        TaskKind.MAINTENANCE,
        TaskKind.FIRST_MAINTENANCE,
        TaskKind.INSPECTION,
        TaskKind.INSURANCE_RENEWAL,
        TaskKind.WARRANTY_EXPIRY,
        TaskKind.APPOINTMENT_REMINDER,
        TaskKind.BIRTHDAY,
        TaskKind.HOLIDAY,
        TaskKind.EVENT_INVITATION,
    }
    for template in templates.values():
        assert template.body.endswith(sms.UNSUBSCRIBE) == template.is_marketing, template.code
        assert set(sms.template_fields(template.body)) <= set(sms.VARIABLES)
    edited = templates["birthday"]
    edited.name = "会员生日"
    edited.save()
    assert sms.sms_templates_ensure(dealer_id=care_a.pk) == 0
    assert SmsTemplate.objects.get(pk=edited.pk).name == "会员生日"


def test_it_appends_the_unsubscribe_line_to_marketing_templates(care_a):
    template = sms.sms_template_create(
        dealer=care_a,
        code="spring",
        name="春季活动",
        body="{name}您好，春季保养八折。",
        is_marketing=True,
    )
    assert template.body == "{name}您好，春季保养八折。" + sms.UNSUBSCRIBE


@pytest.mark.parametrize(
    ("body", "field"),
    [("{name 您好", "body"), ("{nickname}您好", "body")],
)
def test_it_refuses_broken_or_unknown_variables(care_a, body, field):
    with pytest.raises(ValidationError) as error:
        sms.sms_template_create(dealer=care_a, code="x", name="x", body=body)
    assert field in error.value.message_dict


def test_it_refuses_a_code_used_by_another_template_of_the_dealer(care_a, dealer_b, templates):
    with pytest.raises(ValidationError) as error:
        sms.sms_template_create(dealer=care_a, code="birthday", name="x", body="x")
    assert "code" in error.value.message_dict
    sms.sms_template_create(dealer=dealer_b, code="birthday", name="x", body="x")


def test_it_renders_a_text_with_stray_braces_as_written():
    assert sms.sms_render("价格 {", {"name": "张"}) == "价格 {"
    assert sms.sms_render("{name}，{unknown}", {"name": "张"}) == "张，{unknown}"


# --- opt-out ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", ["TD", "td", "T", "退订", " 退订。"])
def test_it_unsubscribes_a_customer_who_replies_td(care_a, customer_a, reply):
    sharing = make_customer(care_a, name="张伟妻", mobile="13800138000")
    message = sms.sms_inbound_record(dealer=care_a, phone="+8613800138000", body=reply)
    assert message.direction == SmsDirection.INBOUND and message.status == SmsStatus.RECEIVED
    assert message.customer in (customer_a, sharing)
    customer_a.refresh_from_db()
    sharing.refresh_from_db()
    assert customer_a.sms_opt_out and sharing.sms_opt_out


def test_it_records_other_replies_without_unsubscribing(care_a, customer_a):
    message = sms.sms_inbound_record(dealer=care_a, phone="13800138000", body="好的，明天到")
    customer_a.refresh_from_db()
    assert not customer_a.sms_opt_out
    assert message.customer == customer_a and message.body == "好的，明天到"


def test_it_only_unsubscribes_the_dealers_own_customer(care_a, care_b, customer_a):
    other = make_customer(care_b, mobile="13800138000")
    sms.sms_inbound_record(dealer=care_b, phone="13800138000", body="TD")
    customer_a.refresh_from_db()
    other.refresh_from_db()
    assert other.sms_opt_out and not customer_a.sms_opt_out


def test_it_blocks_marketing_to_unsubscribed_customers_but_sends_service_texts(customer_a):
    sms.sms_inbound_record(dealer=customer_a.dealer, phone=customer_a.mobile, body="TD")
    customer_a.refresh_from_db()
    blocked = send(customer_a, marketing=True)
    service = send(customer_a, marketing=False)
    assert blocked.status == SmsStatus.BLOCKED and blocked.sent_at is None
    assert service.status == SmsStatus.SENT
    assert SmsMessage.objects.filter(customer=customer_a).count() == 3  # reply, blocked, sent


def test_it_sends_a_tasks_text_with_its_template(care_a, customer_a, vehicle_a, templates):
    task = ContactTask.objects.create(
        dealer=care_a,
        kind=TaskKind.BIRTHDAY,
        due_from=datetime.date(2026, 11, 23),
        due_until=datetime.date(2026, 11, 23),
        customer=customer_a,
        vehicle=vehicle_a,
        source_key="birthday:2026",
    )
    message = sms.sms_task_send(task=task)
    assert message.template == templates["birthday"] and message.is_marketing
    assert message.body.startswith("张伟您好") and message.body.endswith(sms.UNSUBSCRIBE)
    assert message.params["name"] == "张伟"
    assert message.task == task and message.customer == customer_a
    customer_a.sms_opt_out = True
    customer_a.save()
    task.refresh_from_db()
    assert sms.sms_task_send(task=task).status == SmsStatus.BLOCKED


def test_it_records_a_text_to_a_number_that_is_not_a_mobile_as_failed(care_a):
    landline = make_customer(care_a, mobile="", home_phone="02088886666")
    message = sms.sms_send(dealer_id=care_a.pk, phone="02088886666", body="x", customer=landline)
    assert message.status == SmsStatus.FAILED and message.customer == landline


# --- quiet hours and deferred sending --------------------------------------------------------


def test_it_defers_texts_in_quiet_hours_to_their_end(customer_a):
    evening = send(customer_a, now=at(23, 22, 15))
    night = send(customer_a, now=at(24, 3))
    assert evening.status == SmsStatus.DEFERRED and evening.send_after == at(24, 8)
    assert night.status == SmsStatus.DEFERRED and night.send_after == at(24, 8)
    assert evening.sent_at is None
    assert send(customer_a, now=at(24, 8)).status == SmsStatus.SENT


def test_it_follows_the_dealers_quiet_hours(care_a, customer_a):
    settings = care_settings(care_a.pk)
    settings.sms_quiet_start = datetime.time(12)
    settings.sms_quiet_end = datetime.time(14)
    settings.save()
    assert send(customer_a, now=at(23, 22)).status == SmsStatus.SENT
    lunch = send(customer_a, now=at(23, 12, 30))
    assert lunch.send_after == at(23, 14)


def test_it_sends_deferred_texts_when_due_and_only_once(customer_a):
    deferred = send(customer_a, now=at(23, 23))
    assert sms.sms_deferred_send(now=at(24, 7, 59)) == 0
    assert sms.sms_deferred_send(now=at(24, 8)) == 1
    deferred.refresh_from_db()
    assert deferred.status == SmsStatus.SENT and deferred.backend == "log"
    assert sms.sms_deferred_send(now=at(24, 9)) == 0


def test_it_blocks_a_deferred_marketing_text_if_the_customer_unsubscribed_meanwhile(customer_a):
    deferred = send(customer_a, marketing=True, now=at(23, 23))
    sms.sms_inbound_record(dealer=customer_a.dealer, phone=customer_a.mobile, body="退订")
    assert sms.sms_deferred_send(now=at(24, 8)) == 0
    deferred.refresh_from_db()
    assert deferred.status == SmsStatus.BLOCKED


def test_it_never_sends_a_row_another_run_claimed(customer_a, monkeypatch):
    """Two runs race for the same rows: the conditional update lets only one send each."""
    for _ in range(3):
        send(customer_a, now=at(23, 23))
    sent_ids = []
    original = sms._dispatch

    def dispatch(message):
        sent_ids.append(message.pk)
        return original(message)

    monkeypatch.setattr(sms, "_dispatch", dispatch)
    due = list(SmsMessage.objects.filter(status=SmsStatus.DEFERRED).values_list("pk", flat=True))
    # The other run claimed the first row between this run's read and its claim.
    SmsMessage.objects.filter(pk=due[0]).update(status=SmsStatus.QUEUED)
    assert sms.sms_deferred_send(now=at(24, 8)) == 2
    assert sms.sms_deferred_send(now=at(24, 8)) == 0
    assert sorted(sent_ids) == sorted(due[1:])


@pytest.mark.django_db(transaction=True)
def test_it_sends_each_deferred_text_once_when_runs_overlap(care_a, customer_a, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs concurrent connections")
    for _ in range(20):
        send(customer_a, now=at(23, 23))
    sent = []
    original = sms._dispatch
    monkeypatch.setattr(sms, "_dispatch", lambda m: (sent.append(m.pk), original(m))[1])

    def run():
        try:
            sms.sms_deferred_send(now=at(24, 8))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 20 and len(set(sent)) == 20
    assert SmsMessage.objects.filter(status=SmsStatus.SENT).count() == 20


# --- rate limit ------------------------------------------------------------------------------


def test_it_defers_texts_beyond_the_rate_limit_to_the_next_minute(care_a, customer_a):
    settings = care_settings(care_a.pk)
    settings.sms_rate_per_minute = 2
    settings.save()
    now = at(23, 10, 0, 30)
    messages = [send(customer_a, now=now) for _ in range(5)]
    assert [m.status for m in messages] == [SmsStatus.SENT] * 2 + [SmsStatus.DEFERRED] * 3
    assert [m.send_after for m in messages[2:]] == [at(23, 10, 1), at(23, 10, 1), at(23, 10, 2)]
    assert sms.sms_deferred_send(now=at(23, 10, 1)) == 2
    assert sms.sms_deferred_send(now=at(23, 10, 2)) == 1


def test_it_counts_the_rate_per_dealer(care_a, care_b, customer_a):
    for dealer in (care_a, care_b):
        settings = care_settings(dealer.pk)
        settings.sms_rate_per_minute = 1
        settings.save()
    other = make_customer(care_b, mobile="13900001111")
    assert send(customer_a).status == SmsStatus.SENT
    assert send(other).status == SmsStatus.SENT
    assert send(customer_a).status == SmsStatus.DEFERRED


def test_it_does_not_count_blocked_texts_against_the_limit(care_a, customer_a):
    settings = care_settings(care_a.pk)
    settings.sms_rate_per_minute = 1
    settings.save()
    customer_a.sms_opt_out = True
    customer_a.save()
    assert send(customer_a, marketing=True).status == SmsStatus.BLOCKED
    assert send(customer_a).status == SmsStatus.SENT


def test_it_spreads_quiet_hour_texts_over_the_minutes_after_quiet_hours(care_a, customer_a):
    settings = care_settings(care_a.pk)
    settings.sms_rate_per_minute = 2
    settings.save()
    slots = [send(customer_a, now=at(23, 23)).send_after for _ in range(5)]
    assert slots == [at(24, 8), at(24, 8), at(24, 8, 1), at(24, 8, 1), at(24, 8, 2)]


# --- delivery reports ------------------------------------------------------------------------


def test_it_applies_delivery_reports_of_the_dealers_messages_only(care_a, care_b, customer_a):
    message = send(customer_a)
    assert (
        sms.sms_delivery_record(
            dealer_ids=[care_b.pk], provider_id=message.provider_id, delivered=True
        )
        is None
    )
    delivered = sms.sms_delivery_record(
        dealer_ids=[care_a.pk], provider_id=message.provider_id, delivered=True, at=at(23, 10, 1)
    )
    assert delivered.status == SmsStatus.DELIVERED and delivered.delivered_at == at(23, 10, 1)
    failed = sms.sms_delivery_record(
        dealer_ids=[care_a.pk], provider_id=message.provider_id, delivered=False, error="MK:0001"
    )
    assert failed.status == SmsStatus.FAILED and failed.error == "MK:0001"
