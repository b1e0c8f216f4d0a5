"""The import wizard end to end (issue 5): upload → mapping → preview → commit in the
background → report → undo, with every bad input of the acceptance list refused with a
message and nothing changed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import DomainError
from groundswell.core.models import AuditEvent
from groundswell.imports import services, storage
from groundswell.imports.models import ImportBatch, ImportRow, ImportTemplate
from groundswell.people import services as people
from groundswell.people.models import (
    Address,
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Household,
    Person,
    Residence,
    Tag,
)
from groundswell.people.services.merge import merge_people
from tests.conftest import login

pytestmark = pytest.mark.django_db

SPANISH = ["Nombre", "Apellido", "Teléfono", "Correo", "Dirección", "Apto", "Idioma",
           "Acepta mensajes de texto", "Etiquetas"]


def csv_bytes(rows, headers=SPANISH, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def organizer(personas):
    return personas.member("organizer")


def commit(actor, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.start_commit(actor, batch)
    batch.refresh_from_db()
    return batch


def run(actor, data, django_capture_on_commit_callbacks, *, name="list.csv", **options):
    batch = services.upload(actor, file_name=name, data=data)
    services.set_mapping(actor, batch, services.batch_mapping(batch), **options)
    return commit(actor, batch, django_capture_on_commit_callbacks)


PEOPLE_MODELS = (Person, ContactPoint, Residence, Household, Address, Consent, Tag,
                 DuplicateCandidate, Person.tags.through)


def snapshot(org) -> dict[str, list[dict]]:
    """Every row of the people tables of ``org``, every column."""
    with scopes_disabled():
        out = {}
        for model in PEOPLE_MODELS:
            manager: Model = model._base_manager
            qs = manager.all() if model is Person.tags.through else \
                manager.filter(organization=org)
            if model is Person.tags.through:
                qs = qs.filter(person__organization=org)
            out[model._meta.label] = sorted(
                ({f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
                 for row in qs), key=lambda r: r["id"])
        return out


# --- encodings --------------------------------------------------------------------------

ROW = ["José", "Rodríguez Peña", "(215) 555-0134", "jose@example.org", "2417 N Front St",
       "2", "español", "sí", "fiesta de cuadra"]


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("latin-1", "latin-1"),
    ("cp1252", "cp1252")])
def test_every_encoding_reads_accents(in_org, encoding, expected,
                                      django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    rows = [ROW]
    if encoding == "cp1252":
        rows = [[*ROW[:8], "“fiesta” de cuadra"]]  # curly quotes: 0x93 0x94 in cp1252
    batch = services.upload(actor, file_name="x.csv", data=csv_bytes(rows, encoding=encoding))
    assert batch.encoding == expected
    assert batch.headers[2] == "Teléfono" and batch.headers[4] == "Dirección"
    batch = commit(actor, batch, django_capture_on_commit_callbacks)
    person = Person.objects.get(family_name="Rodríguez Peña")
    assert person.given_name == "José" and person.language == "es"
    assert Tag.objects.filter(people=person).count() == 1


def test_semicolon_and_spanish_headers_are_mapped(in_org):
    actor = organizer(in_org)
    batch = services.upload(actor, file_name="x.csv",
                            data=csv_bytes([ROW], delimiter=";"))
    assert services.batch_mapping(batch) == {
        0: "given_name", 1: "family_name", 2: "phone", 3: "email", 4: "street", 5: "unit",
        6: "language", 7: "consent_sms", 8: "tags"}


# --- the whole path -----------------------------------------------------------------------


def test_import_creates_updates_reviews_and_reports(in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    existing = people.create_person(actor, given_name="Roberto", family_name="Díaz",
                                    phone="215-555-0100", street="100 W Somerset St")
    namesake = people.create_person(actor, given_name="Ana", family_name="Torres")
    rows = [
        ["Bob", "Diaz", "215 555 0100", "", "", "", "", "", ""],  # same phone: update
        ["Ana", "Torres", "", "", "", "", "", "", ""],  # same name only: review
        ["Luz", "Mejía", "215-555-0150", "", "2417 N Front St", "2", "es", "si", "vecinos"],
        ["Marco", "Mejía", "", "", "2417 N Front St", "2", "", "no", ""],  # same household
        ["Luz", "Mejía", "215-555-0150", "", "2417 N Front St", "2", "es", "si", "vecinos"],
        ["", "", "215-555-0199", "", "", "", "", "", ""],  # no name
    ]
    batch = run(actor, csv_bytes(rows), django_capture_on_commit_callbacks,
                tags=["sign-in sheet"], base=in_org.base, wording="Texts about meetings")
    assert batch.status == ImportBatch.Status.DONE
    assert batch.counts == {"created": 2, "updated": 1, "review": 1, "skipped": 1, "error": 1}
    existing.refresh_from_db()
    assert existing.contacts.count() == 1  # the same phone is not added twice
    assert set(existing.tags.values_list("name", flat=True)) == {"sign-in sheet"}
    luz = Person.objects.get(given_name="Luz")
    marco = Person.objects.get(given_name="Marco")
    assert people.current_residence(luz).household_id == \
        people.current_residence(marco).household_id
    consent = Consent.objects.get(person=luz)
    assert (consent.channel, consent.source, consent.wording) == ("sms", "import",
                                                                   "Texts about meetings")
    assert not Consent.objects.filter(person=marco).exists()
    assert luz.base == in_org.base
    review = ImportRow.objects.get(batch=batch, outcome="review")
    candidate = review.candidate
    assert {candidate.first_id, candidate.second_id} == {namesake.pk, review.person_id}
    assert candidate.status == "open" and candidate.reasons
    report = services.report_rows(batch)
    by_row = {r["number"]: r for r in report}
    assert by_row[6]["outcome"] == "skipped" and "row 4" in by_row[6]["messages"][0]
    assert by_row[7]["outcome"] == "error" and "No name" in by_row[7]["messages"][0]
    text = services.report_csv(actor, batch).decode("utf-8-sig")
    assert "215" not in text  # no cell values in the report
    with scopes_disabled():
        codes = list(AuditEvent.objects.filter(code__startswith="imports.batch")
                     .order_by("seq").values_list("code", flat=True))
    assert codes == ["imports.batch.uploaded", "imports.batch.started",
                     "imports.batch.committed"]


def test_undo_restores_the_exact_previous_state(in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    existing = people.create_person(actor, given_name="Roberto", family_name="Díaz",
                                    phone="215-555-0100", tags=["old"])
    people.record_consent(actor, existing, channel="sms", purpose="general", source="door",
                          wording="At the door")
    people.withdraw_consent(actor, existing, channel="sms")
    people.create_person(actor, given_name="Ana", family_name="Torres",
                         street="2417 N Front St", unit="1")
    before = snapshot(in_org.org)
    rows = [
        ["Roberto", "Díaz", "215-555-0100", "rd@example.org", "300 W Cumberland St", "",
         "es", "sí", "nuevo, old"],
        ["Ana", "Torres", "", "", "", "", "", "", ""],
        ["Luz", "Mejía", "215-555-0150", "", "2417 N Front St", "1", "es", "si", "vecinos"],
        ["Pia", "Lund", "", "", "5 E Oxford St", "", "", "", ""],
    ]
    batch = run(actor, csv_bytes(rows), django_capture_on_commit_callbacks,
                tags=["sign-in"], base=in_org.base)
    assert batch.counts["updated"] == 1 and batch.counts["review"] == 1
    assert snapshot(in_org.org) != before
    # Resolve the review item by merging: undo takes the merge back too.
    review = ImportRow.objects.get(batch=batch, outcome="review")
    candidate = review.candidate
    merge_people(actor, Person.objects.get(pk=candidate.first_id),
                 Person.objects.get(pk=candidate.second_id))
    services.undo_import(actor, batch)
    after = snapshot(in_org.org)
    _diff(before, after)
    assert after == before
    batch.refresh_from_db()
    assert batch.status == "undone"
    with pytest.raises(DomainError):
        services.undo_import(actor, batch)


def test_template_is_saved_and_reused(in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    headers = ["Col A", "Col B", "Cell"]
    data = csv_bytes([["Ana", "Torres", "215-555-0100"]], headers=headers)
    batch = services.upload(actor, file_name="a.csv", data=data)
    assert services.batch_mapping(batch) == {2: "phone"}
    services.set_mapping(actor, batch, {0: "given_name", 1: "family_name", 2: "phone"},
                         template_name="Form export")
    assert ImportTemplate.objects.get(name="Form export")
    again = services.upload(actor, file_name="b.csv", data=data)
    assert services.batch_mapping(again) == {0: "given_name", 1: "family_name", 2: "phone"}
    assert again.options["template"] == "Form export"


# --- bad input ------------------------------------------------------------------------------


def test_mixed_bad_rows_each_get_a_message(in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    rows = [
        ["Ana", "Torres", "555-12", "", "", "", "", "", ""],  # invalid phone
        ["", "", "", "x@example.org", "", "", "", "", ""],  # missing name
        ["Luz" * 3400, "Mejía", "", "", "", "", "", "", ""],  # a 10,200-character cell
        ['=HYPERLINK("http://evil.example","x")', "Pérez", "", "", "", "", "", "", ""],
        ["Rosa", "Vega", "", "not-an-email", "", "", "", "", ""],
        ["Rosa", "Vega", "", "", "", "", "klingon", "maybe", ""],
        ["Marta", "Ruiz", "", "", "", "", "", "", ""],
        ["marta", "ruiz ", "", "", "", "", "", "", ""],  # the same row again
    ]
    batch = services.upload(actor, file_name="bad.csv", data=csv_bytes(rows))
    plan = services.plan_batch(batch)
    errors = {step.row.number: [e.code for e in step.row.errors] for step in plan.rows}
    assert errors[2] == ["bad_phone"]
    assert errors[3] == ["missing_name"]
    assert errors[4] == ["too_long"]
    assert errors[5] == ["formula"]
    assert errors[6] == ["bad_email"]
    assert errors[7] == ["bad_language", "bad_yes"]
    assert [s.action for s in plan.rows][-2:] == ["created", "skipped"]
    messages = [services.row_message(e.code, e.column, e.length)
                for s in plan.rows for e in s.row.errors]
    assert "“Nombre” is too long (10,200 characters)." in messages
    batch = commit(actor, batch, django_capture_on_commit_callbacks)
    assert batch.counts == {"created": 1, "updated": 0, "review": 0, "skipped": 1,
                            "error": 6}
    assert list(Person.objects.values_list("given_name", flat=True)) == ["Marta"]


@pytest.mark.parametrize("data,message", [
    (b"", "The file is empty"),
    (b"   \n\n", "The file is empty"),
    (b"Nombre,Apellido\n", "nobody under it"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a spreadsheet"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
    (b"PK\x03\x04not really a zip", "not a spreadsheet"),
    (b"Nombre\n" + b"Ana\n" * 50_001, "too many rows"),
])
def test_unreadable_files_are_refused_and_nothing_is_stored(in_org, data, message):
    actor = organizer(in_org)
    with pytest.raises(DomainError, match=message):
        services.upload(actor, file_name="x.csv", data=data)
    assert not ImportBatch.objects.exists()


def test_xlsx_with_several_sheets(in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    data = xlsx_bytes({"Notas": [], "Inscritos": [["Nombre", "Apellido", "Año de nacimiento"],
                                                  ["Ana", "Torres", 1984],
                                                  ["Luz", "Mejía", "1990-05-02"]],
                       "Voluntarios": [["First name", "Last name"], ["Pat", "Kim"]]})
    batch = services.upload(actor, file_name="book.xlsx", data=data)
    assert (batch.kind, batch.sheet, batch.row_count) == ("xlsx", "Inscritos", 2)
    assert services.sheets_of(batch) == ["Notas", "Inscritos", "Voluntarios"]
    services.choose_sheet(actor, batch, "Voluntarios")
    assert batch.headers == ["First name", "Last name"]
    services.choose_sheet(actor, batch, "Inscritos")
    batch = commit(actor, batch, django_capture_on_commit_callbacks)
    assert sorted(Person.objects.values_list("birth_year", flat=True)) == [1984, 1990]
    with pytest.raises(DomainError, match="already been started"):
        services.choose_sheet(actor, batch, "Voluntarios")  # already imported


def test_mapping_without_a_name_or_with_repeats_is_refused(in_org):
    actor = organizer(in_org)
    batch = services.upload(actor, file_name="x.csv", data=csv_bytes([ROW]))
    for mapping in ({2: "phone"}, {0: "given_name", 1: "given_name"}, {0: "nope"},
                    {40: "given_name"}):
        with pytest.raises(DomainError):
            services.set_mapping(actor, batch, mapping)
    batch.refresh_from_db()
    assert services.batch_mapping(batch)[0] == "given_name"  # unchanged


def test_roles_that_may_not_import_are_refused(in_org):
    with pytest.raises(PermissionDenied):
        services.upload(in_org.member("dispatcher"), file_name="x.csv", data=csv_bytes([ROW]))


def test_uploads_are_stored_outside_the_web_root_and_removed_after(in_org,
                                                                    django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    batch = services.upload(actor, file_name="../../etc/passwd.csv", data=csv_bytes([ROW]))
    path = storage.upload_path(batch)
    assert Path(settings.MEDIA_ROOT).resolve() in path.parents
    assert batch.file_name == "passwd.csv"
    assert path.stat().st_mode & 0o077 == 0
    commit(actor, batch, django_capture_on_commit_callbacks)
    assert not path.exists()


# --- the screens ------------------------------------------------------------------------------


def test_wizard_screens(client, in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    login(client, actor)
    base = "/o/front-street/imports/"
    upload = SimpleUploadedFile("lista.csv", csv_bytes([ROW, ["", "", "", "x@example.org", "",
                                                              "", "", "", ""]]))
    response = client.post(base, {"file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(f"{base}{batch.pk}/mapping/")
    assert page.status_code == 200 and "Teléfono" in page.content.decode()
    form = {f"col_{i}": t for i, t in services.batch_mapping(batch).items()}
    form.update({"purpose": "events", "tags": "feria, 2025", "base": ""})
    assert client.post(f"{base}{batch.pk}/mapping/", form).status_code == 302
    preview = client.get(f"{base}{batch.pk}/preview/").content.decode()
    assert "No name" in preview and "Import 1 row" in preview
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{base}{batch.pk}/preview/").status_code == 302
    page = client.get(f"{base}{batch.pk}/").content.decode()
    assert "Undo this import" in page
    progress = client.get(f"{base}{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Redirect"].endswith(f"/imports/{batch.pk}/")
    report = client.get(f"{base}{batch.pk}/report.csv")
    assert report["Content-Disposition"].startswith("attachment")
    assert client.post(f"{base}{batch.pk}/undo/", {"confirmed": "1"}).status_code == 302
    assert not Person.objects.exists()


def test_upload_screen_bad_files(client, in_org):
    login(client, organizer(in_org))
    response = client.post("/o/front-street/imports/",
                           {"file": SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00")})
    assert response.status_code == 400
    assert "not a spreadsheet" in response.content.decode()
    response = client.post("/o/front-street/imports/", {})
    assert response.status_code == 400 and "Choose a file" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_mixed_encodings_are_reported_with_their_lines_and_nothing_is_stored(client, in_org):
    """Issue 15: invalid UTF-8 was imported silently as mojibake."""
    login(client, organizer(in_org))
    data = csv_bytes([ROW]) + "María,Ibáñez\n".encode("latin-1")
    response = client.post("/o/front-street/imports/",
                           {"file": SimpleUploadedFile("lista.csv", data)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "UTF-8 except for some lines" in text and "line 3 (byte " in text
    assert not ImportBatch.objects.exists()


def test_a_legacy_encoding_is_named_on_the_mapping_page(client, in_org):
    actor = organizer(in_org)
    login(client, actor)
    upload = SimpleUploadedFile("lista.csv", csv_bytes([ROW], encoding="latin-1"))
    assert client.post("/o/front-street/imports/", {"file": upload}).status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(f"/o/front-street/imports/{batch.pk}/mapping/").content.decode()
    assert "This file is not in UTF-8: it was read as Latin-1 (ISO-8859-1)" in page
    assert "José" in page


def test_a_zip_bomb_upload_is_refused_with_a_message(client, in_org):
    import zipfile

    login(client, organizer(in_org))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    response = client.post("/o/front-street/imports/",
                           {"file": SimpleUploadedFile("big.xlsx", buffer.getvalue())})
    assert response.status_code == 400
    assert "more than 100 MB once opened" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_bad_mapping_post_is_a_400(client, in_org):
    actor = organizer(in_org)
    login(client, actor)
    with scope(organization=in_org.org):
        batch = services.upload(actor, file_name="x.csv", data=csv_bytes([ROW]))
    response = client.post(f"/o/front-street/imports/{batch.pk}/mapping/",
                           {"col_2": "phone", "purpose": "general"})
    assert response.status_code == 400
    assert "Choose the column with the names" in response.content.decode()


def _diff(a, b):
    for label in a:
        for x, y in zip(a[label], b[label], strict=False):
            if x != y:
                print(label, {k: (x[k], y.get(k)) for k in x if x[k] != y.get(k)})
        if len(a[label]) != len(b[label]):
            print(label, len(a[label]), len(b[label]))
