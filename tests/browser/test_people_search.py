"""Finding a person by a misspelled name on a phone, in Spanish (issue 4)."""

from __future__ import annotations

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.people import services
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser


def test_jose_rodrigez_finds_jose_rodriguez(new_context, personas):
    organizer = personas.member("organizer")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    with scope(organization=personas.org):
        jose = services.create_person(organizer, given_name="José", family_name="Rodríguez",
                                      street="2417 N Front St", unit="2nd floor rear")
        for given, family in (("Josefina", "Ramírez"), ("Jorge", "Rodas"),
                              ("Rosa", "Rodríguez"), ("Joseph", "Rodgers")):
            services.create_person(organizer, given_name=given, family_name=family)
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, organizer.user)
    page.goto("/o/front-street/people/")
    page.fill("#q", "jose rodrigez")
    submit(page, "form.search button[type=submit]")
    assert "rodrigez" not in page.url  # the search term never goes into a URL
    first = page.locator("a.person-name").first
    expect(first).to_have_text("José Rodríguez")
    check_and_capture(page, "people-search-es")
    with page.expect_navigation():
        first.click()
    expect(page.locator("h1")).to_have_text("José Rodríguez")
    assert page.url.endswith(f"/people/{jose.pk}/")
    check_and_capture(page, "person-es")
