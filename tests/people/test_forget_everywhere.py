"""Forgetting a person reaches every area: one family (a mother and her child) gets a
distinctive token in every field of every area they can appear in (their names, door
notes and answers, the child's details and contacts, texts both ways, a rapid-response
report and reply, RSVPs and shifts, an import's rows and an upload and an export still
on disk); both are forgotten; then the whole database is read raw (every column of every
table, decrypting nothing, as a stolen backup would be) and so is every file under the
var folder: neither the token nor their phone numbers nor email appear anywhere.

A second pass decrypts every encrypted column: what is sealed was erased too, not only
hidden from a raw reader."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.canvass import services as canvass
from groundswell.core.crypto import encrypted_fields
from groundswell.events import services as events
from groundswell.imports import exports, storage
from groundswell.imports import services as imports
from groundswell.imports.models import ExportJob, ImportBatch
from groundswell.messaging import services as messaging
from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.testing import OUR_NUMBER, sms_gateway  # noqa: F401
from groundswell.people import services as people
from groundswell.people.models import Person
from groundswell.programs import services as programs
from groundswell.rapidresponse import services as rapid
from groundswell.rapidresponse.models import Subscriber, VerificationRequest
from tests.canvass.helpers import walk_list
from tests.core.test_encryption_at_rest import dump_database
from tests.events.helpers import make_event

pytestmark = pytest.mark.django_db(transaction=False)

TOKEN = "Zyxwq7"
PHONE = "+12155550177"
CHILD_PHONE = "+12155550178"  # the child's authorized pickup (an aunt)
EMAIL = "zyxwq7.rosa@example.org"
# Every form a leaked phone number could take in a dump or a file.
NEEDLES = [TOKEN.lower(), "2155550177", "555-0177", "5550177", "2155550178", "5550178",
           EMAIL, EMAIL.split("@")[0]]


def hits(text: str) -> list[str]:
    text = text.lower()
    return [needle for needle in NEEDLES if needle in text]


def files_with_hits(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found_here = hits(data.decode("utf-8", "replace") + data.decode("latin-1"))
            if found_here:
                found[str(path.relative_to(root))] = found_here
    return found


def decrypted_values() -> str:
    """Every encrypted column's plaintext, read through the models."""
    parts = []
    with scopes_disabled():
        for model, field in encrypted_fields():
            parts += [str(v) for v in model._base_manager.values_list(field.name, flat=True)]
    return "\n".join(parts)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def var(settings, tmp_path):
    """The var folder of this test alone (uploads, exports, development mail and texts)."""
    root = tmp_path / "var"
    (root / "uploads").mkdir(parents=True)
    settings.VAR_DIR = root
    settings.MEDIA_ROOT = root / "uploads"
    settings.EMAIL_FILE_PATH = root / "mail"
    return root


