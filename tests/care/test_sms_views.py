"""SMS screens: the log with its status filter, sending from the customer 360, templates."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.care import sms
from dcrc.care.choices import SmsStatus
from dcrc.care.models import SmsMessage, SmsTemplate
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def daytime(monkeypatch):
    """Quiet hours would defer what these tests send at night."""
    noon = timezone.localtime().replace(hour=12, minute=0)
    monkeypatch.setattr(sms.timezone, "now", lambda: noon)


@pytest.fixture
def templates(care_a):
    sms.sms_templates_ensure(dealer_id=care_a.pk)
    return {t.code: t for t in SmsTemplate.objects.filter(dealer=care_a)}


def test_it_links_the_customer_360_to_the_send_form(client, agent_a, customer_a):
    client.force_login(agent_a)
    page = client.get(customer_a.get_absolute_url()).content.decode()
    assert f"{reverse('care:sms_send')}?customer={customer_a.pk}" in page


def test_it_sends_a_template_text_to_the_customer(
    client, agent_a, customer_a, vehicle_a, templates
):
    customer_a.dealer.hotline = "020-88886666"
    customer_a.dealer.save()
    client.force_login(agent_a)
    form = client.get(reverse("care:sms_send"), {"customer": customer_a.pk})
    assert form.status_code == 200
    assert form.context["form"].initial["phone"] == "13800138000"
    texts = form.context["template_texts"]
    callback = templates["service_callback"]
    assert texts[str(callback.pk)].startswith("张伟您好")
    response = client.post(
        reverse("care:sms_send"),
        {
            "customer": customer_a.pk,
            "phone": "13800138000",
            "template": callback.pk,
            "body": texts[str(callback.pk)],
        },
    )
    assert response.status_code == 302 and response.url == customer_a.get_absolute_url()
    message = SmsMessage.objects.get()
    assert (message.customer, message.template, message.created_by) == (
        customer_a,
        callback,
        agent_a,
    )
    assert message.status == SmsStatus.SENT and not message.is_marketing
    # Sent as filled: through the gateway template, with its values.
    assert message.params == {
        "name": "张伟",
        "dealer": "广州店",
        "plate": vehicle_a.plate,
        "hotline": "020-88886666",
    }


def test_it_asks_the_agent_to_write_in_what_the_template_cannot_fill(
    client, agent_a, customer_a, templates
):
    client.force_login(agent_a)
    inspection = templates["inspection"]
    texts = client.get(reverse("care:sms_send"), {"customer": customer_a.pk}).context[
        "template_texts"
    ]
    assert "{date}" in texts[str(inspection.pk)]
    response = client.post(
        reverse("care:sms_send"),
        {
            "customer": customer_a.pk,
            "phone": "13800138000",
            "template": inspection.pk,
            "body": texts[str(inspection.pk)],
        },
    )
    assert "body" in response.context["form"].errors
    written = texts[str(inspection.pk)].replace("{date}", "12月5日").replace("{plate}", "粤A1")
    written = written.replace("{hotline}", "020-88886666")
    client.post(
        reverse("care:sms_send"),
        {
            "customer": customer_a.pk,
            "phone": "13800138000",
            "template": inspection.pk,
            "body": written,
        },
    )
    message = SmsMessage.objects.get()
    assert message.body == written and message.params == {}  # edited: sent as free text


def test_it_blocks_a_marketing_template_to_an_unsubscribed_customer(
    client, agent_a, customer_a, templates
):
    customer_a.sms_opt_out = True
    customer_a.save()
    client.force_login(agent_a)
    page = client.get(reverse("care:sms_send"), {"customer": customer_a.pk}).content.decode()
    assert 'data-testid="opted-out"' in page
    client.post(
        reverse("care:sms_send"),
        {
            "customer": customer_a.pk,
            "phone": "13800138000",
            "template": templates["holiday"].pk,
            "body": "节日快乐" + sms.UNSUBSCRIBE,
        },
    )
    assert SmsMessage.objects.get().status == SmsStatus.BLOCKED


def test_it_shows_field_errors_for_a_bad_number_or_empty_text(client, agent_a, customer_a):
    client.force_login(agent_a)
    response = client.post(
        reverse("care:sms_send"), {"customer": customer_a.pk, "phone": "02088886666", "body": ""}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "body"}
    assert not SmsMessage.objects.exists()


def test_it_answers_404_for_another_dealers_customer(client, agent_a, care_b):
    foreign = make_customer(care_b)
    client.force_login(agent_a)
    assert client.get(reverse("care:sms_send"), {"customer": foreign.pk}).status_code == 404
    response = client.post(
        reverse("care:sms_send"), {"customer": foreign.pk, "phone": foreign.mobile, "body": "x"}
    )
    assert response.status_code == 404
    assert client.get(reverse("care:sms_send"), {"customer": "abc"}).status_code == 404
    assert not SmsMessage.objects.exists()


def test_it_filters_the_log_by_status_and_never_lists_other_dealers(
    client, agent_a, customer_a, care_b
):
    sent = sms.sms_send(dealer_id=customer_a.dealer_id, phone=customer_a.mobile, body="a")
    customer_a.sms_opt_out = True
    customer_a.save()
    blocked = sms.sms_send(
        dealer_id=customer_a.dealer_id,
        phone=customer_a.mobile,
        body="b",
        customer=customer_a,
        is_marketing=True,
    )
    foreign = sms.sms_send(dealer_id=care_b.pk, phone="13900001111", body="c")
    client.force_login(agent_a)
    listed = client.get(reverse("care:sms_log")).context["page"].object_list
    assert list(listed) == [blocked, sent]
    assert foreign not in listed
    response = client.get(reverse("care:sms_log"), {"status": "blocked"})
    assert list(response.context["page"].object_list) == [blocked]
    partial = client.get(
        reverse("care:sms_log"), {"status": "sent"}, headers={"HX-Request": "true"}
    )
    assert partial.templates[0].name == "care/sms/partials/log_rows.html"
    assert [m.pk for m in partial.context["page"].object_list] == [sent.pk]


def test_it_lists_the_log_in_a_fixed_number_of_queries(
    client, agent_a, care_a, django_assert_num_queries
):
    def add(count):
        for _ in range(count):
            customer = make_customer(care_a)
            sms.sms_send(
                dealer_id=care_a.pk, phone=customer.mobile, body="x", customer=customer, by=agent_a
            )

    client.force_login(agent_a)
    add(2)
    client.get(reverse("care:sms_log"))
    # session, user, dealers, count, page (customer, template, author joined)
    with django_assert_num_queries(5):
        client.get(reverse("care:sms_log"))
    add(6)
    with django_assert_num_queries(5):
        response = client.get(reverse("care:sms_log"))
    assert len(response.context["page"].object_list) == 8


def test_it_lets_the_cr_manager_manage_templates(client, cr_manager_a, care_a):
    client.force_login(cr_manager_a)
    response = client.post(reverse("care:sms_template_defaults"))
    assert response.status_code == 302
    assert SmsTemplate.objects.filter(dealer=care_a).count() == len(sms.DEFAULT_TEMPLATES)
    listed = client.get(reverse("care:sms_templates")).context["page"].object_list
    assert len(listed) == len(sms.DEFAULT_TEMPLATES)
    response = client.post(
        reverse("care:sms_template_create"),
        {
            "code": "club",
            "name": "车友会",
            "body": "{name}您好，车友会周末自驾游。",
            "is_marketing": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    club = SmsTemplate.objects.get(code="club")
    assert club.body.endswith(sms.UNSUBSCRIBE)
    response = client.post(
        reverse("care:sms_template_edit", args=[club.pk]),
        {"code": "club", "name": "车友会活动", "body": "{nickname}", "active": "on"},
    )
    assert response.status_code == 200 and "body" in response.context["form"].errors
    response = client.post(
        reverse("care:sms_template_edit", args=[club.pk]),
        {
            "code": "club",
            "name": "车友会活动",
            "body": "{name}您好。",
            "provider_template": "SMS_1",
        },
    )
    assert response.status_code == 302
    club.refresh_from_db()
    assert (club.name, club.provider_template, club.active) == ("车友会活动", "SMS_1", False)


def test_it_refuses_a_duplicate_template_code_with_a_field_error(client, cr_manager_a, templates):
    client.force_login(cr_manager_a)
    response = client.post(
        reverse("care:sms_template_create"), {"code": "birthday", "name": "x", "body": "x"}
    )
    assert response.status_code == 200 and "code" in response.context["form"].errors


def test_it_keeps_templates_to_configurers_and_their_dealers(client, agent_a, cr_manager_a, care_b):
    sms.sms_templates_ensure(dealer_id=care_b.pk)
    foreign = SmsTemplate.objects.filter(dealer=care_b).first()
    client.force_login(agent_a)
    assert client.get(reverse("care:sms_templates")).status_code == 403
    assert client.get(reverse("care:sms_template_create")).status_code == 403
    client.force_login(cr_manager_a)
    assert client.get(reverse("care:sms_template_edit", args=[foreign.pk])).status_code == 404
    assert list(client.get(reverse("care:sms_templates")).context["page"].object_list) == []


def test_it_keeps_the_sms_pages_to_staff_who_may_send(client, technician_a, customer_a):
    client.force_login(technician_a)
    assert client.get(reverse("care:sms_log")).status_code == 403
    assert client.get(reverse("care:sms_send"), {"customer": customer_a.pk}).status_code == 403


def test_it_lists_templates_in_a_fixed_number_of_queries(
    client, cr_manager_a, templates, django_assert_num_queries
):
    client.force_login(cr_manager_a)
    client.get(reverse("care:sms_templates"))
    # session, user, dealers, count, page (dealer joined)
    with django_assert_num_queries(5):
        response = client.get(reverse("care:sms_templates"))
    assert len(response.context["page"].object_list) == len(sms.DEFAULT_TEMPLATES)
