"""Follow-up after an event: assigning calls, marking them done, saving a call list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import can, require
from groundswell.events.models import (
    Attendance,
    Event,
    FollowUp,
)
from groundswell.people import services as people
from groundswell.people.models import (
    Person,
    SavedList,
    Tag,
)
from groundswell.people.normalize import clean_name

# --- follow-up ------------------------------------------------------------------------------------


def assign_follow_ups(actor: Membership, event: Event,
                      people_reasons: Iterable[tuple[Person, str]],
                      assignee: Membership | None) -> int:
    """Give these attendees to an organizer to get back to (or unassign them with
    ``assignee=None``). Existing follow-ups are re-assigned, not duplicated."""
    require(actor, "events.follow_up")
    if assignee is not None and (assignee.organization_id != event.organization_id
                                 or not can(assignee, "people.view")):
        raise InvalidInput("assignee", _("Choose a member who can see people."))
    items = list(people_reasons)
    if not items:
        raise InvalidInput("people", _("Choose at least one person."))
    attendees = set(Attendance.objects.filter(event=event).values_list("person_id", flat=True))
    with transaction.atomic():
        for person, reason in items:
            if person.pk not in attendees:
                raise InvalidInput("people", _("Only people who came to this event can be "
                                               "followed up here."))
            if reason not in FollowUp.Reason.values:
                raise InvalidInput("reason", _("Choose why they need a follow-up."))
            FollowUp.objects.update_or_create(
                organization=event.organization, event=event, person=person,
                defaults={"reason": reason, "assigned_to": assignee,
                          "assigned_by": actor.user, "done_at": None})
        audit.record("events.follow_up.assigned", by=actor, obj=event,
                     data={"count": len(items), "assignee": assignee.pk if assignee else None})
    return len(items)


def complete_follow_up(actor: Membership, follow_up: FollowUp) -> FollowUp:
    """Done: the organizer assigned it (or an organizer) got back to them."""
    if not (can(actor, "events.follow_up") or (
            follow_up.assigned_to_id == actor.pk and can(actor, "people.view"))):
        require(actor, "events.follow_up")
    with transaction.atomic():
        if follow_up.done_at is not None:
            raise DomainError(_("This follow-up is already done."))
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done_at"])
        audit.record("events.follow_up.done", by=actor, obj=follow_up,
                     data={"event": follow_up.event_id, "person": follow_up.person_id})
    return follow_up


def save_call_list(actor: Membership, event: Event, persons: Sequence[Person], *,
                   name: str) -> SavedList:
    """Turn a follow-up list into a call list: the people get a tag named after the
    list and a saved people list selects that tag, so it opens from People like any
    other list."""
    require(actor, "events.follow_up")
    require(actor, "people.edit")
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("name", _("Give the list a name."))
    if len(name) > 60:
        raise InvalidInput("name", _("That name is too long (60 characters at most)."))
    if not persons:
        raise InvalidInput("people", _("Choose at least one person."))
    with transaction.atomic():
        people.tag_people(actor, persons, name)
        tag = Tag.objects.get(organization=event.organization, name=clean_name(name)[:60])
        saved = people.save_list(actor, name=name, filters={"tag": str(tag.pk)})
        audit.record("events.follow_up.listed", by=actor, obj=saved,
                     data={"event": event.pk, "count": len(persons)})
    return saved
