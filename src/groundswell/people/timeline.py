"""What a timeline entry shows beyond its kind and summary: a link to what it came from.

Every area puts entries on a person's timeline through ``record_interaction`` with a
``source`` ("events.attendance", pk). People cannot know where an event or a walk list
is shown, so the area that wrote the entry registers, from its AppConfig.ready(), how
to link a page of its entries for a member (``register_timeline_link``). A member who
may not see that page gets no link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from groundswell.core.models import Membership
from groundswell.people.models import Interaction

#: (member, source ids) → {source id: (url, what the link says)}; ids it cannot link are left out.
Links = Callable[[Membership, list[str]], dict[str, tuple[str, str]]]


@dataclass(frozen=True)
class TimelineEntry:
    interaction: Interaction
    url: str = ""
    link_text: str = ""


_LINKS: dict[str, Links] = {}


def register_timeline_link(source_type: str, links: Links) -> None:
    if source_type in _LINKS:
        raise ValueError(f"Timeline links registered twice: {source_type!r}")
    _LINKS[source_type] = links


def with_links(membership: Membership, interactions: Iterable[Interaction]
               ) -> list[TimelineEntry]:
    """One page of a timeline, each entry with its link when its area gives one: one
    call per kind of source on the page, not one per entry."""
    interactions = list(interactions)
    wanted: dict[str, list[str]] = defaultdict(list)
    for item in interactions:
        if item.source_type in _LINKS and item.source_id:
            wanted[item.source_type].append(item.source_id)
    found = {source_type: _LINKS[source_type](membership, ids)
             for source_type, ids in wanted.items()}
    entries = []
    for item in interactions:
        url, text = found.get(item.source_type, {}).get(item.source_id, ("", ""))
        entries.append(TimelineEntry(item, url, text))
    return entries
