"""The pages a higher area now fills through a registry, at phone width in both
languages: a person's timeline links to the event and the walk list, the households map
offers the last door visit as a colouring, and an event's follow-up list offers a walk
list of the ticked people's doors."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.canvass import services as canvass
from groundswell.core.models import Role
from groundswell.events import services as events
from groundswell.people.services import current_residence
from tests.browser.conftest import PHONE, check_and_capture, log_in
from tests.browser.test_phone_screenshots import BROWSER_LOCALE
from tests.canvass.helpers import walk_list
from tests.events.helpers import make_event

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"outcome": "Last door visit", "walk": "Make a walk list"},
    "es": {"outcome": "Última visita", "walk": "Hacer una lista de puertas"},
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_what_other_areas_add_shows_at_phone_width(new_context, personas, language):
    org = personas.org
    admin, canvasser = personas.member(Role.ADMIN), personas.member(Role.CANVASSER)
    with scope(organization=org):
        wl, residents, _questions = walk_list(admin, [canvasser], count=2)
        ana = residents[0]
        event = make_event(admin, days=0, hours=2, title_en="Tenant meeting",
                           title_es="Reunión de inquilinos")
        events.record_attendance(admin, event, ana)
        canvass.sync_visits(canvasser, {"visits": [{
            "id": str(uuid.uuid4()), "walk_list": wl.pk, "person": ana.pk,
            "household": current_residence(ana).household_id, "outcome": "talked",
            "occurred_at": timezone.now().isoformat()}]})
    user = admin.user
    user.language = language
    user.save(update_fields=["language"])
    page = new_context(viewport=PHONE, locale=BROWSER_LOCALE[language]).new_page()
    page.goto("/account/login/")
    log_in(page, user)

    page.goto(f"/o/{org.slug}/people/{ana.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline.locator(f"a[href='/o/{org.slug}/events/{event.pk}/']")).to_be_visible()
    expect(timeline.locator(f"a[href='/o/{org.slug}/canvass/lists/{wl.pk}/']")).to_have_text(
        wl.name)
    check_and_capture(page, f"registries-person-timeline-{language}")

    page.goto(f"/o/{org.slug}/geo/?color=outcome")
    tab = page.get_by_role("link", name=WORDS[language]["outcome"])
    expect(tab).to_have_attribute("aria-current", "true")
    check_and_capture(page, f"registries-map-outcome-{language}")

    page.goto(f"/o/{org.slug}/events/{event.pk}/follow-up/?which=not_contacted&days=0")
    expect(page.get_by_role("button", name=WORDS[language]["walk"])).to_be_visible()
    check_and_capture(page, f"registries-follow-up-{language}")
