"""Serve the web app (gunicorn), the background worker and the outbox sender together,
for `make demo` and small single-machine installs. Stopping it (Ctrl-C) stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

import groundswell


class Command(BaseCommand):
    help = "Run gunicorn and the background worker together until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        python = sys.executable
        # The children run this very copy of Groundswell, from any folder: whatever else
        # the environment's path holds (another checkout's editable install) comes after.
        here = str(Path(groundswell.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [here, os.environ.get("PYTHONPATH")]))}
        env.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
        django = [python, "-m", "django"]
        children = [
            subprocess.Popen([python, "-m", "gunicorn", "groundswell.wsgi:application",
                              "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
                              "--graceful-timeout", "5"], env=env),
            subprocess.Popen([*django, "worker", "--interval", "1"], env=env),
            # The outbox sender: texts and emails queued by any area.
            subprocess.Popen([*django, "send_messages"], env=env),
        ]

        def stop(*_: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Groundswell is running on http://{bind}/ (Ctrl-C stops it).")
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            sys.exit(1)
