"""Who may call the API: personal tokens (Bearer), the browser session, nobody else."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from dcrc.core.models import ApiToken
from dcrc.core.services import api_token_create
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_it_answers_401_without_credentials(agent_a):
    client = ApiClient(None)
    for path in ("/me", "/customers", "/vehicles", "/search?q=x", "/customers/1"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json() == {"detail": "Unauthorized"}
    assert client.post("/customers", {"name": "王五"}).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer ", "Token {key}", "Bearer {key}x", "bearer\x00{key}", "{key}"],
)
def test_it_answers_401_for_a_bad_token(agent_a, header):
    _, key = api_token_create(user=agent_a, name="t")
    client = Client(headers={"Authorization": header.format(key=key)})
    assert client.get("/api/me").status_code == 401


def test_it_answers_401_for_an_inactive_user(agent_a, api):
    client = api(agent_a)
    agent_a.is_active = False
    agent_a.save()
    assert client.get("/me").status_code == 401


def test_it_answers_401_for_a_revoked_token(agent_a):
    token, key = api_token_create(user=agent_a, name="t")
    token.delete()
    assert ApiClient(key).get("/me").status_code == 401


def test_it_authenticates_the_tokens_user(agent_a, agent_b):
    _, key_a = api_token_create(user=agent_a, name="a")
    _, key_b = api_token_create(user=agent_b, name="b")
    assert ApiClient(key_a).get("/me").json()["username"] == "agent_a"
    assert ApiClient(key_b).get("/me").json()["username"] == "agent_b"


def test_it_records_the_last_use_at_most_once_a_minute(agent_a):
    token, key = api_token_create(user=agent_a, name="t")
    client = ApiClient(key)
    client.get("/me")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get("/me")
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    client.get("/me")
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_it_accepts_the_browser_session_and_checks_csrf_on_writes(agent_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_a)
    assert client.get("/api/me").json()["username"] == "agent_a"
    response = client.post("/api/customers", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
