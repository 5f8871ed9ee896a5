"""Job entry points of complaints: they call a service, nothing else."""

from celery import shared_task

from . import services


@shared_task(name="complaints.overdue_notify")
def overdue_notify_task() -> int:
    return services.complaints_overdue_notify()
