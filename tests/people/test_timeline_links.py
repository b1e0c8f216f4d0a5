"""A timeline entry links to what it came from, registered by the area that wrote it
(people.timeline), and only for a member who may see that page."""

import uuid

from django.urls import reverse
from django.utils import timezone

from groundswell.canvass import services as canvass
from groundswell.core.models import Role
from groundswell.events import services as events
from groundswell.people.services import current_residence
from tests.canvass.helpers import walk_list
from tests.conftest import login
from tests.events.helpers import make_event


def test_attendance_and_door_visits_link_to_their_event_and_walk_list(in_org, client):
    admin, canvasser = in_org.member(Role.ADMIN), in_org.member(Role.CANVASSER)
    wl, residents, _questions = walk_list(admin, [canvasser], count=2)
    ana = residents[0]
    event = make_event(admin, days=0, hours=2, title_en="Tenant meeting")
    events.record_attendance(admin, event, ana)
    canvass.sync_visits(canvasser, {"visits": [{
        "id": str(uuid.uuid4()), "walk_list": wl.pk, "person": ana.pk,
        "household": current_residence(ana).household_id, "outcome": "talked",
        "occurred_at": timezone.now().isoformat()}]})
    slug = in_org.org.slug
    event_url = reverse("event", args=[slug, event.pk])
    walk_url = reverse("walklist", args=[slug, wl.pk])

    page = login(client, in_org.member(Role.ORGANIZER)).get(
        reverse("person", args=[slug, ana.pk])).content.decode()
    assert f'href="{event_url}"' in page and "Tenant meeting" in page
    assert f'href="{walk_url}"' in page

    # A dispatcher sees people and events but not door-knocking: no walk list link.
    client.logout()
    page = login(client, in_org.member(Role.DISPATCHER)).get(
        reverse("person", args=[slug, ana.pk])).content.decode()
    assert f'href="{event_url}"' in page
    assert f'href="{walk_url}"' not in page
