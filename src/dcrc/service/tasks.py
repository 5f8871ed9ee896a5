"""Job entry points of after-sales: they call a service, nothing else."""

from celery import shared_task

from . import appointments


@shared_task(name="service.appointments_daily")
def appointments_daily_task() -> dict[str, int]:
    return appointments.appointments_daily()
