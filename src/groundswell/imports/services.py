"""The import wizard's operations: upload, map, preview, commit (in the background),
report and undo.

Every write is permission-checked (``imports.manage``), runs in a transaction and is
audited with ids and counts only. An upload is read and checked before anything is
stored; a file that cannot be imported changes nothing. Rows with errors are never
imported: the preview lists them with their row numbers and the organizer confirms the
rest. The commit re-reads the file and matches again (people may have been added since
the preview), in chunks, each its own transaction, so the progress bar moves and a
crash leaves a batch that undo still takes back exactly: each ``ImportRow`` holds the
ids it created and the previous values of what it changed.
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.core import audit
from groundswell.core.bulk import checkpoints_aside, no_cycle_collection
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Base, Membership
from groundswell.core.permissions import require
from groundswell.core.spreadsheets import SafeWriter
from groundswell.imports import bulk, chunk_matching, reading, storage
from groundswell.imports.models import ImportBatch, ImportRow, ImportTemplate
from groundswell.imports.rows import (
    TARGETS,
    CheckedRow,
    check_row,
    guess_mapping,
    mapping_problems,
)
from groundswell.people import matching
from groundswell.people.models import (
    Address,
    Consent,
    ContactPoint,
    Household,
    Merge,
    Person,
    Residence,
    Tag,
)
from groundswell.people.normalize import NormalizationError, fold
from groundswell.people.services.merge import _loaded, reasons_of, undo_merge
from groundswell.people.services.records import phone_region

#: A match at least this strong, with a phone, an email or an address agreeing, is the
#: same person: the row updates them. Between matching.THRESHOLD and this, the row is
#: imported as a new person and the pair goes to the duplicates review queue.
UPDATE_THRESHOLD = matching.UPDATE_SCORE
#: Below this a row is simply new. Higher than matching.THRESHOLD (the duplicate scan's):
#: the same full name with a different phone (+11.7) is a namesake more often than not
#: in a list of thousands, while the same full name with nothing else to compare (+14.0)
#: still goes to review.
REVIEW_THRESHOLD = 12.0
CHUNK = 2_000  # rows matched and written together, in one transaction

TARGET_LABELS: dict[str, Any] = {
    "": gettext_lazy("Do not import"),
    "given_name": gettext_lazy("Given name"),
    "family_name": gettext_lazy("Family name"),
    "full_name": gettext_lazy("Full name (given and family)"),
    "preferred_name": gettext_lazy("Preferred name"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
    "street": gettext_lazy("Street address"),
    "unit": gettext_lazy("Unit"),
    "city": gettext_lazy("City"),
    "state": gettext_lazy("State"),
    "postal_code": gettext_lazy("ZIP code"),
    "language": gettext_lazy("Language"),
    "birth_year": gettext_lazy("Year of birth"),
    "tags": gettext_lazy("Tags"),
    "consent_sms": gettext_lazy("Consent: text messages (yes/no)"),
    "consent_email": gettext_lazy("Consent: email (yes/no)"),
    "consent_phone": gettext_lazy("Consent: phone calls (yes/no)"),
}

FILE_ERRORS: dict[str, Any] = {
    "empty": gettext_lazy("The file is empty. Choose a spreadsheet with a header row and "
                          "at least one person."),
    "no_rows": gettext_lazy("The file has a header row but nobody under it."),
    "old_excel": gettext_lazy("This is an old Excel file (.xls). Open it in Excel or "
                              "LibreOffice and save it as .xlsx or .csv, then upload that."),
    "not_spreadsheet": gettext_lazy("This file is not a spreadsheet. Upload a CSV file or "
                                    "an Excel file (.xlsx)."),
    "too_big": gettext_lazy("The file is too big (10 MB at most). Split it into parts."),
    "too_expanded": gettext_lazy("This Excel file would take more than 100 MB once opened, "
                                 "far more than its rows need. Save it as CSV, or split it, "
                                 "and upload that."),
    "too_many_rows": gettext_lazy("The file has too many rows (50,000 at most). Split it "
                                  "into parts."),
    "too_many_columns": gettext_lazy("The file has too many columns (100 at most)."),
    "no_sheet": gettext_lazy("That sheet is not in the file."),
    "bad_csv": gettext_lazy("The file could not be read as CSV (a quote is never "
                            "closed?). Open it in a spreadsheet and save it again."),
    "bad_utf8": gettext_lazy("The file is written in UTF-8 except for some lines, which "
                             "would come out garbled: line %(lines)s. Open it in a "
                             "spreadsheet, save it as “CSV UTF-8” and upload that."),
}


def file_error(error: reading.UnreadableFile) -> DomainError:
    """The importer's message for a file that cannot be read."""
    message = str(FILE_ERRORS[error.code])
    if error.code == "bad_utf8":
        message = message % {"lines": error.detail}
    return DomainError(message)

