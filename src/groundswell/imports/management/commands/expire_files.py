from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from groundswell.imports.storage import expire_files


class Command(BaseCommand):
    help = ("Delete stored import uploads and exports older than GROUNDSWELL_FILE_RETENTION_HOURS "
            "(imports never committed are marked expired). The worker does this as each file "
            "falls due; the command is for cron or by hand.")

    def handle(self, *args: Any, **options: Any) -> None:
        done = expire_files()
        self.stdout.write(f"{done.uploads} uploads, {done.exports} exports and "
                          f"{done.stray_files} other files older than "
                          f"{settings.FILE_RETENTION_HOURS} hours deleted")
