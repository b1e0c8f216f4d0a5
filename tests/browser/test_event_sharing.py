"""Sharing an event (issue 17, point 12), on a phone at 360 px: the organizer copies
the public RSVP link with one button and finds its QR code (and a printable flyer);
a resident reads the organization's upcoming events in Spanish and signs up for a
shift that is full, landing on its waitlist with their consent recorded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.events import services
from groundswell.events.models import ShiftSignup
from groundswell.people.models import Consent
from tests.browser.conftest import PHONE, check_and_capture, log_in
from tests.events.helpers import make_event, resident

pytestmark = pytest.mark.browser


def party(personas, slots: int = 1):
    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        event = make_event(organizer, title_en="Block party", title_es="Fiesta de cuadra",
                           description_en="Music and food.", description_es="Música y comida.")
        shift = services.add_shift(organizer, event, role="cookout", starts_at=event.starts_at,
                                   ends_at=event.starts_at + timedelta(hours=2), slots=slots)
    return event, shift


def test_the_organizer_copies_the_link_and_prints_a_flyer_with_its_qr_code(
        new_context, personas, live_server):
    event, _shift = party(personas)
    organizer = personas.member("organizer")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    context = new_context(viewport=PHONE, locale="es-ES")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, organizer.user)
    page.goto(f"/o/front-street/events/{event.pk}/")
    page.locator("details.panel summary", has_text="Página pública").click()
    page.get_by_role("button", name="Copiar el enlace").click()
    expect(page.locator(".copy-status")).to_have_text("Enlace copiado")
    public_url = f"{live_server.url}/e/{event.public_id}/"
    assert page.evaluate("navigator.clipboard.readText()") == public_url
    expect(page.locator(".qr-box svg.qr")).to_be_visible()
    check_and_capture(page, "event-share-es")

    page.get_by_role("link", name="Imprimir un volante").click()
    expect(page.locator(".flyer h1")).to_have_text("Fiesta de cuadra")
    expect(page.locator(".flyer h2")).to_have_text("Block party")
    expect(page.locator(".flyer-qr svg.qr")).to_be_visible()
    expect(page.locator(".flyer-url")).to_have_text(public_url)
    check_and_capture(page, "event-flyer-es")
    # Printed, the flyer is alone on the page.
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator(".flyer-qr svg.qr")).to_be_visible()


def test_a_resident_finds_the_event_in_spanish_and_joins_a_full_shifts_waitlist(
        new_context, personas):
    event, shift = party(personas, slots=1)
    with scope(organization=personas.org):
        services.volunteer_for_shift(shift, resident(given_name="Ana", phone="215-555-0111"))
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    page.goto("/e/org/front-street/")
    expect(page.locator("h1")).to_have_text("Próximos eventos")
    expect(page.locator("main")).not_to_contain_text("Block party")
    check_and_capture(page, "public-events-es")
    page.get_by_role("link", name="Fiesta de cuadra").click()
    expect(page).to_have_url(re.compile(rf"/e/{event.public_id}/$"))
    expect(page.locator(".rsvp-volunteer")).to_contain_text("lista de espera")
    page.get_by_role("link", name="Ofrecerse para un turno").click()
    expect(page.locator("label.shift-choice")).to_contain_text(
        "Lleno: quedará en la lista de espera")
    page.locator("label.shift-choice input").check()
    page.fill("input[name=given_name]", "Rosa")
    page.fill("input[name=family_name]", "Martínez")
    page.fill("input[name=phone]", "215 555 0142")
    page.check("input[name=consent_sms]")
    check_and_capture(page, "volunteer-form-es")
    page.get_by_role("button", name="Inscribirme").click()
    expect(page.locator("h1")).to_have_text("Usted está en la lista de espera")
    check_and_capture(page, "volunteer-waitlist-es")
    with scopes_disabled():
        rosa = ShiftSignup.objects.get(person__given_name="Rosa")
        consent = Consent.objects.get(person=rosa.person)
    assert rosa.waitlisted and rosa.signed_up_by is None
    assert consent.source == "web" and consent.channel == "sms"