ROW_ERRORS: dict[str, Any] = {
    "missing_name": gettext_lazy("No name: a person needs a given or family name."),
    "too_long": gettext_lazy("“%(column)s” is too long (%(length)s characters)."),
    "formula": gettext_lazy("“%(column)s” holds a spreadsheet formula, not a value."),
    "bad_phone": gettext_lazy("“%(column)s” is not a phone number we can call or text."),
    "bad_email": gettext_lazy("“%(column)s” is not an email address."),
    "bad_year": gettext_lazy("“%(column)s” is not a year or a date of birth."),
    "bad_language": gettext_lazy("“%(column)s” is not a language we know."),
    "bad_yes": gettext_lazy("“%(column)s” should say yes or no."),
    "bad_address": gettext_lazy("“%(column)s” is not a street address we can read (a "
                                "number, then the street)."),
    "same_as": gettext_lazy("The same as row %(row)s of the file."),
    "review": gettext_lazy("May be the same person as someone already here: sent to the "
                           "duplicates review."),
    "address_kept": gettext_lazy("Lives elsewhere already: the address was not changed."),
}

MAPPING_ERRORS: dict[str, Any] = {
    "unknown_target": gettext_lazy("Choose a field from the list for each column."),
    "out_of_range": gettext_lazy("That column is not in the file."),
    "repeated_target": gettext_lazy("Two columns are imported as the same field. Choose "
                                    "one."),
    "no_name": gettext_lazy("Choose the column with the names (given name, family name or "
                            "full name)."),
}


def row_message(code: str, column: str = "", length: int = 0, row: int = 0) -> str:
    template = ROW_ERRORS.get(code)
    if template is None:
        return code
    return str(template) % {"column": column, "length": number_format(length,
                                                                       force_grouping=True),
                            "row": row}


# --- storage ------------------------------------------------------------------------------


def _read_stored(batch: ImportBatch) -> bytes:
    """The stored upload's bytes (sealed at rest: imports.storage), or the reason it is
    gone, as a DomainError."""
    if batch.status == ImportBatch.Status.EXPIRED:
        raise DomainError(storage.expired_message(storage.UPLOAD_EXPIRED))
    try:
        return storage.read_upload(batch)
    except OSError:
        raise DomainError(_("The uploaded file is missing. Upload it again.")) from None


def read_batch(batch: ImportBatch) -> reading.Table:
    data = _read_stored(batch)
    try:
        return reading.read_table(data, sheet=batch.sheet or None)
    except reading.UnreadableFile as exc:
        raise file_error(exc) from None


# --- upload -------------------------------------------------------------------------------


def _template_mapping(org_id: int, headers: list[str]) -> tuple[dict[int, str], str]:
    """A saved template whose headers are all in this file, if any."""
    folded = [fold(h) for h in headers]
    for template in ImportTemplate.objects.filter(organization_id=org_id):
        wanted = template.mapping
        if wanted and all(h in folded for h in wanted):
            return ({folded.index(h): t for h, t in wanted.items() if t in TARGETS},
                    template.name)
    return {}, ""


