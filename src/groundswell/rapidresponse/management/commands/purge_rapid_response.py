from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from groundswell.core.models import Organization
from groundswell.rapidresponse.tasks import run_maintenance


class Command(BaseCommand):
    help = ("Expire open rapid-response reports past their time and purge reports, places, "
            "verification replies and alert recipient lists older than each network's "
            "retention period (counts and times stay). Safe to run often, e.g. from cron.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", metavar="SLUG",
                            help="Only this organization (default: all of them).")

    def handle(self, *args: Any, organization: str | None = None, **options: Any) -> None:
        with scopes_disabled():
            orgs = list(Organization.objects.order_by("slug"))
        if organization:
            orgs = [o for o in orgs if o.slug == organization]
            if not orgs:
                raise CommandError(f"No organization {organization!r}.")
        for org in orgs:
            expired, reports, alerts = run_maintenance(org)
            self.stdout.write(f"{org.slug}: {expired} expired, {reports} reports and "
                              f"{alerts} alerts purged")
