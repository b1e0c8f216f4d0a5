"""Who to get back to after an event (read-only queries; writes are in services).

Three lists over the event's attendees:

* not contacted: no contact on their timeline (a call, a text, a door visit, a
  one-on-one or a note) in the ``days`` after the event started;
* new people: met for the first time at this event (created at the kiosk, or by an
  RSVP to it);
* grievances: raised a grievance on or after the event's day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from groundswell.core.models import Membership
from groundswell.core.permissions import can
from groundswell.events.models import Attendance, Event, FollowUp
from groundswell.people.models import Grievance, Interaction, Person

CONTACT_KINDS = (Interaction.Kind.CALL, Interaction.Kind.TEXT, Interaction.Kind.DOOR_VISIT,
                 Interaction.Kind.ONE_ON_ONE, Interaction.Kind.NOTE)
DEFAULT_DAYS = 7
MAX_DAYS = 365


def attendees(event: Event, membership: Membership) -> QuerySet[Person]:
    ids = Attendance.objects.filter(event=event).values("person_id")
    return Person.objects.visible_to(membership).filter(pk__in=ids)


def follow_up_list(event: Event, membership: Membership, which: str,
                   days: int = DEFAULT_DAYS) -> QuerySet[Person]:
    """The attendees on one of the three lists, by family name."""
    people = attendees(event, membership)
    if which == "not_contacted":
        start = event.starts_at
        end = start + timedelta(days=max(0, min(days, MAX_DAYS)))
        contacted = Interaction.objects.filter(
            person=OuterRef("pk"), kind__in=CONTACT_KINDS, occurred_at__gte=start,
            occurred_at__lte=min(end, timezone.now() + timedelta(minutes=5)))
        people = people.filter(~Exists(contacted))
    elif which == "new_person":
        people = people.filter(pk__in=Attendance.objects.filter(
            event=event, new_person=True).values("person_id"))
    elif which == "grievance":
        day = timezone.localtime(event.starts_at).date()
        people = people.filter(pk__in=Grievance.objects.filter(
            raised_on__gte=day).values("person_id"))
    else:
        raise ValueError(f"Unknown follow-up list {which!r}")
    return people.order_by("family_name", "given_name", "pk")


@dataclass(frozen=True)
class Row:
    person: Person
    follow_up: FollowUp | None


def rows(event: Event, people: QuerySet[Person]) -> list[Row]:
    follow_ups = {f.person_id: f for f in FollowUp.objects.filter(event=event)
                  .select_related("assigned_to__user")}
    return [Row(person, follow_ups.get(person.pk)) for person in people]


def assigned_to(membership: Membership) -> QuerySet[FollowUp]:
    """A member's open follow-ups, across events."""
    return (FollowUp.objects.filter(assigned_to=membership, done_at__isnull=True)
            .select_related("event", "person").order_by("created_at"))


@dataclass(frozen=True)
class FollowUpAction:
    """One more thing an organizer can do with the ticked people of a follow-up list,
    offered by a higher area (canvass: a walk list of their doors). ``template`` is
    included in the page's action bar with ``form``, made by ``make_form(event,
    ticked_ids)``; it posts to the area's own view."""

    template: str
    capability: str
    make_form: Callable[[Event, list[int]], Any]


_ACTIONS: list[FollowUpAction] = []


def register_follow_up_action(action: FollowUpAction) -> None:
    if action in _ACTIONS:
        raise ValueError(f"Follow-up action registered twice: {action.template}")
    _ACTIONS.append(action)


def actions_for(membership: Membership, event: Event, ids: list[int]) -> list[dict[str, Any]]:
    return [{"template": a.template, "form": a.make_form(event, ids)} for a in _ACTIONS
            if can(membership, a.capability)]
