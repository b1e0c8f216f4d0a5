"""Composing a text on a phone, in Spanish: the live segment count switches to UCS-2
for an accent, the preview says who will not get it and why (issue 8)."""

from __future__ import annotations

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.messaging.inbound import receive_sms
from groundswell.people import services
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser


def test_compose_preview_and_inbox_on_a_phone(new_context, personas):
    organizer = personas.member("organizer")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    with scope(organization=personas.org):
        ana = services.create_person(organizer, given_name="Ana", family_name="Vecina",
                                     phone="215-555-0142", language="es", tags=["Somerset"])
        services.create_person(organizer, given_name="Beto", family_name="Vecino",
                               phone="215-555-0143", tags=["Somerset"])
        services.record_consent(organizer, ana, channel="sms", purpose="events", source="door")
        receive_sms(personas.org, from_number="+12155550142", to_number="",
                    body="¿A qué hora es la audiencia?", provider_sid="SMbrowser")
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, organizer.user)
    page.goto("/o/front-street/messaging/compose/")
    page.select_option("#id_purpose", "events")
    page.fill("#id_q", "Vecin")
    page.fill("#id_body_es", "El día de la audiencia es el martes a las 6. ¡Venga, {first_name}!")
    expect(page.locator("[data-segments-for=id_body_es]")).to_contain_text("UCS-2")
    expect(page.locator("[data-segments-for=id_body_es]")).to_contain_text("í")
    check_and_capture(page, "messaging-compose-es")
    submit(page, "button[value=preview]")
    expect(page.locator(".preview")).to_contain_text("1 de 2")
    expect(page.locator(".preview")).to_contain_text("Sin consentimiento para este fin")
    check_and_capture(page, "messaging-preview-es")
    page.goto("/o/front-street/messaging/")
    with page.expect_navigation():
        page.locator(".conversation-row a").first.click()
    expect(page.locator(".thread")).to_contain_text("¿A qué hora es la audiencia?")
    check_and_capture(page, "messaging-conversation-es")
