"""The events screens through HTTP: creating an event, shifts, the public RSVP page
(both languages, honeypot, rate limit, capacity, duplicate), ICS, kiosk mode (locked
to one event: every other page refused until the staff PIN), follow-up and reports."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from groundswell.core.models import AuditEvent
from groundswell.events import services
from groundswell.events.ics import unfold
from groundswell.events.models import RSVP, Attendance, Event, FollowUp, Kiosk, Shift
from groundswell.people import services as people
from groundswell.people.models import Consent, Person, SavedList
from tests.conftest import login
from tests.events.helpers import make_event

pytestmark = pytest.mark.django_db

ORG = "/o/front-street"
EVENTS = f"{ORG}/events/"


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    yield
    translation.deactivate()


def client_as(personas, role: str) -> Client:
    return login(Client(raise_request_exception=False), personas.member(role))


def event_in(personas, **fields) -> Event:
    with scope(organization=personas.org):
        return make_event(personas.member("organizer"), **fields)


def add_person(personas, **fields) -> Person:
    with scope(organization=personas.org):
        return people.create_person(personas.member("organizer"), **fields)


# --- events and shifts --------------------------------------------------------------------------


def test_organizer_creates_an_event_with_a_map_point(personas):
    client = client_as(personas, "organizer")
    assert client.get(f"{EVENTS}new/").status_code == 200
    response = client.post(f"{EVENTS}new/", {
        "kind": "block_party", "title_en": "Block party", "title_es": "Fiesta de cuadra",
        "starts_at": "2030-06-01T12:00", "ends_at": "2030-06-01T17:00",
        "place_name": "Lot on Somerset", "latitude": "39.991234", "longitude": "-75.131234",
        "capacity": "200", "rsvp_open": "on"})
    assert response.status_code == 302
    with scopes_disabled():
        event = Event.objects.get()
    assert str(event.latitude) == "39.991234" and event.capacity == 200
    page = client.get(f"{EVENTS}{event.pk}/")
    assert page.status_code == 200 and b"Block party" in page.content
    assert b'data-features="event-place"' in page.content


def test_bad_event_form_changes_nothing(personas):
    client = client_as(personas, "organizer")
    response = client.post(f"{EVENTS}new/", {
        "kind": "block_party", "title_en": "", "title_es": "",
        "starts_at": "2030-06-01T12:00", "ends_at": "2030-06-01T10:00"})
    assert response.status_code == 400
    response = client.post(f"{EVENTS}new/", {
        "kind": "block_party", "title_en": "X", "starts_at": "2030-06-01T12:00",
        "ends_at": "2030-06-01T10:00"})
    assert response.status_code == 400 and b"ends before it starts" in response.content
    with scopes_disabled():
        assert not Event.objects.exists()


def test_shift_added_and_volunteer_signed_up(personas):
    event = event_in(personas)
    ana = add_person(personas, given_name="Ana", family_name="Volunteer")
    client = client_as(personas, "organizer")
    start = timezone.localtime(event.starts_at)
    response = client.post(f"{EVENTS}{event.pk}/shifts/new/", {
        "role": "cookout", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "slots": "2"})
    assert response.status_code == 302
    with scopes_disabled():
        shift = Shift.objects.get()
    staff = client_as(personas, "program_staff")
    staff.post(f"{EVENTS}shifts/{shift.pk}/", {"q": "ana volunteer"})
    page = staff.get(f"{EVENTS}shifts/{shift.pk}/")
    assert b"Ana Volunteer" in page.content
    staff.post(f"{EVENTS}shifts/{shift.pk}/sign-up/", {"person": ana.pk})
    with scopes_disabled():
        assert shift.signups.get().person == ana
    # Not through the URL: the search text is posted and kept in the session.
    assert b"volunteer" not in page.request["PATH_INFO"].encode()


# --- the public RSVP page ------------------------------------------------------------------------


def rsvp_url(event: Event) -> str:
    return f"/e/{event.public_id}/"


def test_anonymous_rsvp_in_spanish_records_consent_wording(personas):
    event = event_in(personas)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(rsvp_url(event))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Fiesta de cuadra" in text and "Allí estaré" in text and "Nombre" in text
    wording = re.search(r'<label for="id_consent_sms">(.*?)</label>', text).group(1)
    response = client.post(rsvp_url(event), {
        "given_name": "Rosa", "family_name": "Martínez", "phone": "215 555 0142",
        "guests": "2", "consent_sms": "on", "website": ""})
    assert response.status_code == 200 and "Gracias" in response.content.decode()
    with scopes_disabled():
        rsvp = RSVP.objects.get()
        consent = Consent.objects.get()
    assert rsvp.guests == 2 and rsvp.language == "es" and rsvp.source == "web"
    assert consent.source == "web" and consent.wording == wording.replace("&#x27;", "'")
    assert "mensajes de texto" in consent.wording


def test_honeypot_refuses_and_saves_nothing(personas):
    event = event_in(personas)
    response = Client().post(rsvp_url(event), {
        "given_name": "Bot", "phone": "215 555 0142", "guests": "0",
        "website": "http://spam.example"})
    assert response.status_code == 400 and b"could not take this RSVP" in response.content
    with scopes_disabled():
        assert not RSVP.objects.exists() and not Person.objects.exists()


def test_rate_limit_per_address(personas):
    from groundswell.events.public import RSVP_LIMIT_PER_IP

    event = event_in(personas)
    client = Client()
    for _ in range(RSVP_LIMIT_PER_IP):
        client.post(rsvp_url(event), {"given_name": "", "guests": "0"})
    response = client.post(rsvp_url(event), {"given_name": "Real", "phone": "2155550142",
                                              "guests": "0"})
    assert response.status_code == 429
    with scopes_disabled():
        assert not RSVP.objects.exists()


def test_over_capacity_and_duplicate_rsvp_get_clear_messages(personas):
    event = event_in(personas, capacity=2)
    client = Client()
    form = {"given_name": "Rosa", "phone": "215 555 0142", "guests": "0"}
    assert client.post(rsvp_url(event), form).status_code == 200
    again = client.post(rsvp_url(event), form)
    assert again.status_code == 400 and b"already RSVP" in again.content
    over = client.post(rsvp_url(event), {"given_name": "Luis", "phone": "215 555 0199",
                                         "guests": "3"})
    assert over.status_code == 400 and b"only 1 places are left" in over.content
    with scopes_disabled():
        assert RSVP.objects.count() == 1 and Person.objects.count() == 1


def test_closed_event_shows_no_form(personas):
    event = event_in(personas, days=-2)
    page = Client().get(rsvp_url(event))
    assert b"closed" in page.content and b'name="given_name"' not in page.content
    assert Client().post(rsvp_url(event), {"given_name": "X", "phone": "2155550142",
                                           "guests": "0"}).status_code == 200
    with scopes_disabled():
        assert not RSVP.objects.exists()


def test_unknown_public_id_is_404():
    assert Client().get("/e/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_ics_download_and_feed(personas):
    event = event_in(personas, title_en="Meeting; rent, repairs", description_en="Line 1\nLine 2")
    response = Client().get(f"/e/{event.public_id}/event.ics")
    assert response["Content-Type"].startswith("text/calendar")
    lines = unfold(response.content.decode())
    assert "SUMMARY:Meeting\\; rent\\, repairs" in lines
    assert "DESCRIPTION:Line 1\\nLine 2" in lines
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))
    events_page = client_as(personas, "organizer").get(EVENTS)
    feed = re.search(r"(/e/feed/[^<\s]+\.ics)", events_page.content.decode()).group(1)
    body = Client().get(feed).content.decode()
    assert body.count("BEGIN:VEVENT") == 1 and str(event.public_id) in body
    assert Client().get("/e/feed/front-street.ics").status_code == 404


# --- the kiosk -----------------------------------------------------------------------------------


def start_kiosk(personas, event, role="program_staff", pin="2468") -> Client:
    client = client_as(personas, role)
    response = client.post(f"{EVENTS}{event.pk}/kiosk/", {"pin": pin, "pin_again": pin})
    assert response.status_code == 302
    return client


def test_kiosk_finds_by_name_shows_no_phone_and_signs_in(personas):
    event = event_in(personas, days=0)
    rosa = add_person(personas, given_name="Rosa", family_name="Martínez",
                      phone="215 555 0142", street="2417 N Front St", unit="2")
    with scope(organization=personas.org):
        services.record_rsvp(personas.member("organizer"), event, rosa)
    client = start_kiosk(personas, event)
    results = client.post(f"{EVENTS}{event.pk}/kiosk/search/", {"q": "rosa martinez"},
                          HTTP_HX_REQUEST="true")
    text = results.content.decode()
    assert "Rosa M." in text and "2400 block of N FRONT ST" in text
    assert "Martínez" not in text and "2417" not in text and "0142" not in text
    done = client.post(f"{EVENTS}{event.pk}/kiosk/sign-in/", {"person": rosa.pk})
    assert done.status_code == 302
    with scopes_disabled():
        attendance = Attendance.objects.get()
        assert attendance.person == rosa and attendance.source == "kiosk"
        assert rosa.interactions.get().kind == "attendance"
    assert "Welcome, Rosa M." in client.get(f"{EVENTS}{event.pk}/kiosk/").content.decode()


def test_kiosk_shows_people_the_event_does_not_know_by_initials_and_block(personas):
    """Someone never tied to the organization's events (no RSVP, no shift, never came)
    can still find themself, by initials and block; a name needs a tie to the event."""
    event = event_in(personas, days=0)
    earlier = event_in(personas, days=-30)
    stranger = add_person(personas, given_name="Rosa", family_name="Martínez",
                          street="2417 N Front St")
    regular = add_person(personas, given_name="Rosario", family_name="Méndez",
                         street="2501 N Front St")
    with scope(organization=personas.org):
        services.record_attendance(personas.member("organizer"), earlier, regular)
    client = start_kiosk(personas, event)
    text = client.post(f"{EVENTS}{event.pk}/kiosk/search/", {"q": "ros"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "R. M." in text and "2400 block of N FRONT ST" in text
    assert "Rosario M." in text and "2500 block of N FRONT ST" in text
    assert "Rosa M." not in text
    done = client.post(f"{EVENTS}{event.pk}/kiosk/sign-in/", {"person": stranger.pk})
    assert done.status_code == 302
    with scopes_disabled():
        assert Attendance.objects.filter(event=event, person=stranger).exists()


@pytest.mark.parametrize("query,message", [
    ("ro", "at least three letters"), ("R", "at least three letters"),
    ("0142", "whole phone number"), ("555 0142", "whole phone number"),
    ("rosa 0142", "whole phone number")])
def test_kiosk_refuses_short_names_and_the_last_digits_of_a_phone(personas, query,
                                                                  message):
    event = event_in(personas, days=0)
    add_person(personas, given_name="Rosa", family_name="Martínez", phone="215 555 0142")
    client = start_kiosk(personas, event)
    text = client.post(f"{EVENTS}{event.pk}/kiosk/search/", {"q": query},
                       HTTP_HX_REQUEST="true").content.decode()
    assert message in text and "Rosa" not in text and "R. M." not in text


def test_kiosk_refusals_are_in_spanish_too(personas):
    staff = personas.member("program_staff")
    staff.user.language = "es"
    staff.user.save(update_fields=["language"])
    event = event_in(personas, days=0)
    client = start_kiosk(personas, event)
    url = f"{EVENTS}{event.pk}/kiosk/search/"
    short = client.post(url, {"q": "ro"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Escriba al menos tres letras de su nombre." in short
    digits = client.post(url, {"q": "0142"}, HTTP_HX_REQUEST="true").content.decode()
    assert "número de teléfono completo" in digits


def test_kiosk_finds_by_a_whole_phone_number(personas):
    event = event_in(personas, days=0)
    add_person(personas, given_name="Rosa", family_name="Martínez", phone="215 555 0142")
    client = start_kiosk(personas, event)
    text = client.post(f"{EVENTS}{event.pk}/kiosk/search/",
                       {"q": "(215) 555-0142"}).content.decode()
    assert "Rosa M." in text


def test_kiosk_searches_are_rate_limited_per_kiosk(personas):
    from groundswell.events.kiosk import KIOSK_SEARCHES

    event = event_in(personas, days=0)
    add_person(personas, given_name="Rosa", family_name="Martínez")
    client = start_kiosk(personas, event)
    url = f"{EVENTS}{event.pk}/kiosk/search/"
    for _ in range(KIOSK_SEARCHES):
        assert client.post(url, {"q": "ros"}, HTTP_HX_REQUEST="true").status_code == 200
    refused = client.post(url, {"q": "ros"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "searched many times" in text and "R. M." not in text
    # the limit is the kiosk's: another tablet, at another event, searches on
    second = event_in(personas, days=0)
    other = start_kiosk(personas, second, role="organizer")
    answer = other.post(f"{EVENTS}{second.pk}/kiosk/search/", {"q": "ros"},
                        HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "R. M." in answer.content.decode()


def test_kiosk_cannot_sign_in_someone_it_did_not_offer(personas):
    event = event_in(personas, days=0)
    other = add_person(personas, given_name="Not", family_name="Offered")
    client = start_kiosk(personas, event)
    client.post(f"{EVENTS}{event.pk}/kiosk/sign-in/", {"person": other.pk})
    with scopes_disabled():
        assert not Attendance.objects.exists()


def test_kiosk_quick_add_and_duplicate_matching(personas):
    event = event_in(personas, days=0)
    existing = add_person(personas, given_name="Rosa", family_name="Martínez",
                          phone="215 555 0142")
    client = start_kiosk(personas, event)
    response = client.post(f"{EVENTS}{event.pk}/kiosk/add/", {
        "given_name": "Rosa", "family_name": "Martinez", "phone": "(215) 555-0142"})
    assert response.status_code == 302
    response = client.post(f"{EVENTS}{event.pk}/kiosk/add/", {
        "given_name": "Luis", "family_name": "Nuevo", "phone": "215 555 0100",
        "street": "2501 N Front St", "language": "es", "consent_alerts": "on"})
    assert response.status_code == 302
    bad = client.post(f"{EVENTS}{event.pk}/kiosk/add/", {"given_name": "X", "phone": "12"})
    assert bad.status_code == 400 and b"not a phone number" in bad.content
    with scopes_disabled():
        assert Person.objects.count() == 2
        signed = {a.person.given_name: a.new_person for a in Attendance.objects.all()}
        assert signed == {"Rosa": False, "Luis": True}
        assert Attendance.objects.get(person=existing).source == "kiosk"
        assert Consent.objects.get().purpose == "rapid_response"


def test_kiosk_mode_cannot_reach_other_pages_until_the_pin(personas):
    event = event_in(personas, days=0)
    person = add_person(personas, given_name="Private", family_name="Person",
                        phone="215 555 0111")
    client = start_kiosk(personas, event, role="organizer")
    kiosk_url = f"{EVENTS}{event.pk}/kiosk/"
    for url in (f"{ORG}/people/", f"{ORG}/people/{person.pk}/", f"{ORG}/", EVENTS,
                f"{EVENTS}{event.pk}/", "/", "/account/logout/", f"{ORG}/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == kiosk_url, url
    assert client.post(f"{ORG}/people/new/", {"given_name": "X"}).status_code == 403
    assert client.post("/account/logout/").status_code == 403
    other = event_in(personas, days=0, title_en="Another event")
    assert client.get(f"{EVENTS}{other.pk}/kiosk/").status_code == 302
    # The language switch still works for residents.
    assert client.post("/language/", {"language": "es", "next": kiosk_url}).status_code == 302
    wrong = client.post(f"{EVENTS}{event.pk}/kiosk/exit/", {"pin": "1111"})
    assert wrong.status_code == 400
    assert client.get(f"{ORG}/people/").status_code == 302
    right = client.post(f"{EVENTS}{event.pk}/kiosk/exit/", {"pin": "2468"})
    assert right.status_code == 302
    assert client.get(f"{ORG}/people/").status_code == 200
    with scopes_disabled():
        assert Kiosk.objects.get().ended_at is not None
        assert AuditEvent.objects.filter(code="events.kiosk.ended").count() == 1


def test_kiosk_start_needs_matching_pins_and_the_right_role(personas):
    event = event_in(personas, days=0)
    client = client_as(personas, "program_staff")
    bad = client.post(f"{EVENTS}{event.pk}/kiosk/", {"pin": "2468", "pin_again": "2469"})
    assert bad.status_code == 400
    assert client.get(f"{ORG}/").status_code == 200  # not locked
    for role in ("canvasser", "dispatcher"):
        assert client_as(personas, role).get(f"{EVENTS}{event.pk}/kiosk/").status_code == 403


# --- follow-up and reports ----------------------------------------------------------------------


def test_follow_up_assign_and_call_list(personas):
    event = event_in(personas, days=-10)
    rosa = add_person(personas, given_name="Rosa", family_name="Martínez")
    with scope(organization=personas.org):
        services.record_attendance(personas.member("program_staff"), event, rosa,
                                   at=event.starts_at)
    client = client_as(personas, "organizer")
    page = client.get(f"{EVENTS}{event.pk}/follow-up/?which=not_contacted&days=7")
    assert b"Rosa Mart" in page.content
    response = client.post(f"{EVENTS}{event.pk}/follow-up/assign/", {
        "people": [rosa.pk], "assignee": personas.member("organizer").pk,
        "reason": "not_contacted", "which": "not_contacted", "days": "7", "back": "1"})
    assert response.status_code == 302
    with scopes_disabled():
        follow_up = FollowUp.objects.get()
    assert follow_up.assigned_to == personas.member("organizer")
    mine = client.get(f"{EVENTS}follow-ups/")
    assert b"Rosa Mart" in mine.content
    response = client.post(f"{EVENTS}{event.pk}/follow-up/call-list/", {
        "people": [rosa.pk], "name": "Call after the party"})
    with scopes_disabled():
        saved = SavedList.objects.get()
    assert response["Location"] == f"{ORG}/people/lists/{saved.pk}/" or \
        response["Location"].endswith(f"/{saved.pk}/")
    assert client.post(f"{EVENTS}follow-ups/{follow_up.pk}/done/").status_code == 302
    with scopes_disabled():
        assert FollowUp.objects.get().done_at is not None


def test_follow_up_refuses_people_who_did_not_come(personas):
    event = event_in(personas, days=-10)
    stranger = add_person(personas, given_name="Stranger")
    client = client_as(personas, "organizer")
    client.post(f"{EVENTS}{event.pk}/follow-up/assign/", {
        "people": [stranger.pk], "assignee": personas.member("organizer").pk,
        "reason": "new_person"})
    with scopes_disabled():
        assert not FollowUp.objects.exists()
    bad = client.get(f"{EVENTS}{event.pk}/follow-up/?which=nonsense&days=-4")
    assert bad.status_code == 200 and b"Choose a list" in bad.content


def test_reports_page_chart_and_csv(personas):
    event = event_in(personas, days=-10)
    rosa = add_person(personas, given_name="Rosa", street="2417 N Front St")
    with scope(organization=personas.org):
        services.record_attendance(personas.member("program_staff"), event, rosa,
                                   at=event.starts_at)
    client = client_as(personas, "organizer")
    page = client.get(f"{EVENTS}reports/")
    assert page.status_code == 200 and b'data-chart="events-chart-data"' in page.content
    assert b"<script>" not in page.content.replace(b'<script type="application/json"', b"")
    assert client.get(f"{EVENTS}reports/?start=2030-01-01&end=2020-01-01").status_code == 200
    detail = client.get(f"{EVENTS}{event.pk}/report/")
    assert detail.status_code == 200
    today = timezone.localdate()
    too_long = client.post(f"{EVENTS}reports/csv/", {"start": "2000-01-01", "end": "2100-01-01"})
    assert too_long.status_code == 302
    csv = client.post(f"{EVENTS}reports/csv/", {
        "start": str(today - timedelta(days=60)), "end": str(today)})
    body = csv.content.decode()
    assert body.startswith("\ufeffdate,event") and "Block party" in body and "Rosa" not in body
    with scopes_disabled():
        assert AuditEvent.objects.filter(code="events.report.exported").count() == 1


def test_a_follow_up_list_becomes_a_walk_list_of_the_ticked_peoples_doors(personas):
    from groundswell.canvass import services as canvass
    from groundswell.canvass.models import WalkList
    from tests.canvass.helpers import block

    event = event_in(personas, days=-10)
    admin = personas.member("admin")
    with scope(organization=personas.org):
        neighbors = block(admin, 4)
        homeless = people.create_person(admin, given_name="Sin", family_name="Casa")
        effort = canvass.create_effort(admin, name="Block party outreach")
        archived = canvass.create_effort(admin, name="Old effort")
        archived.archived_at = timezone.now()
        archived.save()
        for person in [*neighbors, homeless]:
            services.record_attendance(personas.member("program_staff"), event, person,
                                       at=event.starts_at)
    client = client_as(personas, "organizer")
    page = client.get(f"{EVENTS}{event.pk}/follow-up/?which=not_contacted&days=7")
    assert b"Make a walk list" in page.content and b"Old effort" not in page.content
    url = f"{ORG}/canvass/from-event/{event.pk}/walk-list/"
    form = {"people": [p.pk for p in neighbors[:3]] + [homeless.pk], "effort": effort.pk,
            "walk_name": "Follow-up doors", "which": "not_contacted", "days": "7",
            "back": "1"}

    # bad input changes nothing: no one ticked, an archived effort, another org's effort
    for bad, said in (({"people": []}, b"Tick at least one person."),
                      ({"effort": archived.pk}, b"Door-knocking effort: Select a valid"),
                      ({"effort": 999999}, b"Door-knocking effort: Select a valid"),
                      ({"walk_name": ""}, b"Name of the walk list: This field is required.")):
        response = client.post(url, {**form, **bad}, follow=True)
        assert said in response.content
    with scopes_disabled():
        assert not WalkList.objects.exists()

    response = client.post(url, form, follow=True)
    assert b"The walk list was made with 3 doors." in response.content
    assert b"1 person has no address and was left out." in response.content
    with scopes_disabled():
        walk_list = WalkList.objects.get()
        assert walk_list.turf is None and walk_list.effort == effort
        doors = list(walk_list.entries.order_by("position")
                     .values_list("household__residences__person", flat=True))
        assert sorted(doors) == sorted(p.pk for p in neighbors[:3])
        assert AuditEvent.objects.filter(code="canvass.walklist.created").count() == 1
    assert b"Chosen people" in client.get(
        f"{ORG}/canvass/lists/{walk_list.pk}/").content

    # the same doors again: each door once per effort
    response = client.post(url, {**form, "people": [p.pk for p in neighbors[:3]]},
                           follow=True)
    assert b"None of these people has a door left to knock" in response.content
    with scopes_disabled():
        assert WalkList.objects.count() == 1
    # someone who did not come to the event is not on its follow-up list
    with scope(organization=personas.org):
        stranger = people.create_person(admin, given_name="Not", family_name="There")
    response = client.post(url, {**form, "people": [stranger.pk]}, follow=True)
    assert b"Tick at least one person" in response.content


def test_staff_record_an_rsvp_by_phone_and_a_sign_in_without_the_kiosk(personas):
    event = event_in(personas, days=2)
    rosa = add_person(personas, given_name="Rosa", family_name="Martínez")
    staff = client_as(personas, "program_staff")
    people_url = f"{EVENTS}{event.pk}/people/"
    assert b"Record an RSVP or a sign-in" in staff.get(f"{EVENTS}{event.pk}/").content
    found = staff.post(people_url, {"q": "rosa martinez"}, follow=True).content.decode()
    assert "Rosa Martínez" in found and "Record RSVP" in found
    response = staff.post(f"{people_url}rsvp/", {"person": rosa.pk}, follow=True)
    assert "RSVP is recorded" in response.content.decode()
    again = staff.post(f"{people_url}rsvp/", {"person": rosa.pk}, follow=True)
    assert "already" in again.content.decode().lower()
    response = staff.post(f"{people_url}sign-in/", {"person": rosa.pk}, follow=True)
    assert "Rosa Martínez is signed in." in response.content.decode()
    staff.post(f"{people_url}sign-in/", {"person": rosa.pk})  # twice: one sign-in
    with scopes_disabled():
        assert RSVP.objects.filter(event=event, person=rosa).count() == 1
        assert Attendance.objects.filter(event=event, person=rosa).count() == 1
    # someone of another organization, or nobody: a clear message, nothing recorded
    with scope(organization=personas.other_org):
        stranger = people.create_person(personas.outsider, given_name="Far")
    for bad in ({"person": stranger.pk}, {"person": "x"}, {}):
        response = staff.post(f"{people_url}sign-in/", bad, follow=True)
        assert "Choose someone from the search results." in response.content.decode()
    with scopes_disabled():
        assert Attendance.objects.filter(event=event).count() == 1
    # a canvasser may not
    assert client_as(personas, "canvasser").get(people_url).status_code == 403


def test_a_kiosk_waits_through_a_quiet_hour_but_the_staff_session_after_it_does_not(
        personas, settings):
    import time_machine

    event = event_in(personas, days=0)
    client = start_kiosk(personas, event, role="organizer")
    kiosk_url = f"{EVENTS}{event.pk}/kiosk/"
    quiet = timezone.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES + 30)
    now = timezone.now()
    with time_machine.travel(now + quiet):
        assert client.get(kiosk_url).status_code == 200  # still the kiosk, not the login
    too_long = timezone.timedelta(minutes=settings.KIOSK_IDLE_TIMEOUT_MINUTES + 1)
    with time_machine.travel(now + quiet + too_long):
        response = client.get(kiosk_url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]

    # After the PIN, the member's session has the usual allowance again.
    client = start_kiosk(personas, event, role="organizer")
    assert client.post(f"{EVENTS}{event.pk}/kiosk/exit/", {"pin": "2468"}).status_code == 302
    with time_machine.travel(timezone.now() + quiet):
        response = client.get(f"{ORG}/people/")
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_each_follow_up_action_names_only_what_it_is_missing(personas):
    event = event_in(personas, days=-10)
    rosa = add_person(personas, given_name="Rosa", family_name="Martínez")
    with scope(organization=personas.org):
        services.record_attendance(personas.member("program_staff"), event, rosa,
                                   at=event.starts_at)
    client = client_as(personas, "organizer")
    # The walk list's fields are empty: assigning and saving a call list do not need them.
    assigned = client.post(f"{EVENTS}{event.pk}/follow-up/assign/", {
        "people": [rosa.pk], "assignee": "", "reason": "not_contacted", "effort": "",
        "walk_name": ""}, follow=True)
    assert "1 follow-ups assigned" in assigned.content.decode()
    nobody = client.post(f"{EVENTS}{event.pk}/follow-up/call-list/", {"name": "Calls"},
                         follow=True)
    assert "Tick at least one person." in nobody.content.decode()
    unnamed = client.post(f"{EVENTS}{event.pk}/follow-up/call-list/",
                          {"people": [rosa.pk], "name": ""}, follow=True)
    assert "Name of the call list: This field is required." in unnamed.content.decode()
    no_effort = client.post(f"{ORG}/canvass/from-event/{event.pk}/walk-list/",
                            {"people": [rosa.pk], "walk_name": "Doors"}, follow=True)
    assert "Door-knocking effort: This field is required." in no_effort.content.decode()
    with scopes_disabled():
        assert not SavedList.objects.exists()
    # Another organization's person id is refused like a person who did not come.
    elsewhere = client.post(f"{EVENTS}{event.pk}/follow-up/call-list/",
                            {"people": [999999], "name": "Calls"}, follow=True)
    assert "Tick at least one person." in elsewhere.content.decode() or \
        "Select a valid choice" in elsewhere.content.decode()
    with scopes_disabled():
        assert not SavedList.objects.exists()


def test_the_kiosk_language_is_the_kiosks_own(personas):
    event = event_in(personas, days=0)
    staff = personas.member("program_staff")
    staff.user.language = "en"
    staff.user.save(update_fields=["language"])
    client = start_kiosk(personas, event)
    url = f"{EVENTS}{event.pk}/kiosk/language/"
    for bad in ("", "fr", "es-evil"):
        assert client.post(url, {"language": bad}).status_code == 302
        assert "Welcome! Please sign in." in client.get(f"{EVENTS}{event.pk}/kiosk/") \
            .content.decode()
    response = client.post(url, {"language": "es", "next": "exit"})
    assert response["Location"].endswith(f"/events/{event.pk}/kiosk/exit/")
    assert "django_language" not in response.cookies
    page = client.get(f"{EVENTS}{event.pk}/kiosk/").content.decode()
    assert '<html lang="es">' in page and "Bienvenido/a" in page
    staff.user.refresh_from_db()
    assert staff.user.language == "en"
    assert client.post(f"{EVENTS}{event.pk}/kiosk/exit/", {"pin": "2468"}).status_code == 302
    assert '<html lang="en"' in client.get(f"{EVENTS}{event.pk}/").content.decode()
    # Not in kiosk mode: nothing to change, the staff member's language stays.
    assert client.post(url, {"language": "es"}).status_code == 302
    staff.user.refresh_from_db()
    assert staff.user.language == "en"
    # Another organization's event is not found.
    with scope(organization=personas.other_org):
        elsewhere = make_event(personas.outsider)
    assert client.post(f"{EVENTS}{elsewhere.pk}/kiosk/language/",
                       {"language": "es"}).status_code == 404


def test_the_kiosk_opens_the_day_before_and_closes_two_weeks_after(personas):
    client = client_as(personas, "program_staff")
    for days, refused in ((3, "Too early"), (-16, "Too late")):
        event = event_in(personas, days=days)
        response = client.post(f"{EVENTS}{event.pk}/kiosk/", {"pin": "2468",
                                                             "pin_again": "2468"})
        assert response.status_code == 400 and refused in response.content.decode()
    with scopes_disabled():
        assert not Kiosk.objects.exists()
    assert start_kiosk(personas, event_in(personas, days=1))
