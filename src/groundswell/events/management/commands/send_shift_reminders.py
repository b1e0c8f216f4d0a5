"""Queue text reminders for volunteer shifts starting soon (run from cron, e.g. hourly):
each volunteer gets one reminder, through the messaging outbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.core.models import Organization
from groundswell.events.models import Event
from groundswell.events.services import send_shift_reminders


class Command(BaseCommand):
    help = "Queue text reminders for volunteer shifts starting within the next hours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24,
                            help="Remind volunteers of shifts starting within this many hours.")

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        if not 1 <= hours <= 24 * 14:
            self.stderr.write("--hours must be from 1 to 336.")
            raise SystemExit(2)
        now = timezone.now()
        with scopes_disabled():
            organizations = list(Organization.objects.all())
        queued = unreachable = 0
        for org in organizations:
            with scope(organization=org):
                events = Event.objects.filter(
                    cancelled_at__isnull=True, shifts__starts_at__gt=now,
                    shifts__starts_at__lte=now + timedelta(hours=hours),
                    shifts__signups__reminded_at__isnull=True).distinct()
                for event in events:
                    result = send_shift_reminders(None, event, organization=org)
                    queued += result.queued
                    unreachable += result.unreachable
        self.stdout.write(f"queued {queued}, unreachable {unreachable}")
