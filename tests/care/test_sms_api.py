"""POST /api/sms/reports and /api/sms/replies: delivery status and replies from the gateway."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcrc.care import sms
from dcrc.care.choices import SmsDirection, SmsStatus
from dcrc.care.models import SmsMessage
from dcrc.core.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user) -> Client:
    _, key = api_token_create(user=user, name="gateway relay")
    return Client(headers={"Authorization": f"Bearer {key}"})


def post(client, path, body):
    return client.post(f"/api/sms{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def sent_a(customer_a):
    return sms.sms_send(
        dealer_id=customer_a.dealer_id,
        phone=customer_a.mobile,
        body="您的爱车已完成保养。",
        customer=customer_a,
        now=timezone.localtime().replace(hour=10),
    )


@pytest.fixture
def sent_b(care_b):
    return sms.sms_send(
        dealer_id=care_b.pk,
        phone="13900001111",
        body="北京店通知",
        now=timezone.localtime().replace(hour=10),
    )


def test_it_marks_messages_delivered_or_failed(agent_a, sent_a):
    received = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    response = post(
        bearer(agent_a),
        "/reports",
        {"reports": [{"message_id": sent_a.provider_id, "delivered": True, "at": received}]},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 1, "unknown": []}
    sent_a.refresh_from_db()
    assert sent_a.status == SmsStatus.DELIVERED and sent_a.delivered_at is not None
    failed = post(
        bearer(agent_a),
        "/reports",
        {"reports": [{"message_id": sent_a.provider_id, "delivered": False, "error": "UNDELIV"}]},
    )
    assert failed.json()["updated"] == 1
    sent_a.refresh_from_db()
    assert (sent_a.status, sent_a.error) == (SmsStatus.FAILED, "UNDELIV")


def test_it_ignores_reports_of_other_dealers_messages(agent_a, sent_a, sent_b):
    response = post(
        bearer(agent_a),
        "/reports",
        {"reports": [{"message_id": sent_b.provider_id, "delivered": True}]},
    )
    assert response.json() == {"updated": 0, "unknown": [sent_b.provider_id]}
    sent_b.refresh_from_db()
    assert sent_b.status == SmsStatus.SENT


def test_it_records_a_reply_and_unsubscribes_on_td(agent_a, customer_a):
    response = post(
        bearer(agent_a),
        "/replies",
        {"dealer": "A001", "phone": "13800138000", "text": "TD", "message_id": "up-1"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_id"] == customer_a.pk and body["unsubscribed"] is True
    customer_a.refresh_from_db()
    assert customer_a.sms_opt_out
    again = post(
        bearer(agent_a),
        "/replies",
        {"dealer": "A001", "phone": "13800138000", "text": "TD", "message_id": "up-1"},
    )
    assert again.json()["id"] == body["id"]
    assert SmsMessage.objects.filter(direction=SmsDirection.INBOUND).count() == 1


def test_it_refuses_replies_for_another_dealer(agent_a, care_b):
    response = post(
        bearer(agent_a), "/replies", {"dealer": "B001", "phone": "13900001111", "text": "TD"}
    )
    assert response.status_code == 422
    assert not SmsMessage.objects.exists()


def test_it_requires_a_token_and_the_sms_permission(technician_a, care_a):
    body = {"dealer": "A001", "phone": "13800138000", "text": "TD"}
    assert post(Client(), "/replies", body).status_code == 401
    assert post(bearer(technician_a), "/replies", body).status_code == 403
    reports = {"reports": [{"message_id": "x", "delivered": True}]}
    assert post(bearer(technician_a), "/reports", reports).status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/reports", {"reports": []}, "reports"),
        ("/reports", {"reports": [{"message_id": "", "delivered": True}]}, "message_id"),
        ("/reports", {"reports": [{"message_id": "x", "delivered": "yes"}]}, "delivered"),
        ("/replies", {"dealer": "A001", "phone": "13800138000", "text": ""}, "text"),
        ("/replies", {"dealer": "A001", "phone": "", "text": "TD"}, "phone"),
        (
            "/replies",
            {"dealer": "A001", "phone": "1", "text": "TD", "received_at": "tomorrow"},
            "received_at",
        ),
    ],
)
def test_it_answers_422_with_the_field_for_bad_payloads(agent_a, care_a, path, body, field):
    response = post(bearer(agent_a), path, body)
    assert response.status_code == 422, response.content
    assert field in {str(error["loc"][-1]) for error in response.json()["detail"]}


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    phone=st.one_of(st.text(max_size=35), st.from_regex(r"\+?[0-9 \-]{0,25}", fullmatch=True)),
    text=st.one_of(st.text(max_size=510), st.sampled_from(["TD", "t", "退订", "ＴＤ"])),
    message_id=st.text(max_size=70),
)
def test_it_never_fails_on_any_reply(agent_a, customer_a, phone, text, message_id):
    body = {"dealer": "A001", "phone": phone, "text": text, "message_id": message_id}
    response = post(bearer(agent_a), "/replies", body)
    assert response.status_code in (201, 422), response.content