@pytest.fixture
def family(personas, var, sms_gateway, django_capture_on_commit_callbacks):  # noqa: F811
    org = personas.org
    admin, organizer = personas.member("admin"), personas.member("organizer")
    canvasser = personas.member("canvasser")
    with scope(organization=org):
        # --- canvass: she is a resident of a walk list; a door visit with notes and
        # answers; her son is added at the door.
        wl, residents, q = walk_list(admin, [canvasser], count=2)
        rosa = residents[0]
        rosa = people.update_person(
            admin, rosa, given_name=f"Rosa{TOKEN}", family_name=f"{TOKEN}villa",
            preferred_name=f"Ro{TOKEN}", pronouns="she/her", language="es",
            birth_year=1984)
        people.add_contact(admin, rosa, kind="phone", value=PHONE)
        people.add_contact(admin, rosa, kind="email", value=EMAIL)
        people.record_grievance(admin, rosa, category="rent", text=f"{TOKEN} rent doubled")
        people.record_interaction(admin, rosa, kind="note", summary=f"{TOKEN} works nights")
        people.rate_engagement(admin, rosa, level=3, reason=f"{TOKEN} brought her block")
        household = people.current_residence(rosa).household_id
        results = canvass.sync_visits(canvasser, {"visits": [
            {"id": str(uuid.uuid4()), "walk_list": wl.pk, "household": household,
             "person": rosa.pk, "outcome": "talked", "language": "es",
             "occurred_at": timezone.now().isoformat(), "notes": f"{TOKEN} door notes",
             "answers": {str(q["consent"].pk): "yes", str(q["party"].pk): "yes",
                         str(q["issue"].pk): f"{TOKEN} says the landlord lies",
                         str(q["level"].pk): "4"}},
            {"id": str(uuid.uuid4()), "walk_list": wl.pk, "household": household,
             "outcome": "talked", "occurred_at": timezone.now().isoformat(),
             "notes": f"{TOKEN} son at the door",
             "new_person": {"given_name": f"Nino{TOKEN}", "family_name": f"{TOKEN}villa",
                            "phone": "", "language": "es"}},
        ]})
        assert [r.status for r in results] == ["saved", "saved"], results
        child = Person.objects.get(given_name=f"Nino{TOKEN}")

        # --- programs: the son enrolled with allergies and notes, contacts, roll call.
        staff = personas.member("program_staff")
        program = programs.save_program(admin, name="After school", staff=[staff])
        enrollment = programs.enroll_child(
            staff, program, guardian=rosa, child=child, allergies=f"{TOKEN} peanuts",
            medical_notes=f"{TOKEN} inhaler")
        programs.add_child_contact(staff, enrollment, kind="pickup", name=f"Tia {TOKEN}",
                                   relation=f"{TOKEN} aunt", phone=CHILD_PHONE)
        session = programs.create_session(staff, program, starts_at=timezone.now())
        programs.mark_attendance(staff, session, enrollment, status="present")
        programs.record_pickup(staff, session, enrollment, pickup=f"g{rosa.pk}")

        # --- events: an RSVP, attendance, a shift and a follow-up.
        event = make_event(admin)
        events.record_rsvp(admin, event, rosa, guests=2)
        past = make_event(admin, days=-1)
        events.record_attendance(admin, past, rosa)
        shift = events.add_shift(admin, event, role="setup", starts_at=event.starts_at,
                                 ends_at=event.ends_at)
        events.sign_up_for_shift(admin, shift, rosa)
        events.assign_follow_ups(admin, past, [(rosa, "new_person")], organizer)

        # --- messaging: a text to her, a reply from her, an email to her.
        messaging.enqueue_sms(admin, person=rosa, purpose="general", cause_key="hello",
                              body=f"Hola {TOKEN}, see you Saturday")
        receive_sms(org, from_number=PHONE, to_number="+12155550199",
                    body=f"{TOKEN} yes I will come", provider_sid="SM-rosa-1")
        messaging.enqueue_email(admin, person=rosa, purpose="general", cause_key="mail",
                                subject="Saturday", body=f"Dear {TOKEN}")

        # --- rapid response: she joins as a responder, reports a sighting by text,
        # and is asked to verify another one and replies.
        network = rapid.save_network(admin, name="Front St", hotline_number=OUR_NUMBER,
                                     center_lat=39.983, center_lon=-75.133)
        rapid.sync_subscribers(admin, network)
        subscriber = Subscriber.objects.get(person=rosa)
        rapid.update_subscriber(admin, subscriber, role="legal_observer", language="es",
                                drills=True, available=True, radius_m=900)
        receive_sms(org, from_number=PHONE, to_number=OUR_NUMBER,
                    body=f"{TOKEN} agents at the corner", provider_sid="SM-rosa-2")
        other = rapid.create_report(personas.member("dispatcher"), network,
                                    what="Two vans", where="Front and Cumberland")
        rapid.set_report_location(personas.member("dispatcher"), other,
                                  latitude="39.983", longitude="-75.133")
        requests = rapid.request_verification(personas.member("dispatcher"), other)
        assert [r.subscriber_id for r in requests] == [subscriber.pk]
        rapid.record_reply(org, VerificationRequest.objects.get(subscriber=subscriber), "1")

        # --- imports: a committed import that updated her (its undo holds her previous
        # values), an upload not imported yet, and an export not downloaded yet.
        header = ["First name", "Last name", "Phone", "Email"]
        data = csv_bytes([header, [f"Rosa{TOKEN}", f"{TOKEN}villa", PHONE,
                                   "second.zyxwq7@example.org"]])
        batch = imports.upload(organizer, file_name="list.csv", data=data)
        imports.set_mapping(organizer, batch, imports.batch_mapping(batch))
        with django_capture_on_commit_callbacks(execute=True):
            imports.start_commit(organizer, batch)
        batch.refresh_from_db()
        assert batch.status == "done" and batch.rows.get().person_id == rosa.pk, batch.counts
        waiting = imports.upload(organizer, file_name="next.csv", data=data)
        with django_capture_on_commit_callbacks(execute=True):
            job = exports.request_export(organizer, fmt="csv",
                                         columns=["given_name", "family_name", "phone",
                                                  "email"])
        job.refresh_from_db()
        assert job.status == "ready"
        assert storage.upload_path(waiting).exists()
    return rosa, child


