"""Exports of a list of people to CSV or XLSX.

Permission-checked (``people.export``) and audited (``people.list.exported``: how many
people, which format, which columns — never who). Phone numbers are written in full
only for a role that may reveal them; everyone else gets the masked form the screens
show. Every cell that a spreadsheet could read as a formula (``= + - @``, a tab or a
carriage return at the start) gets an apostrophe in front, so a name typed as
``=HYPERLINK(...)`` at the door stays text. CSV is UTF-8 with a byte-order mark, so
Excel shows "José Rodríguez" and not "JosÃ© RodrÃ­guez".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import tablib
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import can, require
from groundswell.core.spreadsheets import SafeWriter, neutralize
from groundswell.people.models import ContactPoint, Person, Residence
from groundswell.people.normalize import format_phone, mask_phone
from groundswell.people.services.records import phone_region

# An export is built in memory (an XLSX file cannot be streamed); past this many people
# the organizer narrows the list with the filters instead.
EXPORT_LIMIT = 10_000

FORMATS: dict[str, tuple[Promise, str, str]] = {
    # code: (label, content type, file extension)
    "csv": (gettext_lazy("CSV (any spreadsheet)"), "text/csv; charset=utf-8", "csv"),
    "xlsx": (gettext_lazy("Excel (XLSX)"),
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}

# Cells a spreadsheet would evaluate: OWASP's CSV injection list.
@dataclass(frozen=True)
class _Row:
    """What one person's cells are made from, gathered once."""

    person: Person
    phone: ContactPoint | None
    email: ContactPoint | None
    residence: Residence | None


@dataclass(frozen=True)
class Column:
    label: Promise
    value: Callable[[_Row, bool], str]  # (row, full phones?) -> cell text
    needs: str = ""  # what to prefetch: "contacts", "residence", "tags"


def _address(attr: str) -> Callable[[_Row, bool], str]:
    def value(row: _Row, _full: bool) -> str:
        if row.residence is None:
            return ""
        household = row.residence.household
        return household.unit if attr == "unit" else getattr(household.address, attr)
    return value


def _phone(row: _Row, full: bool) -> str:
    if row.phone is None:
        return ""
    return format_phone(row.phone.value, phone_region()) if full else mask_phone(row.phone.value)


def _last_contact(row: _Row, _full: bool) -> str:
    when = row.person.last_contact_at
    return timezone.localdate(when).isoformat() if when else ""


def _stage(row: _Row, _full: bool) -> str:
    stage = row.person.current_stage
    return stage.name if stage else ""


COLUMNS: dict[str, Column] = {
    "given_name": Column(gettext_lazy("Given name"), lambda r, f: r.person.given_name),
    "family_name": Column(gettext_lazy("Family name"), lambda r, f: r.person.family_name),
    "preferred_name": Column(gettext_lazy("Preferred name"),
                             lambda r, f: r.person.preferred_name),
    "language": Column(gettext_lazy("Language"),
                       lambda r, f: str(r.person.get_language_display() or "")),
    "phone": Column(gettext_lazy("Phone"), _phone, "contacts"),
    "email": Column(gettext_lazy("Email"), lambda r, f: r.email.value if r.email else "",
                    "contacts"),
    "street": Column(gettext_lazy("Street address"), _address("street"), "residence"),
    "unit": Column(gettext_lazy("Unit"), _address("unit"), "residence"),
    "city": Column(gettext_lazy("City"), _address("city"), "residence"),
    "postal_code": Column(gettext_lazy("ZIP code"), _address("postal_code"), "residence"),
    "base": Column(gettext_lazy("Base"), lambda r, f: r.person.base.name if r.person.base
                   else ""),
    "stage": Column(gettext_lazy("Engagement stage"), _stage),
    "tags": Column(gettext_lazy("Tags"),
                   lambda r, f: ", ".join(sorted(t.name for t in r.person.tags.all())), "tags"),
    "last_contact": Column(gettext_lazy("Last contact"), _last_contact),
}

DEFAULT_COLUMNS = ("given_name", "family_name", "language", "stage", "last_contact")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str  # no personal data: the organization's slug and the date
    count: int


def phones_in_full(actor: Membership) -> bool:
    """Whether this member's exports carry whole phone numbers (else masked)."""
    return can(actor, "people.reveal_phone")


def _check(fmt: str, columns: Sequence[str]) -> list[str]:
    if fmt not in FORMATS:
        raise InvalidInput("format", _("Choose CSV or Excel."))
    chosen = list(dict.fromkeys(columns))  # keep the order, drop repeats
    if not chosen:
        raise InvalidInput("columns", _("Choose at least one column."))
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        raise InvalidInput("columns", _("Choose columns from the list."))
    return chosen


def _people(actor: Membership, queryset: QuerySet[Person], columns: list[str]
            ) -> QuerySet[Person]:
    """The list as given (its order kept), cut down to the people this member may see,
    with only what the chosen columns need loaded."""
    visible = Person.objects.visible_to(actor).filter(organization=actor.organization)
    qs = queryset.filter(pk__in=visible.values("pk")).select_related(
        "base", "stage", "computed_stage")
    needs = {COLUMNS[c].needs for c in columns}
    if "contacts" in needs:
        kinds = [k for k in ("phone", "email") if k in columns]
        qs = qs.prefetch_related(Prefetch(
            "contacts", to_attr="export_contacts",
            queryset=ContactPoint.objects.filter(kind__in=kinds).order_by("-is_primary", "pk")))
    if "residence" in needs:
        qs = qs.prefetch_related(Prefetch(
            "residences", to_attr="export_residences",
            queryset=Residence.objects.filter(ended_on__isnull=True).select_related(
                "household__address")))
    if "tags" in needs:
        qs = qs.prefetch_related("tags")
    return qs


