"""Job entry points of the contact center: they load by id and call a service, nothing else.

In production Celery beat sends `care.plan_all` every morning; it fans out one
`care.plan_dealer` per dealer so that several workers split the dealers. The embedded default
runs the same functions in-process (`dcrc scheduler`, started by `dcrc serve`).
"""

from __future__ import annotations

import datetime

from celery import shared_task

from dcrc.core.models import Dealer

from . import planner, sms


@shared_task(name="care.plan_dealer", acks_late=True)
def plan_dealer_task(dealer_id: int, day: str | None = None) -> dict:
    run = planner.plan_daily(
        dealer_id=dealer_id, today=datetime.date.fromisoformat(day) if day else None
    )
    return {"dealer": dealer_id, "created": run.created, "closed": run.closed}


@shared_task(name="care.plan_all")
def plan_all_task(day: str | None = None) -> int:
    dealer_ids = list(Dealer.objects.order_by("pk").values_list("pk", flat=True))
    for dealer_id in dealer_ids:
        plan_dealer_task.delay(dealer_id, day)
    return len(dealer_ids)


@shared_task(name="care.sms_deferred_send")
def sms_deferred_send_task() -> int:
    return sms.sms_deferred_send()


def plan_all_inline(day: datetime.date | None = None, dealer_ids: list[int] | None = None):
    """Plan every dealer in this process, one after the other (the embedded default)."""
    if dealer_ids is None:
        dealer_ids = list(Dealer.objects.order_by("pk").values_list("pk", flat=True))
    return [planner.plan_daily(dealer_id=dealer_id, today=day) for dealer_id in dealer_ids]
