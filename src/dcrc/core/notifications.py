"""Notices to staff: in-app, and by e-mail and SMS through the configured gateways.

notify() is idempotent per (user, key): a job that runs twice, or a retried request, tells
each person once. E-mail and SMS go out after the caller's transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    key: str
    title: str
    body: str = ""
    url: str = ""


def notify(
    *,
    users: Iterable[User],
    dealer_id: int | None,
    notice: Notice,
    email: bool = True,
    sms: bool = False,
    extra_emails: Iterable[str] = (),
) -> list[User]:
    """Tell `users` about `notice`; returns those told now (not told before under its key)."""
    users = {user.pk: user for user in users if user.is_active}
    told = set(
        Notification.objects.filter(user_id__in=users, key=notice.key).values_list(
            "user_id", flat=True
        )
    )
    new = [user for pk, user in sorted(users.items()) if pk not in told]
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                dealer_id=dealer_id,
                key=notice.key,
                title=notice.title[:200],
                body=notice.body,
                url=notice.url,
            )
            for user in new
        ],
        ignore_conflicts=True,
    )
    addresses = [user.email for user in new if user.email] if email else []
    if email and new:
        addresses += [address for address in extra_emails if address]
    mobiles = [user.mobile for user in new if user.mobile] if sms else []
    if addresses or mobiles:
        transaction.on_commit(lambda: _send(dealer_id, notice, sorted(set(addresses)), mobiles))
    return new


def _send(dealer_id: int | None, notice: Notice, addresses: list[str], mobiles: list[str]):
    body = "\n\n".join(filter(None, [notice.body, _absolute(notice.url)]))
    if addresses:
        try:
            send_mail(notice.title, body, None, addresses)
        except Exception:  # a mail server down must not undo the complaint
            logger.exception("e-mail notice %s failed", notice.key)
    if mobiles and dealer_id is not None:
        from dcrc.care.sms import sms_send

        for mobile in mobiles:
            sms_send(dealer_id=dealer_id, phone=mobile, body=notice.title)


def _absolute(url: str) -> str:
    return f"{settings.DCRC_BASE_URL.rstrip('/')}{url}" if url else ""


def notification_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read: those of `ids`, or all of them."""
    from django.utils import timezone

    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
