"""Writes of the core app: the personal-data access audit and API tokens."""

from __future__ import annotations

from django.db import transaction

from .choices import AccessAction
from .models import ApiToken, Dealer, DealerSequence, PersonalDataAccess, User


def personal_data_access_record(
    *,
    user: User,
    action: AccessAction,
    object_type: str,
    object_id: int | None = None,
    dealer: Dealer | None = None,
    detail: str = "",
    row_count: int = 1,
    ip_address: str | None = None,
) -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        dealer=dealer,
        detail=detail[:500],
        row_count=row_count,
        ip_address=ip_address,
    )


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain key is returned once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[5:13], digest=ApiToken.digest_of(key)
    )
    return token, key


@transaction.atomic
def sequence_next(*, dealer: Dealer, name: str, count: int = 1) -> range:
    """Reserve `count` consecutive numbers of a per-dealer sequence (row-locked)."""
    sequence, _ = DealerSequence.objects.get_or_create(dealer=dealer, name=name)
    sequence = DealerSequence.objects.select_for_update().get(pk=sequence.pk)
    start = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return range(start, start + count)
