from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from groundswell.core import audit


class Command(BaseCommand):
    help = ("Check every audit chain; report the first tampered or missing row of each. When "
            "all are intact, print each chain's head as an ANCHOR line to keep outside the "
            "database (cron mail, a file): given back with --anchor, it proves nothing up to "
            "it was cut off or rewritten.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chain", help="Only this chain (an organization id or 'system').")
        parser.add_argument(
            "--anchor", action="append", default=[], metavar="FILE_OR_VALUE",
            help="A kept anchor (gsaudit1:<chain>:<seq>:<mac>) or a file holding them, "
                 "e.g. the output of an earlier run. May be given several times.")

    def handle(self, *args: Any, chain: str | None = None, anchor: list[str],
               **options: Any) -> None:
        anchors = self._anchors(anchor)
        chains = [chain] if chain else sorted(
            set(audit.all_chains()) | {a.chain for a in anchors})
        reports = [audit.check_chain(c, anchors=anchors) for c in chains]
        problems = [r.problem for r in reports if r.problem is not None]
        for problem in problems:
            self.stderr.write(f"TAMPERED {problem}")
        if problems:
            raise CommandError(f"{len(problems)} of {len(chains)} audit chain(s) failed.")
        self.stdout.write(f"OK: {len(chains)} audit chain(s) intact"
                          + (f", {len(anchors)} kept anchor(s) matched." if anchors else "."))
        for report in reports:
            if report.keyed_from is not None and report.keyed_from > 1:
                self.stdout.write(
                    f"chain {report.chain}: seq {report.keyed_from} on is keyed with "
                    f"GROUNDSWELL_AUDIT_KEY; seq 1 to {report.keyed_from - 1} were written "
                    "before the key and are hashed without it (protected by the first keyed "
                    "row, which covers their last hash)")
        for report in reports:
            if report.head is not None:
                self.stdout.write(f"ANCHOR {report.head}")

    def _anchors(self, values: list[str]) -> list[audit.Anchor]:
        anchors: list[audit.Anchor] = []
        for value in values:
            found = audit.parse_anchors(value)
            if not found:
                try:
                    found = audit.parse_anchors(Path(value).read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as exc:
                    raise CommandError(f"--anchor {value!r} is neither an anchor "
                                       f"(gsaudit1:<chain>:<seq>:<mac>) nor a readable file "
                                       f"({exc}).") from None
                if not found:
                    raise CommandError(f"--anchor: no anchor in {value!r}.")
            anchors.extend(found)
        return anchors
