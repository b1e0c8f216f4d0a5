"""What the navigation shows: the main areas (a bar across the top on a wide screen,
inside the Menu on a phone) and, on the home screen, the five things each role does
most, one tap away.

The web area sits above every other area, so it may name their pages; each entry is
shown only when the member's role has the entry's capability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Role
from groundswell.core.permissions import can


@dataclass(frozen=True)
class Entry:
    key: str
    label: str | Promise
    url_name: str
    capability: str


ENTRIES: dict[str, Entry] = {e.key: e for e in [
    Entry("people", _("People"), "people", "people.view"),
    Entry("add_person", _("Add a person"), "person_create", "people.edit"),
    Entry("map", _("Map"), "geo_map", "geo.view"),
    Entry("door_knocking", _("Door knocking"), "efforts", "canvass.view"),
    Entry("my_lists", _("My walk lists"), "my_lists", "canvass.knock"),
    Entry("events", _("Events"), "events", "events.view"),
    Entry("follow_ups", _("My follow-ups"), "my_follow_ups", "events.view"),
    Entry("programs", _("Programs"), "programs", "programs.view"),
    Entry("distributions", _("Distributions"), "distributions", "programs.distribute"),
    Entry("stock", _("Stock"), "stock", "programs.stock"),
    Entry("inbox", _("Inbox"), "messaging_inbox", "messaging.view"),
    Entry("send", _("Send a message"), "messaging_compose", "messaging.send"),
    Entry("rapid_response", _("Rapid response"), "rr_home", "rapidresponse.view"),
    Entry("import", _("Import a spreadsheet"), "imports", "imports.manage"),
    Entry("members", _("Members"), "members", "members.view"),
    Entry("invite", _("Invite a member"), "member_invite", "members.manage"),
    Entry("audit", _("Audit log"), "audit_log", "audit.view"),
]}

# The bar across the top of a wide screen: one entry per area.
MAIN_AREAS = ["people", "map", "door_knocking", "my_lists", "events", "programs", "inbox",
              "rapid_response"]

# The five things each role does most, in the order they are tapped.
TOP_TASKS: dict[str, list[str]] = {
    Role.ADMIN: ["people", "members", "invite", "import", "audit"],
    Role.ORGANIZER: ["people", "events", "door_knocking", "follow_ups", "send"],
    Role.CANVASSER: ["my_lists"],
    Role.DISPATCHER: ["rapid_response", "inbox", "people", "events", "follow_ups"],
    Role.PROGRAM_STAFF: ["programs", "distributions", "events", "people", "stock"],
}


@dataclass(frozen=True)
class Link:
    key: str
    label: str | Promise
    url: str
    current: bool = False


def _links(membership: Any, keys: list[str], path: str = "") -> list[Link]:
    if membership is None:
        return []
    slug = membership.organization.slug
    links = []
    for key in keys:
        entry = ENTRIES[key]
        if can(membership, entry.capability):
            url = reverse(entry.url_name, args=[slug])
            links.append(Link(key, entry.label, url, current=path.startswith(url)))
    return links


def main_areas(membership: Any, path: str = "") -> list[Link]:
    return _links(membership, MAIN_AREAS, path)


def top_tasks(membership: Any) -> list[Link]:
    return _links(membership, TOP_TASKS.get(membership.role, []) if membership else [])[:5]
