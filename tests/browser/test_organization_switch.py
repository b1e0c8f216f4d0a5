"""A member of two organizations moves between them from the header menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from groundswell.core.models import Role
from tests.browser.conftest import log_in
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_member_of_two_organizations_switches_from_the_menu(page: Page, personas):
    user = personas.member("organizer").user
    make_member(personas.other_org, Role.DISPATCHER, user=user)

    log_in(page, user)
    # Two organizations and none chosen yet in this session: the user picks one.
    expect(page.locator("h1")).to_have_text("Choose an organization")
    page.get_by_role("link", name=re.compile("Front Street Community Center")).click()
    expect(page).to_have_url(re.compile(r"/o/front-street/$"))

    page.locator("details.menu summary").click()
    menu = page.locator("details.menu nav")
    expect(menu).to_be_visible()
    expect(menu.locator(".menu-heading").first).to_have_text("Switch organization")
    switch = menu.locator("ul.org-switch a")
    expect(switch).to_have_count(2)
    expect(switch.nth(0)).to_contain_text("Elsewhere Tenants")
    expect(switch.nth(0)).to_contain_text("Dispatcher")
    expect(switch.nth(1)).to_contain_text("Front Street Community Center")
    expect(switch.nth(1)).to_have_attribute("aria-current", "page")

    switch.filter(has_text="Elsewhere Tenants").click()

    expect(page).to_have_url(re.compile(r"/o/elsewhere/$"))
    expect(page.locator("h1")).to_have_text("Elsewhere Tenants")
    expect(page.locator(".brand-name")).to_have_text("Elsewhere Tenants")
    page.locator("details.menu summary").click()
    expect(page.locator("ul.org-switch a[aria-current=page]")).to_contain_text(
        "Elsewhere Tenants")
    # The choice is remembered: the site root now opens the last organization.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/o/elsewhere/$"))
