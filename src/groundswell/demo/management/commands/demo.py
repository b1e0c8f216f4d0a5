from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from groundswell.demo import scenario


class Command(BaseCommand):
    help = "Load the demo scenario (idempotent) and print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--code", metavar="EMAIL",
                            help="Only print the current 6-digit code for this demo user.")

    def handle(self, *args: Any, code: str | None = None, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo scenario is not loaded on a production install.")
        logins = scenario.load()
        if code:
            match = [entry for entry in logins if entry.email == code and entry.totp_secret]
            if not match:
                raise CommandError(f"{code} is not a demo user with a second factor.")
            self.stdout.write(scenario.current_code(match[0].totp_secret))
            return
        self.stdout.write(self.style.SUCCESS("Demo logins (http://127.0.0.1:8000/):"))
        self.stdout.write(f"  password for every demo user: {logins[0].password}")
        for entry in logins:
            factor = (f"authenticator secret {entry.totp_secret}" if entry.totp_secret
                      else "no second factor (canvassers may skip it)")
            self.stdout.write(f"  {entry.role:<14} {entry.email:<36} {factor}")
        self.stdout.write(
            "Second factor: add the secret to any authenticator app, or get the current "
            "code with:\n  .venv/bin/python manage.py demo --code admin@"
            f"{scenario.DOMAIN}")
