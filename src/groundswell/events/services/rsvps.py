"""RSVPs: the public page, staff and the door-step, cancelling; the spots left."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.events.models import (
    RSVP,
    Event,
)
from groundswell.people import services as people
from groundswell.people.models import (
    Person,
)
from groundswell.people.services.residents import (
    ConsentGiven,
    Resident,
    check_public_resident,
    find_or_add_resident,
)

MAX_GUESTS = 20


# --- RSVPs ---------------------------------------------------------------------------------



def spots_taken(event: Event) -> int:
    taken = event.rsvps.filter(cancelled_at__isnull=True).aggregate(
        people=Sum("guests"))["people"] or 0
    return taken + event.rsvps.filter(cancelled_at__isnull=True).count()


def spots_left(event: Event) -> int | None:
    return None if event.capacity is None else max(0, event.capacity - spots_taken(event))


def public_rsvp(event: Event, resident: Resident, *, guests: int = 0,
                consents: Sequence[ConsentGiven] = ()) -> RSVP:
    """A resident's RSVP from the public page: matched to their existing record or
    added, with the consents they ticked (source "web", exact wording). Refused, with
    nothing saved, when the event is closed, full, or they already RSVP'd."""
    org = event.organization
    if not isinstance(guests, int) or not 0 <= guests <= MAX_GUESTS:
        raise InvalidInput("guests", _("Bring at most %(max)s people with you.")
                           % {"max": MAX_GUESTS})
    check_public_resident(resident, consents)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not event.rsvp_open or event.cancelled_at or event.is_past:
            raise DomainError(_("RSVPs for this event are closed."))
        left = spots_left(event)
        if left is not None and 1 + guests > left:
            if left == 0:
                raise InvalidInput("guests", _("Sorry, this event is full."))
            raise InvalidInput("guests", _("Sorry, only %(left)s places are left.")
                               % {"left": left})
        person, created = find_or_add_resident(org, resident)
        if RSVP.objects.filter(event=event, person=person, cancelled_at__isnull=True).exists():
            raise DomainError(_("You have already RSVP'd for this event. See you there!"))
        rsvp, _new = RSVP.objects.update_or_create(
            organization=org, event=event, person=person,
            defaults={"guests": guests, "source": RSVP.Source.WEB, "new_person": created,
                      "language": resident.language, "cancelled_at": None})
        for consent in consents:
            people.record_consent(None, person, channel=consent.channel,
                                  purpose=consent.purpose, source="web",
                                  wording=consent.wording, organization=org)
        audit.record("events.rsvp.created", organization=org, obj=rsvp,
                     data={"event": event.pk, "person": person.pk, "guests": guests,
                           "new_person": created})
    return rsvp


def record_rsvp(actor: Membership, event: Event, person: Person, *, guests: int = 0) -> RSVP:
    """Staff record an RSVP taken by phone or in person (same limits as the page)."""
    require(actor, "events.sign_in")
    return _staff_rsvp(actor, event, person, guests=guests)


def rsvp_at_door(actor: Membership, event: Event, person: Person) -> RSVP:
    """A resident says yes to an event when a canvasser asks at their door: the
    canvasser's own capability, not the right to run sign-ins."""
    require(actor, "events.rsvp_at_door")
    return _staff_rsvp(actor, event, person, guests=0)


def _staff_rsvp(actor: Membership, event: Event, person: Person, *, guests: int) -> RSVP:
    if not isinstance(guests, int) or not 0 <= guests <= MAX_GUESTS:
        raise InvalidInput("guests", _("Bring at most %(max)s people with you.")
                           % {"max": MAX_GUESTS})
    if person.organization_id != event.organization_id:
        raise InvalidInput("person", _("Choose someone from this organization."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at is not None:
            raise DomainError(_("This event was cancelled."))
        left = spots_left(event)
        if left is not None and 1 + guests > left:
            raise InvalidInput("guests", _("Sorry, this event is full."))
        if RSVP.objects.filter(event=event, person=person, cancelled_at__isnull=True).exists():
            raise DomainError(_("They have already RSVP'd for this event."))
        rsvp, _new = RSVP.objects.update_or_create(
            organization=event.organization, event=event, person=person,
            defaults={"guests": guests, "source": RSVP.Source.STAFF, "cancelled_at": None})
        audit.record("events.rsvp.created", by=actor, obj=rsvp,
                     data={"event": event.pk, "person": person.pk, "guests": guests, "staff": True})
    return rsvp


def cancel_rsvp(actor: Membership, rsvp: RSVP) -> RSVP:
    require(actor, "events.sign_in")
    with transaction.atomic():
        if rsvp.cancelled_at is not None:
            raise DomainError(_("This RSVP is already cancelled."))
        rsvp.cancelled_at = timezone.now()
        rsvp.save(update_fields=["cancelled_at"])
        audit.record("events.rsvp.cancelled", by=actor, obj=rsvp,
                     data={"event": rsvp.event_id, "person": rsvp.person_id})
    return rsvp
