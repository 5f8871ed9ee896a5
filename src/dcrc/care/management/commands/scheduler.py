"""`dcrc scheduler`: the embedded scheduler — the daily plan and the minute jobs, in-process.

`dcrc serve` starts it next to the web server unless DCRC_SCHEDULER=off (production runs
Celery beat and workers instead; see docs/deployment.md).
"""

import datetime
import logging
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from dcrc.care import jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the daily contact plan at DCRC_PLAN_TIME and the minute jobs, forever."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args, once=False, **options):
        parent = os.getppid()
        plan_time = datetime.time.fromisoformat(settings.DCRC_PLAN_TIME)
        self.stdout.write(f"Scheduler: daily plan at {plan_time:%H:%M}, minute jobs every 60 s.")
        while True:
            try:
                jobs.scheduler_tick(now=timezone.now(), plan_time=plan_time)
            except Exception:
                logger.exception("scheduler tick failed; retrying next minute")
            finally:
                close_old_connections()
            if once:
                return
            # Stop with the server that started us.
            for _ in range(60):
                if os.getppid() != parent:
                    return
                time.sleep(1)
