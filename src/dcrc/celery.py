"""Celery application: runs the domain jobs on Redis when one machine is not enough."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dcrc.settings")

app = Celery("dcrc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
