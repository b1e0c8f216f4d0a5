"""Back the database up while the site runs: a consistent copy, sealed with the keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from groundswell.core import backup


class Command(BaseCommand):
    help = ("Write a consistent copy of the database (SQLite's backup API, or pg_dump), "
            "encrypted with GROUNDSWELL_ENCRYPTION_KEYS, to var/backups/ or --output; then "
            "delete backups in that folder older than --keep-days.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", metavar="PATH",
                            help="The file to write, or a folder for it (default: var/backups/).")
        parser.add_argument("--keep-days", type=int, default=14, metavar="DAYS",
                            help="Delete groundswell-*.gsbackup files in the same folder older "
                                 "than this (default 14; 0 keeps every one).")

    def handle(self, *args: Any, output: str | None, keep_days: int, **options: Any) -> None:
        if keep_days < 0:
            raise CommandError("--keep-days must be 0 or more.")
        target = Path(output) if output else backup.backups_dir()
        if not output or target.is_dir() or output.endswith("/"):
            target = target / backup.default_name()
        try:
            info = backup.backup(target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up the {info.engine} database to {info.path} "
                          f"({info.size:,} bytes, encrypted).")
        if keep_days:
            for old in backup.roll_off(info.path.parent, keep_days):
                self.stdout.write(f"Deleted {old.name} (older than {keep_days} days).")
