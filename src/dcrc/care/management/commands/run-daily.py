"""`dcrc run-daily`: plan today's contact tasks for every dealer (or one), in this process."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from dcrc.care import tasks
from dcrc.core.models import Dealer


class Command(BaseCommand):
    help = "Create the contact tasks that have come due and close the moot ones (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dealer", help="dealer code; every dealer when omitted")
        parser.add_argument("--date", help="plan as of this day (YYYY-MM-DD); today by default")
        parser.add_argument(
            "--celery", action="store_true", help="enqueue on Celery instead of running here"
        )

    def handle(self, *args, dealer=None, date=None, celery=False, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date: {error}") from error
        dealers = Dealer.objects.order_by("pk")
        if dealer:
            dealers = dealers.filter(code=dealer)
            if not dealers.exists():
                raise CommandError(f"No dealer with code {dealer!r}.")
        dealer_ids = list(dealers.values_list("pk", flat=True))
        if celery:
            for dealer_id in dealer_ids:
                tasks.plan_dealer_task.delay(dealer_id, day.isoformat() if day else None)
            self.stdout.write(f"Enqueued the plan of {len(dealer_ids)} dealer(s).")
            return
        for run in tasks.plan_all_inline(day, dealer_ids):
            created = sum(run.created.values())
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.stdout.write(
                f"{run.dealer.code} {run.run_on}: {created} task(s) created {run.created}, "
                f"{run.closed} closed, {run.plans_refreshed} vehicle plan(s) refreshed "
                f"in {seconds:.1f} s"
            )
