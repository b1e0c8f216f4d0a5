"""A day at the community center (issue 17, points 1 to 8), each on a phone at 360 px:
the places where an organizer got stuck or was misled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.events import services as events
from groundswell.events.models import FollowUp
from groundswell.people import services as people
from groundswell.people.models import SavedList
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser

ORG = "/o/front-street"


def make_event(personas, *, days: float = 5, hours: float = 4):
    organizer = personas.member("organizer")
    starts = timezone.now() + timedelta(days=days)
    with scope(organization=personas.org):
        return events.create_event(
            organizer, kind="block_party", title_en="Front Street Block Party",
            title_es="Fiesta de cuadra de Front Street",
            starts_at=starts, ends_at=starts + timedelta(hours=hours),
            place_name="Lote de Front y Somerset", street="2700 N Front St")


def add_person(personas, **fields):
    with scope(organization=personas.org):
        return people.create_person(personas.member("organizer"), **fields)


def spanish(membership):
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    return membership


# --- 1. follow-up actions ---------------------------------------------------------------------


def test_follow_up_actions_need_only_their_own_fields(new_context, personas):
    event = make_event(personas, days=-10)
    for name in ("Rosa", "Luis"):
        person = add_person(personas, given_name=name, family_name="Martínez")
        with scope(organization=personas.org):
            events.record_attendance(personas.member("program_staff"), event, person,
                                     at=event.starts_at)
    organizer = personas.member("organizer")
    page = new_context(viewport=PHONE).new_page()
    log_in(page, organizer.user)
    page.goto(f"{ORG}/events/{event.pk}/follow-up/")

    # Nobody ticked: the refusal is a message in the page, not a bubble.
    submit(page, "button:has-text('Assign follow-up')")
    expect(page.locator(".message.error")).to_contain_text("Tick at least one person")

    page.check("input[data-tick-all]")
    page.select_option("#id_assignee", str(organizer.pk))
    submit(page, "button:has-text('Assign follow-up')")
    expect(page.locator(".message.success")).to_contain_text("2 follow-ups assigned")
    check_and_capture(page, "center-day-follow-up")

    page.check("input[data-tick-all]")
    page.fill("#id_name", "")
    submit(page, "button:has-text('Save as a call list')")
    expect(page.locator(".message.error")).to_contain_text("Name of the call list")
    page.check("input[data-tick-all]")
    submit(page, "button:has-text('Save as a call list')")
    expect(page.locator(".message.success")).to_contain_text("2 people")
    with scopes_disabled():
        assert FollowUp.objects.filter(assigned_to=organizer).count() == 2
        assert SavedList.objects.count() == 1
