"""Restore a backup into a fresh database, then make it safe to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from groundswell.core import audit, backup
from groundswell.core.keycheck import key_problems


class Command(BaseCommand):
    help = ("Load a backup made by `manage.py backup` into the configured database, which "
            "must be empty; migrate it, check that the configured keys read it, run the "
            "retention purges again and verify the audit chain.")
    # The database is empty until this has run: nothing to check yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="A .gsbackup file.")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            engine = backup.restore(Path(file))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored the {engine} database from {file}.")
        call_command("migrate", verbosity=0, interactive=False)
        problems = key_problems()
        if problems:
            raise CommandError("The backup is restored, but the configured keys cannot read "
                               "it: " + " ".join(problems))
        for line in backup.after_restore():
            self.stdout.write(line)
        chains = audit.all_chains()
        broken = [p for p in (audit.verify_chain(c) for c in chains) if p is not None]
        for problem in broken:
            self.stderr.write(f"TAMPERED {problem}")
        if broken:
            raise CommandError(f"{len(broken)} of {len(chains)} audit chain(s) failed.")
        self.stdout.write(f"OK: {len(chains)} audit chain(s) intact.")
