from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.events import services
from groundswell.events.models import RSVP, Attendance, Event, FollowUp, ShiftSignup
from groundswell.people import services as people
from groundswell.people.models import (
    Consent,
    DuplicateCandidate,
    Interaction,
    Person,
    SavedList,
)
from groundswell.people.services.residents import ConsentGiven
from tests.events.helpers import make_event, resident

pytestmark = pytest.mark.django_db


def org_member(in_org, role="organizer"):
    return in_org.member(role)


def codes(code):
    with scopes_disabled():
        return AuditEvent.objects.filter(code=code).count()


# --- events ----------------------------------------------------------------------------------


def test_create_event_is_audited_and_bilingual(in_org):
    event = make_event(org_member(in_org), capacity=40, latitude=39.99, longitude=-75.13)
    assert event.title_in("es") == "Fiesta de cuadra" and event.title_in("en") == "Block party"
    assert str(event.latitude) == "39.990000"
    assert codes("events.event.created") == 1


@pytest.mark.parametrize("fields, field", [
    ({"title_en": "", "title_es": ""}, "title_en"),
    ({"kind": "rave"}, "kind"),
    ({"capacity": 0}, "capacity"),
    ({"latitude": 95, "longitude": 0}, "latitude"),
    ({"latitude": 39.9}, "latitude"),
])
def test_create_event_refuses_bad_input_and_saves_nothing(in_org, fields, field):
    with pytest.raises(InvalidInput) as error:
        make_event(org_member(in_org), **fields)
    assert error.value.field == field
    assert not Event.objects.exists() and codes("events.event.created") == 0


def test_event_that_ends_before_it_starts_is_refused(in_org):
    with pytest.raises(InvalidInput) as error:
        make_event(org_member(in_org), hours=-1)
    assert error.value.field == "ends_at"


def test_materials_are_checked_by_content_not_name(in_org):
    fake = SimpleUploadedFile("flyer.pdf", b"<html>not a pdf</html>")
    with pytest.raises(InvalidInput):
        make_event(org_member(in_org), materials=fake)
    pdf = SimpleUploadedFile("flyer.pdf", b"%PDF-1.4 a pamphlet")
    event = make_event(org_member(in_org), materials=pdf)
    assert event.materials.name.endswith(".pdf")
    event.materials.delete(save=False)


def test_roles_without_manage_cannot_create_events(in_org):
    for role in ("canvasser", "dispatcher", "program_staff"):
        with pytest.raises(PermissionDenied):
            make_event(org_member(in_org, role))


def test_cancel_closes_rsvps(in_org):
    event = services.cancel_event(org_member(in_org), make_event(org_member(in_org)))
    assert event.cancelled_at and not event.rsvp_open
    with pytest.raises(DomainError):
        services.cancel_event(org_member(in_org), event)


# --- shifts ----------------------------------------------------------------------------------


def test_shift_sign_up_full_and_twice(in_org):
    actor = org_member(in_org)
    event = make_event(actor)
    shift = services.add_shift(actor, event, role="cookout", starts_at=event.starts_at,
                               ends_at=event.starts_at + timedelta(hours=2), slots=1)
    ana = people.create_person(actor, given_name="Ana")
    luis = people.create_person(actor, given_name="Luis")
    services.sign_up_for_shift(in_org.member("program_staff"), shift, ana)
    with pytest.raises(InvalidInput, match="already"):
        shift.slots = 2
        shift.save()
        services.sign_up_for_shift(actor, shift, ana)
    shift.slots = 1
    shift.save()
    with pytest.raises(InvalidInput, match="full"):
        services.sign_up_for_shift(actor, shift, luis)
    assert ShiftSignup.objects.count() == 1