def test_the_family_is_everywhere_before_it_is_forgotten(family, var, personas):
    """The check below is not vacuous: before forgetting, the token, the phones and the
    email are in the raw dump (plaintext names and search text), in the var folder (the
    upload and the export) and in the sealed values."""
    assert TOKEN.lower() in hits(dump_database())
    # The upload and the export on disk hold them (sealed: read through the keyring).
    with scopes_disabled():
        waiting = ImportBatch.objects.get(status=ImportBatch.Status.UPLOADED)
        job = ExportJob.objects.get(status=ExportJob.Status.READY)
        assert TOKEN.lower() in hits(storage.read_upload(waiting).decode())
        assert TOKEN.lower() in hits(storage.read_export(job).decode("utf-8-sig"))
        files = {storage.upload_path(waiting), storage.export_path(job)}
    assert all(path.exists() for path in files)
    assert set(hits(decrypted_values())) >= {TOKEN.lower(), "2155550177", "2155550178",
                                             EMAIL}


def test_forgetting_them_leaves_nothing_in_the_database_or_var(family, var, personas):
    rosa, child = family
    admin = personas.member("admin")
    with scope(organization=personas.org):
        people.forget_person(admin, rosa)
        people.forget_person(admin, Person.objects.get(pk=child.pk))
    dump = dump_database()
    assert hits(dump) == [], [line for line in dump.splitlines() if hits(line)][:20]
    assert files_with_hits(var) == {}
    # The files that held them are gone, and their import and export say why.
    with scopes_disabled():
        assert not [p for p in var.rglob("*") if p.is_file() and "uploads" in p.parts]
        assert ImportBatch.objects.get(file_name="next.csv").status == "expired"
        job = ExportJob.objects.get()
        assert job.status == "expired" and "forgotten" in job.error
    assert hits(decrypted_values()) == []
    # What stays is anonymous and still counts.
    with scopes_disabled():
        from groundswell.canvass.models import DoorVisit
        from groundswell.events.models import Attendance
        from groundswell.programs.models import Enrollment
        from groundswell.rapidresponse.models import Incident

        assert DoorVisit.objects.filter(person=rosa).count() == 1
        assert Attendance.objects.filter(person=rosa).count() == 1
        assert Enrollment.objects.filter(child=child).count() == 1
        assert Incident.objects.count() == 2
    # Both forgettings are in the audit log with counts from every area.
    with scopes_disabled():
        from groundswell.core.models import AuditEvent

        erased = [e.data["erased"] for e in
                  AuditEvent.objects.filter(code="people.person.forgotten").order_by("seq")]
    assert {key.split(".")[0] for key in erased[0]} >= {
        "canvass", "programs", "events", "messaging", "rapidresponse", "imports"}
    assert json.dumps(erased).lower().count(TOKEN.lower()) == 0


def test_a_forgotten_persons_words_are_gone_from_the_search_index_segments(family, personas):
    """SQLite's full-text index keeps a removed word in its segments until they are
    merged: the forgetting queues the merge (run at once in tests)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's full-text tables only")
    def segments() -> bytes:
        with connection.cursor() as cursor:
            cursor.execute("SELECT block FROM people_person_words_data")
            return b"".join(bytes(row[0]) for row in cursor.fetchall() if row[0])

    assert TOKEN.lower().encode() in segments()
    with scope(organization=personas.org):
        for person in family:
            people.forget_person(personas.member("admin"), Person.objects.get(pk=person.pk))
    assert TOKEN.lower().encode() not in segments()