def upload(actor: Membership, *, file_name: str, data: bytes,
           sheet: str | None = None) -> ImportBatch:
    """Check and store an uploaded file; guess the mapping (from a saved template whose
    headers match, else from the header words). Raises DomainError with the reason when
    the file cannot be imported; then nothing is stored."""
    require(actor, "imports.manage")
    try:
        table = reading.read_table(data, sheet=sheet or None)
    except reading.UnreadableFile as exc:
        raise file_error(exc) from None
    org = actor.organization
    mapping, template = _template_mapping(org.pk, table.headers)
    if not mapping:
        mapping = guess_mapping(table.headers)
    relative = f"{org.pk}/{uuid.uuid4().hex}.{table.kind}"
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            organization=org, file_name=Path(file_name).name[:200] or "upload",
            stored_path=relative, size=len(data), kind=table.kind, encoding=table.encoding,
            sheet=table.sheet, headers=table.headers, row_count=len(table.rows),
            mapping={str(i): t for i, t in mapping.items()},
            options={"template": template, "tags": [], "base": None,
                     "purpose": Consent.Purpose.GENERAL, "wording": ""},
            created_by=actor)
        storage.write_upload(relative, data)
        transaction.on_commit(storage.schedule_expiry)
        audit.record("imports.batch.uploaded", by=actor, obj=batch,
                     data={"rows": batch.row_count, "kind": table.kind,
                           "encoding": table.encoding})
    return batch


def sheets_of(batch: ImportBatch) -> list[str]:
    if batch.kind != "xlsx":
        return []
    try:
        return reading.xlsx_sheets(_read_stored(batch))
    except (DomainError, reading.UnreadableFile):
        return []


def choose_sheet(actor: Membership, batch: ImportBatch, sheet: str) -> ImportBatch:
    """Read another sheet of the same XLSX file (mapping guessed again)."""
    require(actor, "imports.manage")
    _editable(batch)
    try:
        table = reading.read_table(_read_stored(batch), sheet=sheet)
    except reading.UnreadableFile as exc:
        raise file_error(exc) from None
    with transaction.atomic():
        batch.sheet, batch.headers, batch.row_count = table.sheet, table.headers, len(table.rows)
        batch.mapping = {str(i): t for i, t in guess_mapping(table.headers).items()}
        batch.save(update_fields=["sheet", "headers", "row_count", "mapping"])
    return batch


def _editable(batch: ImportBatch) -> None:
    if batch.status == ImportBatch.Status.EXPIRED:
        raise DomainError(storage.expired_message(storage.UPLOAD_EXPIRED))
    if batch.status != ImportBatch.Status.UPLOADED:
        raise DomainError(_("This import has already been started; upload the file again "
                            "to import it differently."))


# --- mapping and options -----------------------------------------------------------------


def batch_mapping(batch: ImportBatch) -> dict[int, str]:
    return {int(i): t for i, t in batch.mapping.items() if t}


def set_mapping(actor: Membership, batch: ImportBatch, mapping: Mapping[int, str], *,
                tags: Iterable[str] = (), base: Base | None = None,
                purpose: str = Consent.Purpose.GENERAL, wording: str = "",
                template_name: str = "") -> ImportBatch:
    """Save the column mapping and what applies to everyone imported (tags, a base, the
    purpose and wording of the consent columns); optionally save the mapping as a
    template for the next file."""
    require(actor, "imports.manage")
    _editable(batch)
    clean = {int(i): t for i, t in mapping.items() if t}
    problems = mapping_problems(clean, len(batch.headers))
    if problems:
        raise InvalidInput("mapping", str(MAPPING_ERRORS[problems[0]]))
    if base is not None and base.organization_id != batch.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    if purpose not in Consent.Purpose.values:
        raise InvalidInput("purpose", _("Choose a purpose."))
    tag_names = [t.strip()[:60] for t in tags if t.strip()]
    if len(tag_names) > 10:
        raise InvalidInput("tags", _("Ten tags at most."))
    if len(wording) > 2000:
        raise InvalidInput("wording", _("That is too long (2,000 characters at most)."))
    template_name = template_name.strip()
    if len(template_name) > 100:
        raise InvalidInput("template_name", _("That name is too long (100 characters at "
                                              "most)."))
    with transaction.atomic():
        batch.mapping = {str(i): t for i, t in sorted(clean.items())}
        batch.options = {**batch.options, "tags": tag_names,
                         "base": base.pk if base else None, "purpose": purpose,
                         "wording": wording.strip()}
        batch.save(update_fields=["mapping", "options"])
        if template_name:
            template, _created = ImportTemplate.objects.update_or_create(
                organization=batch.organization, name=template_name,
                defaults={"mapping": {fold(batch.headers[i]): t for i, t in clean.items()},
                          "created_by": actor.user})
            audit.record("imports.template.saved", by=actor, obj=template,
                         data={"columns": len(clean)})
    return batch


