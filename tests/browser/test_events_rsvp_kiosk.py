"""Events in a real browser on a phone (issue 7 acceptance): an anonymous RSVP in
Spanish; kiosk sign-in of an existing and a new person, the kiosk refusing every other
page, and leaving it with the staff PIN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.events import services
from groundswell.events.models import RSVP, Attendance
from groundswell.people import services as people
from groundswell.people.models import Consent, Person
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser


def make_event(personas, *, days: float = 5):
    organizer = personas.member("organizer")
    starts = timezone.now() + timedelta(days=days)
    with scope(organization=personas.org):
        return services.create_event(
            organizer, kind="block_party", title_en="Front Street Block Party",
            title_es="Fiesta de cuadra de Front Street",
            description_es="Música, parrillada y bolsas de artículos para el hogar.",
            starts_at=starts, ends_at=starts + timedelta(hours=4),
            place_name="Lote de Front y Somerset", street="2700 N Front St", capacity=100)


def test_anonymous_rsvp_in_spanish_on_a_phone(new_context, personas):
    event = make_event(personas)
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    page.goto(f"/e/{event.public_id}/")
    expect(page.locator("h1")).to_have_text("Fiesta de cuadra de Front Street")
    check_and_capture(page, "events-rsvp-es")
    expect(page.locator("#id_website")).not_to_be_in_viewport()
    page.fill("#id_given_name", "Rosa")
    page.fill("#id_family_name", "Martínez")
    page.fill("#id_phone", "215 555 0142")
    page.fill("#id_guests", "2")
    page.check("#id_consent_sms")
    wording = page.locator("label[for=id_consent_sms]").inner_text()
    submit(page, "form.rsvp-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("¡Gracias! Allí nos vemos.")
    check_and_capture(page, "events-rsvp-thanks-es")
    with scopes_disabled():
        rsvp = RSVP.objects.get()
        consent = Consent.objects.get(person=rsvp.person)
    assert rsvp.guests == 2 and rsvp.language == "es" and rsvp.person.given_name == "Rosa"
    assert consent.source == "web" and consent.wording == wording
    assert "mensajes de texto" in wording


def test_rsvp_language_switch_to_english(new_context, personas):
    event = make_event(personas)
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    page.goto(f"/e/{event.public_id}/")
    submit(page, "form.language-switch button[value=en]")
    expect(page.locator("h1")).to_have_text("Front Street Block Party")


def test_kiosk_signs_in_an_existing_and_a_new_person(new_context, personas):
    event = make_event(personas, days=0)
    staff = personas.member("program_staff")
    with scope(organization=personas.org):
        rosa = people.create_person(personas.member("organizer"), given_name="Rosa",
                                    family_name="Martínez", phone="215 555 0142",
                                    street="2417 N Front St")
        # She RSVP'd: the kiosk shows her name (people the event does not know show
        # as initials).
        services.record_rsvp(personas.member("organizer"), event, rosa)
    page = new_context(viewport=PHONE).new_page()
    log_in(page, staff.user)
    page.goto(f"/o/front-street/events/{event.pk}/kiosk/")
    page.fill("#id_pin", "2468")
    page.fill("#id_pin_again", "2468")
    submit(page, "form.form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Welcome! Please sign in.")
    check_and_capture(page, "events-kiosk")

    # Existing person: type the name, tap it.
    page.fill("#kiosk-q", "rosa martinez")
    page.click("form.kiosk-search button[type=submit]")
    person_button = page.locator("button.kiosk-person").first
    expect(person_button).to_contain_text("Rosa M.")
    expect(person_button).to_contain_text("2400 block of N FRONT ST")
    assert "0142" not in page.content() and "Martínez" not in page.content()
    check_and_capture(page, "events-kiosk-results")
    with page.expect_navigation():
        person_button.click()
    expect(page.locator(".message.success")).to_contain_text("Welcome, Rosa M.")

    # New person: quick-add.
    page.click("details.kiosk-add summary")
    page.fill("#id_given_name", "Luis")
    page.fill("#id_family_name", "Nuevo")
    page.fill("#id_phone", "215 555 0100")
    page.fill("#id_street", "2501 N Front St")
    page.check("#id_consent_sms")
    check_and_capture(page, "events-kiosk-add")
    submit(page, "details.kiosk-add button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Welcome, Luis N.")

    # Locked: the rest of the app sends back to the kiosk.
    page.goto("/o/front-street/people/")
    expect(page.locator("h1")).to_have_text("Welcome! Please sign in.")
    assert page.url.endswith(f"/events/{event.pk}/kiosk/")

    page.click("p.kiosk-exit a")
    page.fill("#id_pin", "2468")
    submit(page, "form.form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Front Street Block Party")
    page.goto("/o/front-street/people/")
    assert page.url.endswith("/o/front-street/people/")

    with scopes_disabled():
        signed = {a.person.given_name: a.new_person for a in Attendance.objects.all()}
        assert signed == {"Rosa": False, "Luis": True}
        assert Person.objects.filter(given_name="Rosa").get() == rosa
        assert rosa.interactions.filter(kind="attendance").count() == 1


def test_event_report_draws_its_chart_under_the_csp(new_context, personas):
    event = make_event(personas, days=-3)
    with scope(organization=personas.org):
        rosa = people.create_person(personas.member("organizer"), given_name="Rosa",
                                    street="2417 N Front St")
        services.record_attendance(personas.member("program_staff"), event, rosa,
                                   at=event.starts_at)
    organizer = personas.member("organizer")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    log_in(page, organizer.user)
    page.goto("/o/front-street/events/reports/")
    expect(page.locator("canvas[data-chart-ready='1']")).to_have_count(1)
    expect(page.locator("table.conversions")).to_contain_text("Visitados en la puerta")
    check_and_capture(page, "events-report-es")
    page.goto(f"/o/front-street/events/{event.pk}/report/")
    expect(page.locator("canvas[data-chart-ready='1']")).to_have_count(1)
    check_and_capture(page, "events-event-report-es")
    assert not [e for e in errors if "Content Security Policy" in e], errors
