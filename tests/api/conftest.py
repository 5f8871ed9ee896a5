"""An API client per persona, authenticated with a personal token as real callers are."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from dcrc.core.services import api_token_create


class ApiClient:
    """A test client that sends `Authorization: Bearer <key>` and speaks JSON."""

    def __init__(self, key: str | None, language: str = "en"):
        self.client = Client(headers={"Authorization": f"Bearer {key}"} if key else {})
        # Messages are asserted in English; the product speaks Chinese unless the language
        # cookie says otherwise (core.middleware.LanguageMiddleware).
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api{path}", params or {})

    def post(self, path: str, body: dict, params: str = ""):
        return self.client.post(
            f"/api{path}{params}", json.dumps(body), content_type="application/json"
        )

    def patch(self, path: str, body: dict, params: str = ""):
        return self.client.patch(
            f"/api{path}{params}", json.dumps(body), content_type="application/json"
        )


@pytest.fixture
def api():
    """api(user) → an ApiClient holding a fresh token of that user."""

    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


def field_errors(response) -> dict[str, list[str]]:
    """{field: [messages]} of a 422 answer, whatever put the field in `loc`."""
    assert response.status_code == 422, response.content
    errors: dict[str, list[str]] = {}
    for error in response.json()["detail"]:
        errors.setdefault(str(error["loc"][-1]), []).append(error["msg"])
    return errors
