"""Load an address-point file (CSV or GeoJSON) for an organization, then place its
households on the map from it: ``manage.py load_address_points SLUG FILE [--geocode]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from groundswell.core.models import Membership, Organization, Role
from groundswell.geo import services


class Command(BaseCommand):
    help = "Load address points from a CSV or GeoJSON file and geocode households offline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="the organization's short name (slug)")
        parser.add_argument("file", type=Path)
        parser.add_argument("--geocode", action="store_true",
                            help="then place households on the map from the points")
        parser.add_argument("--as", dest="email", default="",
                            help="email of the admin acting (default: the first admin)")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"No organization {options['organization']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        with scopes_disabled():
            admins = Membership.objects.filter(organization=org, role=Role.ADMIN) \
                .select_related("user", "organization").order_by("pk")
            if options["email"]:
                admins = admins.filter(user__email__iexact=options["email"])
            actor = admins.first()
        if actor is None:
            raise CommandError("No admin of that organization to act as.")
        with scope(organization=org):
            try:
                count = services.load_address_points(actor, path.read_bytes(), path.name)
            except services.AddressFileError as exc:
                details = "\n".join(f"  {row}" for row in exc.rows)
                raise CommandError(f"{exc.message}\n{details}".rstrip()) from None
            self.stdout.write(f"{count} address points loaded.")
            if options["geocode"]:
                result = services.geocode_households(actor)
                self.stdout.write(f"Households placed: {result.exact} exact, {result.fuzzy} "
                                  f"close match, {result.missing} not found.")
