from __future__ import annotations

import getpass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from groundswell.core.errors import DomainError
from groundswell.core.services import create_organization


class Command(BaseCommand):
    help = "Create an organization and its first admin (who must then set up a second factor)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Short name used in links, e.g. casa")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--language", default="en", choices=["en", "es"])

    def handle(self, *args: Any, name: str, slug: str, admin_email: str, language: str,
               **options: Any) -> None:
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(email__iexact=admin_email).first()
            if user is None:
                password = getpass.getpass(f"Password for {admin_email}: ")
                if len(password) < 10:
                    raise CommandError("Use a password of at least 10 characters.")
                user = User.objects.create_user(admin_email, password, language=language)
                # The operator vouches for the address they typed.
                EmailAddress.objects.create(user=user, email=user.email, verified=True,
                                            primary=True)
            try:
                org = create_organization(name=name, slug=slug, admin=user,
                                          default_language=language)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(f"Created {org.name} at /o/{org.slug}/ with admin {user.email}.")