def test_shift_times_and_roles_are_checked(in_org):
    actor = org_member(in_org)
    event = make_event(actor)
    with pytest.raises(InvalidInput):
        services.add_shift(actor, event, role="cookout", starts_at=event.starts_at,
                           ends_at=event.starts_at)
    with pytest.raises(InvalidInput):
        services.add_shift(actor, event, role="dj", starts_at=event.starts_at,
                           ends_at=event.ends_at)
    with pytest.raises(InvalidInput):
        services.add_shift(actor, event, role="music", starts_at=event.starts_at,
                           ends_at=event.ends_at, slots=0)


# --- RSVPs -----------------------------------------------------------------------------------


def test_rsvp_adds_a_new_person_with_consent_wording(in_org):
    event = make_event(org_member(in_org))
    wording = "Sí, envíenme mensajes de texto sobre eventos."
    rsvp = services.public_rsvp(event, resident(language="es"), guests=2, consents=[
        ConsentGiven("sms", "events", wording)])
    assert rsvp.new_person and rsvp.party_size == 3
    person = rsvp.person
    assert person.created_by is None and person.language == "es"
    consent = Consent.objects.get(person=person)
    assert (consent.channel, consent.purpose, consent.source, consent.wording) == (
        "sms", "events", "web", wording)
    assert codes("events.rsvp.created") == 1
    assert services.spots_taken(event) == 3


def test_rsvp_matches_an_existing_person_by_phone_and_name(in_org):
    existing = people.create_person(org_member(in_org), given_name="Rosa",
                                    family_name="Martinez", phone="(215) 555-0142")
    rsvp = services.public_rsvp(make_event(org_member(in_org)),
                                resident(given_name="rosa", family_name="Martínez"))
    assert rsvp.person == existing and not rsvp.new_person
    assert Person.objects.count() == 1


def test_same_name_without_phone_goes_to_the_review_queue(in_org):
    existing = people.create_person(org_member(in_org), given_name="Rosa",
                                    family_name="Martínez", street="2417 N Front St")
    rsvp = services.public_rsvp(make_event(org_member(in_org)),
                                resident(phone="", email="rosa@example.org",
                                         street="2417 N Front St"))
    assert rsvp.person != existing and rsvp.new_person
    pair = DuplicateCandidate.objects.get()
    assert {pair.first_id, pair.second_id} == {existing.pk, rsvp.person.pk}
    assert pair.status == "open"


def test_same_phone_different_given_name_is_not_taken_as_the_same(in_org):
    # Household members share a landline: a phone alone is not the person.
    mother = people.create_person(org_member(in_org), given_name="Carmen",
                                  family_name="Martínez", phone="215-555-0142")
    rsvp = services.public_rsvp(make_event(org_member(in_org)), resident())
    assert rsvp.person != mother


def test_rsvp_over_capacity_is_refused_and_saves_nothing(in_org):
    event = make_event(org_member(in_org), capacity=3)
    services.public_rsvp(event, resident(), guests=1)
    before = Person.objects.count()
    with pytest.raises(InvalidInput, match="only 1 places"):
        services.public_rsvp(event, resident(given_name="Luis", phone="215-555-0199"),
                             guests=1)
    services.public_rsvp(event, resident(given_name="Luis", phone="215-555-0199"))
    with pytest.raises(InvalidInput, match="full"):
        services.public_rsvp(event, resident(given_name="Eva", phone="215-555-0177"))
    assert Person.objects.count() == before + 1
    assert RSVP.objects.count() == 2


def test_duplicate_rsvp_is_refused(in_org):
    event = make_event(org_member(in_org))
    services.public_rsvp(event, resident())
    with pytest.raises(DomainError, match="already"):
        services.public_rsvp(event, resident(), guests=1)
    assert RSVP.objects.get().guests == 0 and Person.objects.count() == 1


@pytest.mark.parametrize("fields, guests", [
    ({"given_name": ""}, 0),
    ({"phone": "", "email": ""}, 0),
    ({"phone": "12"}, 0),
    ({}, -1),
    ({}, 99),
])
def test_bad_rsvps_save_nothing(in_org, fields, guests):
    event = make_event(org_member(in_org))
    with pytest.raises(InvalidInput):
        services.public_rsvp(event, resident(**fields), guests=guests)
    assert not Person.objects.exists() and not RSVP.objects.exists()


