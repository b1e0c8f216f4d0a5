"""At the door (issue 17, point 13), on a phone at 360 px in Spanish: "next door"
opens the next door without a visit in walking order, a door shows everyone known at
its street address (every unit of the building), and literature-drop mode records a
door in one tap, offline through the same queue, sent when the signal is back."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.canvass.models import DoorVisit
from groundswell.people import services as people
from tests.browser.conftest import PHONE, check_and_capture, submit_password
from tests.canvass.helpers import walk_list

pytestmark = pytest.mark.browser


def test_next_door_household_view_and_literature_drop_offline(new_context, personas):
    admin, canvasser = personas.member("admin"), personas.member("canvasser")
    canvasser.user.language = "es"
    canvasser.user.save(update_fields=["language"])
    with scope(organization=personas.org):
        # A second household upstairs in the first building of the block.
        people.create_person(admin, given_name="Upstairs", family_name="Neighbor",
                             street="2401 N Front St", unit="2R", city="Philadelphia",
                             state="PA", postal_code="19133")
        wl, _residents, _questions = walk_list(admin, [canvasser], count=4)
        doors = list(wl.entries.select_related("household__address")
                     .values_list("household_id", "household__address__street",
                                  "household__unit"))
    context = new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    submit_password(page, canvasser.user.email)
    page.goto(f"/o/front-street/canvass/lists/{wl.pk}/app/")
    app = page.locator("#canvass-app")
    expect(app).to_have_attribute("data-ready", "1")
    expect(app).to_have_attribute("data-offline-ready", "1")
    door_buttons = page.locator("button.door")
    expect(door_buttons).to_have_count(len(doors))

    # Next door from the list opens the first door; from a door, the one after it.
    page.get_by_role("button", name="Siguiente puerta →").first.click()
    expect(page.locator("#visit")).to_be_visible()
    first_title = page.locator("#visit-title").inner_text()
    assert first_title.startswith("1. ")
    page.locator("#visit-next").click()
    expect(page.locator("#visit-title")).to_contain_text("2. ")

    # The building with two households: everyone at the address, each unit named.
    building = next(i for i, (_h, street, _u) in enumerate(doors)
                    if sum(1 for d in doors if d[1] == street) > 1)
    page.locator("#cancel-visit").click()
    door_buttons.nth(building).click()
    at_address = page.locator("#at-address")
    expect(at_address).to_be_visible()
    expect(at_address).to_contain_text("Todos en esta dirección")
    expect(page.locator("#at-address-list li")).to_have_count(2)
    expect(page.locator("#at-address-list")).to_contain_text("Upstairs Neighbor")
    expect(page.locator("#at-address-list")).to_contain_text("2R")
    check_and_capture(page, "canvass-household-es")
    page.locator("#cancel-visit").click()

    # Without signal, literature-drop mode: one tap per door, kept on the phone.
    context.route("**/canvass/sync/", lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)
    expect(app).to_have_class("is-offline")
    page.locator("#lit-drop-mode").check()
    door_buttons.nth(0).click()
    expect(page.locator("#lit-drop-status")).to_contain_text("Se dejó material en")
    door_buttons.nth(2).click()
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "2")
    expect(page.locator("#visit")).to_be_hidden()
    check_and_capture(page, "canvass-lit-drop-es")
    with scopes_disabled():
        assert not DoorVisit.objects.exists()

    # Next door now skips the doors already done.
    page.locator("#lit-drop-mode").uncheck()
    page.locator("#next-door").click()
    expect(page.locator("#visit-title")).to_contain_text("2. ")
    page.locator("#cancel-visit").click()

    context.unroute("**/canvass/sync/")
    context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "0")
    with scopes_disabled():
        visits = list(DoorVisit.objects.order_by("household_id")
                      .values_list("household_id", "outcome"))
    assert visits == sorted([(doors[0][0], "lit_drop"), (doors[2][0], "lit_drop")])
