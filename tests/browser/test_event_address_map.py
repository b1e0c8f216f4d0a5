"""An event's typed address on the map (issue 17, point 10), on a phone at 360 px in
Spanish: the organizer types the address and does not tap the map; the event page
shows it where the organization's loaded address points say it is. An address the
points do not know gets a message saying to drop a pin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.events.models import Event
from groundswell.geo import services as geo
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser

POINTS = ("address,zip,latitude,longitude\n"
          "2417 North Front Street,19133,39.983200,-75.133000\n")


def fill_event(page, title: str, street: str) -> None:
    page.goto("/o/front-street/events/new/")
    page.select_option("select[name=kind]", "meeting")
    page.fill("input[name=title_es]", title)
    page.fill("input[name=starts_at]", "2030-06-01T18:00")
    page.fill("input[name=ends_at]", "2030-06-01T20:00")
    page.fill("input[name=street]", street)
    submit(page, "form.event-form button[type=submit]")


def test_a_typed_address_lands_on_the_map_without_a_pin(new_context, personas):
    organizer = personas.member("organizer")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    with scope(organization=personas.org):
        geo.load_address_points(personas.member("admin"), POINTS.encode(), "points.csv")
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, organizer.user)

    fill_event(page, "Reunión de inquilinos", "2417 N Front St")
    expect(page.locator("h1")).to_have_text("Reunión de inquilinos")
    with scopes_disabled():
        event = Event.objects.get(title_es="Reunión de inquilinos")
    assert (event.latitude, event.longitude) == (Decimal("39.983200"), Decimal("-75.133000"))
    place = page.locator("[data-features=event-place]")
    expect(place).to_be_visible()
    expect(place.locator("path.leaflet-interactive")).to_have_count(1)
    check_and_capture(page, "event-address-on-map-es")

    fill_event(page, "Otra reunión", "999 Nowhere Ave")
    expect(page.locator(".messages")).to_contain_text("toque el mapa")
    expect(page.locator("[data-features=event-place]")).to_have_count(0)
