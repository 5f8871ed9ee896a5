"""The daily job: embedded scheduler, the run-daily command, and Celery workers on Redis."""

import datetime
import io
import socket

import pytest
from django.core.management import call_command
from django.utils import timezone

from dcrc.care import jobs
from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask, PlanRun
from dcrc.customers import services
from dcrc.customers.choices import VisitType
from tests.factories import make_customer, make_vehicle

TODAY = timezone.localdate()


def serviced_yesterday(dealer):
    vehicle = make_vehicle(make_customer(dealer))
    services.service_visit_record(
        vehicle=vehicle,
        visit_date=TODAY - datetime.timedelta(days=1),
        mileage=8000,
        visit_type=VisitType.MINOR_REPAIR,
    )
    return vehicle


def test_the_scheduler_plans_each_dealer_once_a_day_after_the_plan_time(care_a, care_b):
    serviced_yesterday(care_a)
    morning = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(5, 59)))

    jobs.scheduler_tick(now=morning, plan_time=datetime.time(6))
    assert not PlanRun.objects.exists()

    later = morning + datetime.timedelta(minutes=5)
    jobs.scheduler_tick(now=later, plan_time=datetime.time(6))
    jobs.scheduler_tick(now=later + datetime.timedelta(minutes=1), plan_time=datetime.time(6))

    assert PlanRun.objects.count() == 2
    assert ContactTask.objects.filter(kind=TaskKind.SERVICE_CALLBACK).count() == 1


def test_run_daily_plans_one_dealer_and_reports(care_a, care_b):
    serviced_yesterday(care_a)
    out = io.StringIO()

    call_command("run-daily", "--dealer", care_a.code, stdout=out)
    call_command("run-daily", "--dealer", care_a.code, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("A001") and "1 task(s) created" in lines[0]
    assert "0 task(s) created" in lines[1]
    assert ContactTask.objects.count() == 1


def test_run_daily_refuses_an_unknown_dealer_or_date(care_a):
    with pytest.raises(Exception, match="ZZZ"):
        call_command("run-daily", "--dealer", "ZZZ")
    with pytest.raises(Exception, match="--date"):
        call_command("run-daily", "--date", "2026-13-01")


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_celery_workers_on_redis_split_the_dealers(settings, dealer_a, dealer_b):
    from celery.contrib.testing.worker import start_worker

    from dcrc.care.tasks import plan_all_task
    from dcrc.celery import app

    serviced_yesterday(dealer_a)
    serviced_yesterday(dealer_b)
    app.conf.broker_url = "redis://127.0.0.1:6379/15"
    app.conf.task_default_queue = f"dcrc-test-{socket.gethostname()}-{id(app)}"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        plan_all_task.delay()
        deadline = timezone.now() + datetime.timedelta(seconds=30)
        while PlanRun.objects.filter(finished_at__isnull=False).count() < 2:
            assert timezone.now() < deadline, "the workers did not plan both dealers"
            import time

            time.sleep(0.2)

    assert ContactTask.objects.filter(kind=TaskKind.SERVICE_CALLBACK).count() == 2
    assert set(PlanRun.objects.values_list("dealer_id", flat=True)) == {dealer_a.pk, dealer_b.pk}
