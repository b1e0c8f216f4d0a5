from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from groundswell.core import audit


class Command(BaseCommand):
    help = "Check every audit chain; report the first tampered or missing row of each."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chain", help="Only this chain (an organization id or 'system').")

    def handle(self, *args: Any, chain: str | None = None, **options: Any) -> None:
        chains = [chain] if chain else audit.all_chains()
        problems = [p for p in (audit.verify_chain(c) for c in chains) if p is not None]
        for problem in problems:
            self.stderr.write(f"TAMPERED {problem}")
        if problems:
            raise CommandError(f"{len(problems)} of {len(chains)} audit chain(s) failed.")
        self.stdout.write(f"OK: {len(chains)} audit chain(s) intact.")
