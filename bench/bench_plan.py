"""The daily contact plan over the whole archive: a first run, then a rerun the same day.

plan_daily_s is the first run for every dealer (vehicle plans built from a year of history,
every rule's tasks inserted); plan_rerun_s the same day again, which must find nothing new.
"""

from __future__ import annotations

import sys
import time

from django.utils import timezone

from dcrc.care.models import ContactTask, VehiclePlan
from dcrc.care.planner import plan_daily

from .generate import Archive


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(archive: Archive) -> list[dict]:
    dealer_ids = [archive.dealer_id, *archive.other_dealer_ids]
    today = timezone.localdate()
    figures = []
    for metric in ("plan_daily_s", "plan_rerun_s"):
        started = time.perf_counter()
        for dealer_id in dealer_ids:
            plan_daily(dealer_id=dealer_id, today=today)
        seconds = time.perf_counter() - started
        figures.append({"metric": metric, "value": round(seconds, 2), "unit": "s"})
        log(
            f"bench: {metric} {seconds:.1f} s for {archive.vehicles:,} vehicles: "
            f"{VehiclePlan.objects.count():,} plans, {ContactTask.objects.count():,} tasks"
        )
    return figures
