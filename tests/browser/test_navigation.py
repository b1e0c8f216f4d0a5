"""Navigation (issue 17, point 11): on a wide screen the main areas are in a bar, not
behind the one Menu button; on a phone the five things a role does most are tiles on
the home screen, each one tap from it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from groundswell.core.models import Role
from groundswell.web.navigation import ENTRIES, TOP_TASKS
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit_password

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}


def test_main_areas_are_visible_on_a_desktop_without_opening_the_menu(new_context, personas):
    page = new_context(viewport=DESKTOP).new_page()
    log_in(page, personas.member("organizer").user)
    bar = page.locator("nav.mainnav")
    for label in ("People", "Map", "Door knocking", "Events", "Programs", "Inbox",
                  "Rapid response"):
        expect(bar.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("details.menu")).not_to_have_attribute("open", "")
    bar.get_by_role("link", name="Events", exact=True).click()
    expect(page).to_have_url(re.compile(r"/o/front-street/events/$"))
    expect(page.locator("nav.mainnav a[aria-current=page]")).to_have_text("Events")


@pytest.mark.parametrize("role", list(Role))
def test_a_roles_five_most_used_pages_are_one_tap_from_the_phone_home_screen(
        new_context, personas, role):
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    user = personas.member(role).user
    user.language = "es"
    user.save(update_fields=["language"])
    if role == Role.CANVASSER:
        submit_password(page, user.email)
    else:
        log_in(page, user)
    expect(page).to_have_url(re.compile(r"/o/front-street/$"))
    # The bar is for wide screens: on a phone the Menu button holds the rest.
    expect(page.locator("nav.mainnav")).to_be_hidden()
    check_and_capture(page, f"home-tasks-{role}-es")
    tiles = page.locator(".task-tiles a")
    wanted = TOP_TASKS[role]
    assert 1 <= len(wanted) <= 5
    expect(tiles).to_have_count(len(wanted))
    with translation.override("es"):
        labels = [str(ENTRIES[key].label) for key in wanted]
    expect(tiles).to_have_text(labels)
    for index, key in enumerate(wanted):
        tile = tiles.nth(index)
        expect(tile).to_be_in_viewport()
        href = tile.get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200, (role, key, href, response.status)
    first = reverse(ENTRIES[wanted[0]].url_name, args=[personas.org.slug])
    tiles.first.click()
    expect(page).to_have_url(re.compile(re.escape(first) + "$"))
