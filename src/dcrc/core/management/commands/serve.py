"""`dcrc serve`: run the product with gunicorn on 127.0.0.1:$DCRC_PORT (default 8000)."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve DCRC with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("DCRC_HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("DCRC_PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("DCRC_WORKERS", "2"))

    def handle(self, *args, host, port, workers, **options):
        self.stdout.write(f"DCRC is serving on http://{host}:{port}/  (Ctrl+C stops it)")
        if settings.DCRC_SCHEDULER == "embedded":
            # The contact plan and the minute jobs run beside the web server; the scheduler
            # exits when the server (its parent after exec) goes away.
            subprocess.Popen([sys.executable, sys.argv[0], "scheduler"])
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "dcrc.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            "--threads=4",
            "--timeout=120",
            "--access-logfile=-",
        ]
        os.execv(sys.executable, argv)
