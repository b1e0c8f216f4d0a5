"""Run the outbox sender: claim queued messages, send them, record the outcome. Several
may run at once (on several machines); each claims rows atomically with a lease."""

from __future__ import annotations

import os
import signal
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from groundswell.core.management.commands.worker import beat
from groundswell.messaging.sender import Sender


class Command(BaseCommand):
    help = "Send queued text messages and emails from the outbox."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=200)
        parser.add_argument("--threads", type=int, default=16)
        parser.add_argument("--lease", type=float, default=60.0,
                            help="Seconds a claimed message stays with this sender.")
        parser.add_argument("--poll", type=float, default=0.2,
                            help="Seconds between looks at an empty outbox.")
        parser.add_argument("--lanes", type=int, default=2,
                            help="Batches in flight at once (each claims its own).")
        parser.add_argument("--until-empty", action="store_true",
                            help="Stop when nothing is due (instead of running forever).")

    def handle(self, *args: Any, batch: int, threads: int, lease: float, poll: float,
               until_empty: bool, lanes: int, **options: Any) -> None:
        stop = threading.Event()
        worker_id = f"sender-{socket.gethostname()}-{os.getpid()}"[:64]

        def finish(*_: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        beat(worker_id)

        def heartbeat() -> None:
            while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                try:
                    beat(worker_id)
                except Exception:  # noqa: BLE001 - a missed beat shows in /health
                    close_old_connections()

        threading.Thread(target=heartbeat, name="heartbeat", daemon=True).start()
        sender = Sender(batch=batch, threads=threads, lease_seconds=lease, poll_seconds=poll)
        try:
            sender.run(stop, until_empty=until_empty, lanes=lanes)
        finally:
            stop.set()
            sender.close()
