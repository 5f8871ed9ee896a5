"""What the embedded scheduler does each minute; Celery beat does the same in production."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dcrc.core.models import Dealer

from . import planner, sms
from .models import PlanRun


def dealers_unplanned(day: datetime.date) -> list[int]:
    """Dealers without a finished plan for `day`."""
    planned = PlanRun.objects.filter(run_on=day, finished_at__isnull=False).values("dealer_id")
    return list(Dealer.objects.exclude(pk__in=planned).order_by("pk").values_list("pk", flat=True))


def scheduler_tick(*, now: datetime.datetime, plan_time: datetime.time) -> None:
    """Send the SMS whose quiet hours or rate limit ended; tell owners of complaints that
    just became overdue; mark missed appointments no-show and plan tomorrow's appointment
    reminders; plan each dealer once a day from `plan_time` on (at once if the server
    starts later)."""
    from dcrc.complaints.services import complaints_overdue_notify
    from dcrc.service.appointments import appointments_daily

    sms.sms_deferred_send(now=now)
    complaints_overdue_notify(now=now)
    appointments_daily(now=now)
    local = timezone.localtime(now)
    if local.time() >= plan_time:
        for dealer_id in dealers_unplanned(local.date()):
            planner.plan_daily(dealer_id=dealer_id, today=local.date())