# --- matching: the plan ------------------------------------------------------------------


@dataclass
class PlannedRow:
    """What the commit will do with one row. ``match`` is a person id or, for a row
    matching an earlier row of the same file, ``"row:N"``."""

    row: CheckedRow
    action: str  # an ImportRow.Outcome value
    match: int | str | None = None
    score: float = 0.0
    reasons: list[dict[str, str]] = field(default_factory=list)
    same_as: int | None = None


@dataclass
class Plan:
    rows: list[PlannedRow]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ImportRow.Outcome.values, 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts


def _strong(pair: matching.ScoredPair) -> bool:
    """Sure enough to update the person: a strong score with a phone, an email or an
    address agreeing, and nothing that leaves room for another member of the same
    household (a son named after his father, a sister on the family's phone): those go
    to review (matching.household_doubt)."""
    return matching.sure_update(pair, UPDATE_THRESHOLD)


@dataclass
class _CheckedChunk:
    """CHUNK rows checked: ``planned`` every row (errors and repeats decided), ``to_match``
    those left to match, with their matcher records and prepared forms."""

    planned: list[PlannedRow]
    to_match: list[PlannedRow]
    records: list[dict[str, Any]]
    prepared: list[matching.Prepared]


def _checked_chunks(table: reading.Table, mapping: Mapping[int, str], region: str,
                    matcher: chunk_matching.ChunkMatcher) -> Iterator[_CheckedChunk]:
    """Every row checked, CHUNK rows at a time: an error, a repeat of an earlier row
    (skipped), or a row to match, read as the matcher reads it. This depends on the file
    alone: nothing here reads the database or the matcher's indexes. (Run ahead on a
    thread of its own, it made the import slower: every row SQLite handed back to the
    writing thread waited for Python's lock.)"""
    seen: dict[tuple[object, ...], int] = {}
    phones: dict[str, str | NormalizationError] = {}  # each distinct phone read once
    folded: dict[str, str] = {}  # and each distinct value folded once
    for start in range(0, len(table.rows), CHUNK):
        chunk = _CheckedChunk([], [], [], [])
        for position in range(start, min(start + CHUNK, len(table.rows))):
            row = check_row(position + 2, table.rows[position], table.headers, mapping,
                            region, phones)
            if not row.ok:
                chunk.planned.append(PlannedRow(row, ImportRow.Outcome.ERROR))
                continue
            fingerprint = row.fingerprint(folded)
            if fingerprint in seen:
                chunk.planned.append(PlannedRow(row, ImportRow.Outcome.SKIPPED,
                                                same_as=seen[fingerprint]))
                continue
            seen[fingerprint] = row.number
            step = PlannedRow(row, ImportRow.Outcome.CREATED)
            chunk.planned.append(step)
            chunk.to_match.append(step)
            record = chunk_matching.row_record(row)
            chunk.records.append(record)
            chunk.prepared.append(matcher.prepare(record))
        yield chunk


