from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope, scopes_disabled

from groundswell.core.models import Organization
from groundswell.people.services.merge import find_duplicates


class Command(BaseCommand):
    help = ("Look for people who may be recorded twice and add them to the review queue "
            "(Duplicates). Pairs already reviewed are not proposed again.")

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
            with scope(organization=org):
                scan = find_duplicates(org)
            self.stdout.write(f"{org.slug}: {scan.compared} people, {scan.found} pairs, "
                              f"{scan.created} new, {scan.updated} rescored")
