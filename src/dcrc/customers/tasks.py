"""Job entry points of the archive: they load by id and call a service, nothing else.

job_launch() starts a job after the current transaction commits: on a thread of the web
process in the embedded default (DCRC_JOBS_BACKEND = "thread"), on Celery with "celery", or
at once in the calling thread with "inline" (tests, debugging).
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction
from django.utils.translation import get_language

from . import imports

logger = logging.getLogger(__name__)


@shared_task(name="customers.import_run")
def import_run_task(job_id: int, language: str | None = None) -> None:
    imports.import_job_run(job_id=job_id, language=language)


def _run_on_thread(task, args: tuple) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("job %s%r failed", task.name, args)
    finally:
        # A thread opens its own connections; nothing else would close them.
        connections.close_all()


def job_launch(task, *args) -> None:
    """Run a Celery task (a function that loads by id and calls a service) in the background."""
    backend = settings.DCRC_JOBS_BACKEND
    if backend == "inline":
        task(*args)
    elif backend == "celery":
        transaction.on_commit(lambda: task.delay(*args))
    else:
        thread = threading.Thread(
            target=_run_on_thread, args=(task, args), name=f"job-{task.name}", daemon=True
        )
        transaction.on_commit(thread.start)


def import_launch(job_id: int) -> None:
    job_launch(import_run_task, job_id, get_language())
