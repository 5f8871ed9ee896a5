"""Who is calling: personal API tokens (`Authorization: Bearer <key>`) or the browser session."""

from __future__ import annotations

import datetime
from typing import Any

from auditlog.context import auditlog_value
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from dcrc.core.models import ApiToken, User
from dcrc.core.selectors import dealers_for_user

from .schemas import DealerOut, ErrorOut

# A token's last use is written at most this often: reads stay reads.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """A personal token made on the "API tokens" page; only its SHA-256 digest is stored."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        _attribute_changes_to(found.user)
        request.user = found.user
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The logged-in browser (for the docs page); writes need the CSRF token.

    The CSRF check runs only for a logged-in session, so a request without any credentials
    answers 401, not 403.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


def _attribute_changes_to(user: User) -> None:
    """Name the token's user as actor of the change history (django-auditlog).

    AuditlogMiddleware took the actor from the session before the API authenticated the
    token; its context is a per-request dict that is filled in here rather than nested,
    because a nested set_actor() would leave the outer signal receiver connected.
    """
    context = auditlog_value.get(None)
    if context is not None and context.get("actor") is None:
        context["actor"] = user


def api_user(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined, no-any-return]


# --- who am I ------------------------------------------------------------------------------

router = Router(tags=["me"])


class PermissionsOut(Schema):
    reveal_phone: bool
    reveal_id_number: bool
    edit: bool


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    dealers: list[DealerOut]
    permissions: PermissionsOut


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    """The calling user, the dealers whose data they may see and what they may do."""
    user = api_user(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "dealers": list(dealers_for_user(user)),
        "permissions": {
            "reveal_phone": user.has_perm("customers.reveal_phone"),
            "reveal_id_number": user.has_perm("customers.reveal_id_number"),
            "edit": user.has_perm("customers.edit"),
        },
    }