def test_rsvp_to_a_past_or_closed_event_is_refused(in_org):
    past = make_event(org_member(in_org), days=-3)
    with pytest.raises(DomainError, match="closed"):
        services.public_rsvp(past, resident())
    closed = make_event(org_member(in_org), rsvp_open=False)
    with pytest.raises(DomainError, match="closed"):
        services.public_rsvp(closed, resident())
    assert not Person.objects.exists()


def test_sms_consent_needs_a_phone(in_org):
    event = make_event(org_member(in_org))
    with pytest.raises(InvalidInput):
        services.public_rsvp(event, resident(phone="", email="a@example.org"),
                             consents=[ConsentGiven("sms", "events", "x")])
    assert not Person.objects.exists()


# --- attendance and the kiosk -----------------------------------------------------------------


def test_attendance_is_once_per_person_and_on_the_timeline(in_org):
    actor = in_org.member("program_staff")
    event = make_event(org_member(in_org), days=0, hours=2)
    ana = people.create_person(org_member(in_org), given_name="Ana")
    first = services.record_attendance(actor, event, ana, source="programs")
    again = services.record_attendance(actor, event, ana)
    assert first == again and Attendance.objects.count() == 1
    entry = Interaction.objects.get(person=ana)
    assert entry.kind == "attendance" and entry.source_type == "events.attendance"
    assert entry.source_id == str(first.pk)
    assert codes("events.attendance.recorded") == 1
    ana.refresh_from_db()
    assert ana.last_contact_at is not None


def test_canvasser_and_dispatcher_cannot_sign_people_in(in_org):
    event = make_event(org_member(in_org), days=0)
    ana = people.create_person(org_member(in_org), given_name="Ana")
    for role in ("canvasser", "dispatcher"):
        with pytest.raises(PermissionDenied):
            services.record_attendance(in_org.member(role), event, ana)


def test_kiosk_pin_is_hashed_and_locks_after_wrong_tries(in_org):
    from django.core.cache import cache
    cache.clear()
    staff = in_org.member("program_staff")
    event = make_event(org_member(in_org), days=0)
    with pytest.raises(InvalidInput):
        services.start_kiosk(staff, event, "12a4")
    kiosk = services.start_kiosk(staff, event, "2468")
    # Stored as a salted hash (the digits may turn up inside its hex by chance).
    from django.contrib.auth.hashers import check_password, identify_hasher

    assert identify_hasher(kiosk.pin_hash) and kiosk.pin_hash.count("$") >= 2
    assert check_password("2468", kiosk.pin_hash) and not check_password("1111", kiosk.pin_hash)
    for _ in range(services.PIN_ATTEMPTS):
        with pytest.raises(InvalidInput, match="not the PIN"):
            services.end_kiosk(staff, kiosk, "1111")
    with pytest.raises(InvalidInput, match="Too many"):
        services.end_kiosk(staff, kiosk, "2468")
    cache.clear()
    services.end_kiosk(staff, kiosk, "2468")
    kiosk.refresh_from_db()
    assert kiosk.ended_at is not None
    assert codes("events.kiosk.pin_failed") == services.PIN_ATTEMPTS


def test_kiosk_quick_add_signs_in_the_existing_person_when_certain(in_org):
    staff = in_org.member("program_staff")
    existing = people.create_person(org_member(in_org), given_name="Rosa",
                                    family_name="Martínez", phone="215-555-0142")
    kiosk = services.start_kiosk(staff, make_event(org_member(in_org), days=0), "2468")
    attendance, created = services.kiosk_quick_add(staff, kiosk, resident())
    assert attendance.person == existing and not created and not attendance.new_person