def _row(person: Person) -> _Row:
    contacts = getattr(person, "export_contacts", [])
    residences = getattr(person, "export_residences", [])
    return _Row(
        person,
        phone=next((c for c in contacts if c.kind == ContactPoint.Kind.PHONE), None),
        email=next((c for c in contacts if c.kind == ContactPoint.Kind.EMAIL), None),
        residence=residences[0] if residences else None,
    )


def export_people(actor: Membership, people_queryset: QuerySet[Person], fmt: str,
                  columns: Sequence[str]) -> ExportFile:
    """The people of ``people_queryset`` that ``actor`` may see, as a CSV or XLSX file
    with the chosen ``columns`` (keys of COLUMNS), in the list's order. Raises
    PermissionDenied, InvalidInput (format, columns) or DomainError (an empty list, or
    one over EXPORT_LIMIT); then nothing is exported and nothing audited."""
    require(actor, "people.export")
    chosen = _check(fmt, columns)
    qs = _people(actor, people_queryset, chosen)
    count = qs.count()
    if count == 0:
        raise DomainError(_("Nobody is on this list, so there is nothing to export."))
    if count > EXPORT_LIMIT:
        raise DomainError(
            _("This list has %(count)s people; an export holds at most %(limit)s. Narrow "
              "it with the filters and export it in parts.")
            % {"count": number_format(count, force_grouping=True),
               "limit": number_format(EXPORT_LIMIT, force_grouping=True)})
    full = phones_in_full(actor)
    dataset = tablib.Dataset(headers=[neutralize(capfirst(str(COLUMNS[c].label)))
                                      for c in chosen],
                             title=str(_("People"))[:31])
    for person in qs:
        row = _row(person)
        dataset.append([neutralize(str(COLUMNS[c].value(row, full) or "")) for c in chosen])
    if fmt == "csv":
        content = dataset.export("csv").encode("utf-8-sig")
    else:
        content = dataset.export("xlsx")
    _label, content_type, extension = FORMATS[fmt]
    org = actor.organization
    filename = f"people-{org.slug}-{timezone.localdate().isoformat()}.{extension}"
    with transaction.atomic():
        audit.record("people.list.exported", by=actor,
                     data={"count": count, "format": fmt, "columns": chosen,
                           "phones": "full" if full and "phone" in chosen else
                           ("masked" if "phone" in chosen else "none")})
    return ExportFile(content, content_type, filename, count)


#: A background export (imports.exports) writes rows to a file as it reads them, so it
#: may hold many more people than one made in memory.
BACKGROUND_LIMIT = 200_000


def write_people_export(actor: Membership, people_queryset: QuerySet[Person], fmt: str,
                        columns: Sequence[str], out: BinaryIO) -> int:
    """Write the people of ``people_queryset`` that ``actor`` may see to ``out`` (CSV or
    XLSX, the same cells as export_people, formula-safe), reading them in chunks. Returns
    how many people were written; raises like export_people, with BACKGROUND_LIMIT as
    the cap. Audited by the caller (the export job knows who asked and when)."""
    require(actor, "people.export")
    chosen = _check(fmt, columns)
    qs = _people(actor, people_queryset, chosen)
    count = qs.count()
    if count == 0:
        raise DomainError(_("Nobody is on this list, so there is nothing to export."))
    if count > BACKGROUND_LIMIT:
        raise DomainError(
            _("This list has %(count)s people; an export holds at most %(limit)s. Narrow "
              "it with the filters and export it in parts.")
            % {"count": number_format(count, force_grouping=True),
               "limit": number_format(BACKGROUND_LIMIT, force_grouping=True)})
    full = phones_in_full(actor)
    headers = [neutralize(capfirst(str(COLUMNS[c].label))) for c in chosen]

    def rows() -> Iterator[list[str]]:
        for person in qs.iterator(chunk_size=2000):
            row = _row(person)
            yield [neutralize(str(COLUMNS[c].value(row, full) or "")) for c in chosen]

    written = 0
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = SafeWriter(text)
        writer.writerow(headers)
        for cells in rows():
            writer.writerow(cells)
            written += 1
        text.flush()
        text.detach()  # the caller closes ``out`` (an encrypted file seals on close)
    else:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(str(_("People"))[:31])
        sheet.append(headers)
        for cells in rows():
            sheet.append(cells)
            written += 1
        book.save(out)
    return written


def column_choices() -> list[tuple[str, Any]]:
    return [(key, capfirst(column.label)) for key, column in COLUMNS.items()]


def format_choices() -> list[tuple[str, Any]]:
    return [(key, label) for key, (label, _type, _ext) in FORMATS.items()]


__all__ = ["BACKGROUND_LIMIT", "COLUMNS", "DEFAULT_COLUMNS", "EXPORT_LIMIT", "FORMATS",
           "ExportFile",
           "column_choices", "export_people", "format_choices", "neutralize",
           "phones_in_full", "write_people_export"]
