"""POST /api/telephony/events: token auth, the dealer's tenancy, idempotency, 422 on bad input."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcrc.care.choices import InboundKind
from dcrc.care.models import InboundCall
from dcrc.core.services import api_token_create

pytestmark = pytest.mark.django_db
URL = "/api/telephony/events"


def bearer(user) -> Client:
    _, key = api_token_create(user=user, name="switch")
    return Client(headers={"Authorization": f"Bearer {key}"})


def post(client: Client, body) -> "object":
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data, content_type="application/json")


def event(**fields):
    moment = timezone.now() - datetime.timedelta(minutes=3)
    return {
        "dealer": "A001",
        "call_id": "pbx-0001",
        "event": "ringing",
        "caller": "13800138000",
        "at": moment.isoformat(),
        **fields,
    }


def test_it_creates_the_call_and_links_the_caller(agent_a, customer_a, vehicle_a):
    response = post(bearer(agent_a), event())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert (body["customer_id"], body["vehicle_id"]) == (customer_a.pk, vehicle_a.pk)
    call = InboundCall.objects.get()
    assert call.external_id == "pbx-0001" and call.dealer.code == "A001"
    assert call.reply_deadline - call.received_at == datetime.timedelta(hours=24)


def test_it_updates_the_same_call_for_every_event_of_it(agent_a, care_a):
    client = bearer(agent_a)
    start = timezone.now() - datetime.timedelta(minutes=10)
    first = post(client, event(event="answered", at=start.isoformat()))
    again = post(client, event(event="answered", at=start.isoformat()))
    ringing = post(
        client, event(event="ringing", at=(start - datetime.timedelta(seconds=20)).isoformat())
    )
    ended = post(
        client,
        event(
            event="ended",
            at=(start + datetime.timedelta(minutes=4)).isoformat(),
            duration_seconds=240,
        ),
    )
    assert [r.status_code for r in (first, again, ringing, ended)] == [201, 200, 200, 200]
    call = InboundCall.objects.get()
    assert call.received_at == start - datetime.timedelta(seconds=20)  # the earliest event
    assert call.reply_deadline == call.received_at + datetime.timedelta(hours=24)
    assert call.duration_seconds == 240
    assert len({r.json()["id"] for r in (first, again, ringing, ended)}) == 1


def test_it_records_a_voicemail(agent_a, care_a):
    client = bearer(agent_a)
    post(client, event(call_id="vm-7"))
    response = post(client, event(call_id="vm-7", event="voicemail", duration_seconds=35))
    assert response.json()["kind"] == InboundKind.VOICEMAIL
    assert InboundCall.objects.get().kind == InboundKind.VOICEMAIL


def test_it_keeps_call_ids_apart_per_dealer(agent_a, agent_b, care_a, care_b):
    assert post(bearer(agent_a), event(call_id="same")).status_code == 201
    assert post(bearer(agent_b), event(dealer="B001", call_id="same")).status_code == 201
    assert InboundCall.objects.filter(external_id="same").count() == 2


def test_it_requires_a_token(care_a):
    assert post(Client(), event()).status_code == 401
    bad = Client(headers={"Authorization": "Bearer dcrc_not-a-key"})
    assert post(bad, event()).status_code == 401
    assert not InboundCall.objects.exists()


def test_it_refuses_a_dealer_that_is_not_the_token_users(agent_a, care_a, care_b):
    response = post(bearer(agent_a), event(dealer="B001"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "dealer"
    response = post(bearer(agent_a), event(dealer="NOPE"))
    assert response.status_code == 422
    assert not InboundCall.objects.exists()


def test_it_refuses_users_who_do_not_handle_calls(technician_a, care_a):
    assert post(bearer(technician_a), event()).status_code == 403
    assert not InboundCall.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "hangup"}, "event"),
        ({"at": "2026-11-23 10:00"}, "at"),  # no UTC offset
        ({"at": "3026-01-01T00:00:00+08:00"}, "at"),  # the future
        ({"at": "1999-01-01T00:00:00+08:00"}, "at"),  # too old to be live
        ({"call_id": ""}, "call_id"),
        ({"call_id": "x" * 65}, "call_id"),
        ({"caller": "138\x00"}, "caller"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": "60"}, "duration_seconds"),
        ({"recording": "http://example.com/a.mp3"}, "recording"),  # unknown field
    ],
)
def test_it_answers_422_with_the_field_for_bad_payloads(agent_a, care_a, change, field):
    response = post(bearer(agent_a), event(**change))
    assert response.status_code == 422, response.content
    assert field in {str(error["loc"][-1]) for error in response.json()["detail"]}
    assert not InboundCall.objects.exists()


def test_it_answers_400_or_422_for_a_body_that_is_not_an_event(agent_a, care_a):
    assert post(bearer(agent_a), "not json").status_code == 400
    assert post(bearer(agent_a), "[]").status_code == 422


def test_it_is_documented_in_the_openapi_schema(client, db):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/telephony/events", "/api/sms/reports", "/api/sms/replies"} <= set(schema["paths"])
    operation = schema["paths"]["/api/telephony/events"]["post"]
    assert {"201", "200", "401", "403", "422"} <= set(operation["responses"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    call_id=st.text(max_size=70),
    caller=st.one_of(st.text(max_size=35), st.from_regex(r"\+?[0-9 ()\-]{0,25}", fullmatch=True)),
    kind=st.sampled_from(["ringing", "answered", "ended", "voicemail"]),
    seconds_ago=st.integers(min_value=-3600, max_value=70 * 86400),
    duration=st.one_of(st.none(), st.integers(min_value=-5, max_value=100_000)),
)
def test_it_never_fails_on_any_event_of_a_real_dealer(
    agent_a, care_a, customer_a, call_id, caller, kind, seconds_ago, duration
):
    moment = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    body = event(call_id=call_id, caller=caller, event=kind, at=moment.isoformat())
    body["duration_seconds"] = duration
    response = post(bearer(agent_a), body)
    assert response.status_code in (200, 201, 422), response.content
    if response.status_code != 422:
        call = InboundCall.objects.get(pk=response.json()["id"])
        assert call.dealer == care_a
        assert call.reply_deadline > call.received_at