def test_kiosk_quick_add_creates_with_household_and_consent(in_org):
    staff = in_org.member("program_staff")
    kiosk = services.start_kiosk(staff, make_event(org_member(in_org), days=0), "2468")
    attendance, created = services.kiosk_quick_add(
        staff, kiosk, resident(street="2417 N Front St", unit="2", language="es"),
        consents=[ConsentGiven("sms", "rapid_response", "Sí, alertas.")])
    person = attendance.person
    assert created and attendance.new_person and attendance.source == "kiosk"
    assert people.current_residence(person).household.unit
    assert Consent.objects.get(person=person).source == "event"


def test_kiosk_quick_add_bad_phone_saves_nothing(in_org):
    staff = in_org.member("program_staff")
    kiosk = services.start_kiosk(staff, make_event(org_member(in_org), days=0), "2468")
    with pytest.raises(InvalidInput):
        services.kiosk_quick_add(staff, kiosk, resident(phone="555"))
    assert not Person.objects.exists() and not Attendance.objects.exists()


# --- follow-up and reports ---------------------------------------------------------------------


def test_follow_up_lists_assignment_and_call_list(in_org):
    from groundswell.events import followups

    organizer = org_member(in_org)
    event = make_event(organizer, days=-10, hours=3)
    staff = in_org.member("program_staff")
    known = people.create_person(organizer, given_name="Known", family_name="Person")
    services.record_attendance(staff, event, known, at=event.starts_at)
    kiosk = services.start_kiosk(staff, event, "2468")
    new_attendance, _ = services.kiosk_quick_add(staff, kiosk, resident())
    new = new_attendance.person
    people.record_interaction(organizer, known, kind="call",
                              occurred_at=event.starts_at + timedelta(days=2))
    people.record_grievance(organizer, new, category="rent")

    def names(which, days=7):
        return [p.given_name for p in followups.follow_up_list(event, organizer, which, days)]

    assert names("not_contacted") == ["Rosa"]
    assert sorted(names("not_contacted", days=1)) == ["Known", "Rosa"]
    assert names("new_person") == ["Rosa"]
    assert names("grievance") == ["Rosa"]

    services.assign_follow_ups(organizer, event, [(new, "new_person")], organizer)
    assert FollowUp.objects.get().assigned_to == organizer
    outsider = people.create_person(organizer, given_name="Not", family_name="There")
    with pytest.raises(InvalidInput):
        services.assign_follow_ups(organizer, event, [(outsider, "new_person")], organizer)
    with pytest.raises(InvalidInput):
        services.assign_follow_ups(organizer, event, [(new, "new_person")],
                                   in_org.member("canvasser"))
    saved = services.save_call_list(organizer, event, [new, known], name="Call after party")
    assert saved.filters == {"tag": str(new.tags.get().pk)}
    assert SavedList.objects.count() == 1 and known.tags.count() == 1
    follow_up = services.complete_follow_up(organizer, FollowUp.objects.get())
    assert follow_up.done_at is not None


def test_report_figures(in_org):
    from groundswell.events import reports

    organizer = org_member(in_org)
    staff = in_org.member("program_staff")
    party = make_event(organizer, days=-30)
    hearing = make_event(organizer, days=-5, kind="hearing", title_en="Zoning hearing")
    a = people.create_person(organizer, given_name="Ana", street="2417 N Front St")
    b = people.create_person(organizer, given_name="Bea", street="2417 N Front St")
    c = people.create_person(organizer, given_name="Cy", street="2500 N Front St")
    for person in (a, b, c):
        services.record_attendance(staff, party, person, at=party.starts_at)
    services.record_attendance(staff, hearing, a, at=hearing.starts_at)
    people.record_interaction(organizer, b, kind="door_visit",
                              occurred_at=timezone.now() - timedelta(days=2))
    people.record_consent(organizer, c, channel="sms", purpose="rapid_response",
                          source="event")
    figures = reports.figures(party)
    assert (figures.reached, figures.households, figures.later_visited, figures.later_action,
            figures.joined_rapid_response) == (3, 2, 1, 1, 1)
    text = reports.to_csv(reports.overview([party, hearing]))
    assert text.startswith("\ufeffdate,event") and "Zoning hearing" in text