def _planned_chunks(batch: ImportBatch, table: reading.Table,
                    matcher: chunk_matching.ChunkMatcher | None = None
                    ) -> Iterator[list[PlannedRow]]:
    """Every row checked and decided, CHUNK rows at a time: an error, a repeat of an
    earlier row (skipped), an update of someone already here, a new person sent to
    review beside a possible duplicate, or a new person. Each chunk is matched against
    the people here when it is planned (chunk_matching.ChunkMatcher: by blind index, no
    decryption) and against the file's earlier rows."""
    region = phone_region()
    matcher = matcher or chunk_matching.ChunkMatcher(batch.organization_id, region,
                                                     REVIEW_THRESHOLD)
    checked = _checked_chunks(table, batch_mapping(batch), region, matcher)
    for chunk in checked:
        found = matcher.best(chunk.records, chunk.prepared)
        for step, best in zip(chunk.to_match, found, strict=True):
            if best is not None:
                step.action = ImportRow.Outcome.UPDATED if _strong(best) else \
                    ImportRow.Outcome.REVIEW
                step.match, step.score = best.second, best.score
                step.reasons = reasons_of(best)
        yield chunk.planned


def plan_batch(batch: ImportBatch, table: reading.Table | None = None) -> Plan:
    """What each row of the file would become (the preview; the commit plans again)."""
    table = table or read_batch(batch)
    return Plan([step for chunk in _planned_chunks(batch, table) for step in chunk])


# --- commit -------------------------------------------------------------------------------


def start_commit(actor: Membership, batch: ImportBatch) -> ImportBatch:
    """Queue the import. The worker applies the rows and moves the progress bar."""
    require(actor, "imports.manage")
    # tasks imports this module
    from groundswell.imports.tasks import commit_import_task

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _editable(batch)
        problems = mapping_problems(batch_mapping(batch), len(batch.headers))
        if problems:
            raise InvalidInput("mapping", str(MAPPING_ERRORS[problems[0]]))
        batch.status = ImportBatch.Status.COMMITTING
        batch.progress = 0
        batch.save(update_fields=["status", "progress"])
        audit.record("imports.batch.started", by=actor, obj=batch, data={"rows": batch.row_count})
        batch_id, membership_id = batch.pk, actor.pk
        transaction.on_commit(lambda: commit_import_task.enqueue(batch_id, membership_id))
    return batch


def _row_of(match: int | str | None) -> int | None:
    if isinstance(match, str) and match.startswith("row:"):
        return int(match[4:])
    return None


def _write(actor: Membership, batch: ImportBatch, planned: list[PlannedRow],
           made: dict[int, int], stage_id: int | None, places: bulk.Places,
           matcher: chunk_matching.ChunkMatcher) -> dict[str, int]:
    """Write one planned chunk (inside the caller's transaction); a row matching an
    earlier row of the same chunk waits until that row is written. The matcher is told
    who was written (its namesake answers follow)."""
    counts: dict[str, int] = defaultdict(int)
    pending: list[PlannedRow] = []

    def flush() -> None:
        steps = []
        wanted: dict[int, int | None] = {}
        for planned_row in pending:
            row = planned_row.row
            step = bulk.Step(row.number, row, planned_row.action, score=planned_row.score,
                             reasons=planned_row.reasons,
                             messages=[[e.code, e.column, e.length] for e in row.errors])
            if step.outcome == ImportRow.Outcome.SKIPPED:
                step.messages.append(["same_as", planned_row.same_as])
            elif step.outcome in (ImportRow.Outcome.UPDATED, ImportRow.Outcome.REVIEW):
                earlier = _row_of(planned_row.match)
                wanted[row.number] = made.get(earlier) if earlier is not None else \
                    int(planned_row.match) if planned_row.match is not None else None
            steps.append(step)
        active = set(Person.objects.active().filter(
            pk__in=[pk for pk in wanted.values() if pk is not None]).values_list(
            "pk", flat=True))
        for step in steps:
            if step.number in wanted:
                target = wanted[step.number]
                if target in active:
                    step.target = target
                else:
                    step.outcome = ImportRow.Outcome.CREATED  # gone (merged, forgotten)
        for record in bulk.write_chunk(actor, batch, steps, stage_id, places):
            counts[record.outcome] += 1
            if record.person_id is not None:
                made[record.number] = record.person_id
        matcher.written((s.person_id, s.name, s.holds) for s in steps
                        if s.person_id is not None)
        pending.clear()

    numbers: set[int] = set()
    for planned_row in planned:
        earlier = _row_of(planned_row.match)
        if earlier is not None and earlier in numbers:
            flush()
            numbers.clear()
        pending.append(planned_row)
        numbers.add(planned_row.row.number)
    if pending:
        flush()
    return dict(counts)



