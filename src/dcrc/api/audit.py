"""Unmasked personal data over the API: who may ask for it, and the PIPL access log of reads."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from dcrc.core.choices import AccessAction
from dcrc.core.models import User
from dcrc.core.services import personal_data_access_record

from .auth import api_user
from .errors import forbidden


def unmask_allowed(user: User, unmask: bool) -> bool:
    """`unmask`, refused with 403 for a role that may not see whole phone numbers."""
    if unmask and not user.has_perm("customers.reveal_phone"):
        raise forbidden(_("Your role may not see unmasked phone numbers."))
    return unmask


def unmasked_reads_record(
    request: HttpRequest, unmask: bool, rows: Sequence[Model], *, object_type: str, fields: str
) -> None:
    """Log an unmasked read: one entry per dealer whose rows were shown."""
    if not unmask or not rows:
        return
    by_dealer: dict[int, list[Model]] = {}
    for row in rows:
        by_dealer.setdefault(row.dealer_id, []).append(row)
    detail = f"{request.method} {request.get_full_path()} ({fields})"
    for dealer_rows in by_dealer.values():
        personal_data_access_record(
            user=api_user(request),
            action=AccessAction.API_READ,
            object_type=object_type,
            object_id=dealer_rows[0].pk if len(rows) == 1 else None,
            dealer=dealer_rows[0].dealer,
            detail=detail,
            row_count=len(dealer_rows),
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