def test_shift_reminders_go_through_the_outbox_once(in_org):
    from groundswell.messaging.models import Message

    organizer = org_member(in_org)
    event = make_event(organizer, days=1, title_en="Party {x}")
    shift = services.add_shift(organizer, event, role="music", starts_at=event.starts_at,
                               ends_at=event.ends_at, slots=5)
    ana = people.create_person(organizer, given_name="Ana", phone="215-555-0101",
                               language="es")
    people.record_consent(organizer, ana, channel="sms", purpose="events", source="event")
    bo = people.create_person(organizer, given_name="Bo", phone="215-555-0102")
    for person in (ana, bo):
        services.sign_up_for_shift(organizer, shift, person)
    result = services.send_shift_reminders(organizer, event)
    assert (result.queued, result.unreachable) == (1, 1)
    message = Message.objects.get(status="queued")
    assert message.cause_key.startswith("events:shift-reminder:")
    again = services.send_shift_reminders(organizer, event)
    assert again.queued == 0 and Message.objects.filter(status="queued").count() == 1
    with pytest.raises(PermissionDenied):
        services.send_shift_reminders(in_org.member("program_staff"), event)


def test_reminder_command_runs_for_every_organization(in_org):
    from io import StringIO

    from django.core.management import call_command

    organizer = org_member(in_org)
    event = make_event(organizer, days=0.5)
    shift = services.add_shift(organizer, event, role="setup", starts_at=event.starts_at,
                               ends_at=event.ends_at)
    ana = people.create_person(organizer, given_name="Ana", phone="215-555-0101")
    people.record_consent(organizer, ana, channel="sms", purpose="events", source="event")
    services.sign_up_for_shift(organizer, shift, ana)
    out = StringIO()
    call_command("send_shift_reminders", "--hours", "24", stdout=out)
    assert "queued 1" in out.getvalue()


# --- an event's typed address on the map (issue 17, point 10) -------------------------------

POINTS = ("address,zip,latitude,longitude\n"
          "2417 North Front Street,19133,39.983200,-75.133000\n"
          "100 E Somerset St,19134,39.993000,-75.131500\n")


def test_a_typed_address_is_placed_from_the_loaded_address_points(in_org):
    from decimal import Decimal

    from groundswell.geo import services as geo

    admin = in_org.member("admin")
    geo.load_address_points(admin, POINTS.encode(), "points.csv")
    event = make_event(admin, street="2417 N Front St")
    assert (event.latitude, event.longitude) == (Decimal("39.983200"), Decimal("-75.133000"))
    # A pin the organizer dropped wins over the address.
    pinned = make_event(admin, street="2417 N Front St", latitude=39.99, longitude=-75.14)
    assert pinned.latitude == Decimal("39.990000")
    # A new address with the pin left where it was moves the event; unknown ones do not.
    moved = services.update_event(admin, event, street="100 Somerset Street")
    assert moved.latitude == Decimal("39.993000")
    lost = make_event(admin, street="999 Nowhere Ave")
    assert lost.latitude is None and lost.longitude is None
    kept = services.update_event(admin, pinned, street="100 E Somerset St",
                                 latitude=Decimal("39.99"), longitude=Decimal("-75.15"))
    assert kept.longitude == Decimal("-75.150000")


def test_an_address_not_in_the_points_warns_the_organizer(personas, client):
    from tests.conftest import login

    login(client, personas.member("organizer"))
    starts = timezone.localtime() + timedelta(days=3)
    response = client.post("/o/front-street/events/new/", {
        "kind": "meeting", "title_en": "Tenant meeting", "title_es": "",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "street": "999 Nowhere Ave", "rsvp_open": "on"}, follow=True)
    assert response.status_code == 200
    assert "not among the address points" in response.content.decode()