def commit_batch(actor: Membership, batch: ImportBatch) -> ImportBatch:
    """Apply a queued batch (the worker calls this). Matching runs again against the
    people here now; rows are matched and written CHUNK at a time, each chunk in its own
    transaction with one audit record (row numbers and counts)."""
    require(actor, "imports.manage")
    if batch.status != ImportBatch.Status.COMMITTING:
        return batch
    try:
        table = read_batch(batch)
    except DomainError as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED,
                                                       error=exc.message[:300])
        batch.refresh_from_db()
        return batch
    made: dict[int, int] = {}
    done: set[int] = set()
    for number, person_id in batch.rows.values_list("number", "person_id"):  # a retry
        done.add(number)
        if person_id is not None:
            made[number] = person_id
    stage_id = bulk.initial_stage_id(batch.organization)
    places = bulk.Places(batch.organization_id)
    matcher = chunk_matching.ChunkMatcher(batch.organization_id, phone_region(), REVIEW_THRESHOLD)
    progress = 0
    chunks = _planned_chunks(batch, table, matcher)
    # The cycle collector waits for the whole file: let in after each chunk, it walked
    # everything the process holds (a quarter of a second a chunk at 1,000,000 people).
    with no_cycle_collection(), checkpoints_aside(connection):
        while True:
            planned = next(chunks, None)
            if planned is None:
                break
            progress += len(planned)
            planned = [p for p in planned if p.row.number not in done]
            if not planned:
                continue
            with transaction.atomic():
                counts = _write(actor, batch, planned, made, stage_id, places, matcher)
                ImportBatch.objects.filter(pk=batch.pk).update(progress=progress)
                audit.record("imports.chunk.committed", by=actor, obj=batch,
                             data={"first_row": planned[0].row.number,
                                   "last_row": planned[-1].row.number, **counts})
    counts = dict.fromkeys(ImportRow.Outcome.values, 0)
    for outcome in batch.rows.values_list("outcome", flat=True):
        counts[outcome] += 1
    with transaction.atomic():
        batch.refresh_from_db()
        batch.counts, batch.status = counts, ImportBatch.Status.DONE
        batch.progress, batch.committed_at = batch.row_count, timezone.now()
        batch.save(update_fields=["counts", "status", "progress", "committed_at"])
        audit.record("imports.batch.committed", by=actor, obj=batch, data=counts)
    _discard_file(batch)
    return batch


def _discard_file(batch: ImportBatch) -> None:
    """The stored upload is no longer needed once its rows are in (or undone)."""
    path = storage.upload_path(batch)
    if path is not None:
        path.unlink(missing_ok=True)


# --- report -------------------------------------------------------------------------------


def report_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    """Each row's outcome and messages, in words (no cell values)."""
    out = []
    for row in batch.rows.all():
        texts = []
        for message in row.messages:
            code, *rest = message
            if code == "same_as":
                texts.append(row_message(code, row=rest[0] if rest else 0))
            else:
                texts.append(row_message(code, rest[0] if rest else "",
                                         rest[1] if len(rest) > 1 else 0))
        out.append({"number": row.number, "outcome": row.outcome,
                    "outcome_label": str(row.get_outcome_display()),
                    "person_id": row.person_id, "candidate_id": row.candidate_id,
                    "messages": texts})
    return out


def report_csv(actor: Membership, batch: ImportBatch) -> bytes:
    """The report as a CSV file (UTF-8 with BOM): row number, outcome, messages."""
    require(actor, "imports.manage")
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow([_("Row"), _("Outcome"), _("Person"), _("Messages")])
    for row in report_rows(batch):
        writer.writerow([row["number"], row["outcome_label"], row["person_id"] or "",
                         " ".join(row["messages"])])
    return buffer.getvalue().encode("utf-8-sig")


