"""Turn the exceptions of services into HTTP answers shaped like ninja's own."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

# Every write endpoint names its body parameter `payload`; ninja's own 422s put that name in
# `loc`, so service errors do the same and clients read both alike.
BODY = ("body", "payload")


def field_errors(error: ValidationError, loc: tuple[str, ...] = BODY) -> list[dict[str, Any]]:
    """A Django ValidationError as ninja's list of {loc, msg, type}."""
    if hasattr(error, "error_dict"):
        items = error.message_dict.items()
    else:
        items = [(NON_FIELD_ERRORS, error.messages)]
    return [
        {
            "loc": [*loc] if field == NON_FIELD_ERRORS else [*loc, field],
            "msg": message,
            "type": "value_error",
        }
        for field, messages in items
        for message in messages
    ]


def invalid(loc: tuple[str, ...], message: str) -> NinjaValidationError:
    """A 422 for one parameter, e.g. invalid(("query", "dealer"), "Unknown dealer.")."""
    return NinjaValidationError([{"loc": list(loc), "msg": message, "type": "value_error"}])


def forbidden(message: str = "You do not have permission to do this.") -> HttpError:
    return HttpError(403, message)


def _validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": field_errors(exc)}, status=422)


def _permission_denied(request: HttpRequest, exc: PermissionDenied, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


def register(api: NinjaAPI) -> None:
    api.add_exception_handler(ValidationError, partial(_validation_error, api=api))
    api.add_exception_handler(PermissionDenied, partial(_permission_denied, api=api))
