"""Run the background worker (django-tasks' database worker) with a heartbeat that
/health reads. Several workers may run at once; each claims tasks atomically."""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from groundswell.core.models import WorkerHeartbeat


def beat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id,
                                             defaults={"last_seen": timezone.now()})


class Command(DBWorkerCommand):
    help = "Run the background worker (tasks from the database queue) with a heartbeat."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # Name workers after their host and process, so /health and logs say which one.
        # Poll an empty queue every 0.2 s (django-tasks waits 1 s): a large alert's
        # later chunks are queued by a task, and a second of it is a second of waiting
        # for the families further away; an idle poll is one indexed query.
        parser.set_defaults(worker_id=None, interval=0.2)

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options.get("worker_id") or f"{socket.gethostname()}-{os.getpid()}"
        options["worker_id"] = worker_id[:64]
        WorkerHeartbeat.objects.filter(
            last_seen__lt=timezone.now() - timedelta(days=1)).delete()
        stop = threading.Event()
        beat(options["worker_id"])  # alive from the first moment, before any task runs

        def heartbeat() -> None:
            while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                try:
                    beat(options["worker_id"])
                except Exception:  # noqa: BLE001 - a missed beat shows up in /health
                    close_old_connections()
            connection.close()

        thread = threading.Thread(target=heartbeat, name="heartbeat", daemon=True)
        thread.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            thread.join(timeout=5)