# --- undo ---------------------------------------------------------------------------------


def can_undo(batch: ImportBatch) -> bool:
    return batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED) \
        and batch.undone_at is None


def undo_import(actor: Membership, batch: ImportBatch) -> ImportBatch:
    """Take the whole batch back: merges made since with an imported person are undone
    first (newest first), people it created are deleted with everything they hold,
    people it updated get back their previous row, contacts, tags, consents and home,
    and buildings, households and tags it created go when nothing else uses them. A
    household another area protects (canvassing's walk lists and door visits) stays,
    with its building: the returned batch's ``households_kept`` lists them. People the
    import added that another area protects (a program's enrollment) stop the undo
    with a DomainError, and nothing changes."""
    require(actor, "imports.manage")
    require(actor, "people.merge")
    if batch.organization_id != actor.organization_id:
        raise DomainError(_("That import is not part of this organization."))
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not can_undo(batch):
            raise DomainError(_("This import cannot be undone: it is not finished, or it "
                                "has been undone already."))
        rows = list(batch.rows.order_by("-number"))
        created = [r.undo["created"] for r in rows if r.undo.get("created")]
        for merge in Merge.objects.filter(Q(kept__in=created) | Q(merged__in=created),
                                          undone_at__isnull=True).order_by("-pk"):
            undo_merge(actor, merge)
        for row in rows:
            _undo_row(row.undo)
        try:
            Person.objects.filter(pk__in=created).delete()
        except ProtectedError:
            raise DomainError(_("This import cannot be undone: some of the people it added "
                                "are now used elsewhere (a program, an event...).")) from None
        kept: list[int] = []
        for row in rows:
            Address.objects.filter(pk__in=row.undo.get("address_base_set", [])).update(
                base=None)
            for pk in row.undo.get("households_created", []):
                try:
                    with transaction.atomic():
                        Household.objects.filter(pk=pk, residences__isnull=True).delete()
                except ProtectedError:
                    kept.append(pk)  # on a walk list, knocked at: canvassing keeps it
        for row in rows:
            for pk in row.undo.get("addresses_created", []):
                Address.objects.filter(pk=pk, households__isnull=True).delete()
            for pk in row.undo.get("tags_created", []):
                Tag.objects.filter(pk=pk, people__isnull=True).delete()
        batch.status, batch.undone_at = ImportBatch.Status.UNDONE, timezone.now()
        batch.save(update_fields=["status", "undone_at"])
        audit.record("imports.batch.undone", by=actor, obj=batch,
                     data={"created": len(created),
                           "updated": sum(1 for r in rows if r.undo.get("person")),
                           "households_kept": len(kept)})
    batch.households_kept = sorted(kept)  # type: ignore[attr-defined]
    return batch


def _undo_row(undo: dict[str, Any]) -> None:
    person_id = undo.get("person")
    if not person_id:
        return
    ContactPoint.objects.filter(pk__in=undo.get("contacts_created", [])).delete()
    Person.tags.through.objects.filter(pk__in=undo.get("tag_links_created", [])).delete()
    Consent.objects.filter(pk__in=undo.get("consents_created", [])).delete()
    for previous in undo.get("consents_changed", []):
        values = dict(previous)
        pk = values.pop("id")
        Consent.objects.filter(pk=pk).update(**_loaded(Consent, values))
    if undo.get("residence_created"):
        Residence.objects.filter(pk=undo["residence_created"]).delete()
    Person.objects.filter(pk=person_id).update(**_loaded(Person, undo["before"]))


__all__ = ["CHUNK", "FILE_ERRORS", "MAPPING_ERRORS", "REVIEW_THRESHOLD", "ROW_ERRORS",
           "TARGET_LABELS",
           "UPDATE_THRESHOLD", "Plan", "PlannedRow", "batch_mapping", "can_undo",
           "choose_sheet", "commit_batch", "plan_batch", "read_batch",
           "report_csv", "report_rows", "set_mapping", "sheets_of", "start_commit",
           "undo_import", "upload"]
