"""Volunteer shifts: adding them, sign-ups by staff and on the public page, the waiting
list, reminders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.events.models import (
    Event,
    Shift,
    ShiftSignup,
)
from groundswell.messaging import services as messaging
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

# --- shifts -------------------------------------------------------------------------------------


def add_shift(actor: Membership, event: Event, *, role: str, starts_at: datetime,
              ends_at: datetime, slots: int = 1, notes: str = "") -> Shift:
    require(actor, "events.manage")
    if role not in Shift.Role.values:
        raise InvalidInput("role", _("Choose a role."))
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise InvalidInput("starts_at", _("Give the start and end times."))
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", _("The shift ends before it starts."))
    if ends_at - starts_at > timedelta(hours=24):
        raise InvalidInput("ends_at", _("A shift lasts 24 hours at most."))
    if not isinstance(slots, int) or not 1 <= slots <= 500:
        raise InvalidInput("slots", _("A shift needs 1 to 500 people."))
    if len(notes) > 300:
        raise InvalidInput("notes", _("That is too long (300 characters at most)."))
    with transaction.atomic():
        shift = Shift.objects.create(organization=event.organization, event=event, role=role,
                                     starts_at=starts_at, ends_at=ends_at, slots=slots,
                                     notes=notes.strip())
        audit.record("events.shift.created", by=actor, obj=shift,
                     data={"event": event.pk, "role": role})
    return shift


def delete_shift(actor: Membership, shift: Shift) -> None:
    require(actor, "events.manage")
    with transaction.atomic():
        audit.record("events.shift.deleted", by=actor, obj=shift,
                     data={"event": shift.event_id, "signups": shift.signups.count()})
        shift.delete()


def sign_up_for_shift(actor: Membership, shift: Shift, person: Person) -> ShiftSignup:
    """Staff put a volunteer on a shift; refused when it is full or they are on it."""
    require(actor, "events.sign_in")
    if person.organization_id != shift.organization_id or person.merged_into_id \
            or person.forgotten_at:
        raise InvalidInput("person", _("Choose someone from this organization."))
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=shift.pk)
        if places_taken(shift) >= shift.slots:
            raise InvalidInput("person", _("This shift is full."))
        try:
            with transaction.atomic():
                signup = ShiftSignup.objects.create(organization=shift.organization,
                                                    shift=shift, person=person,
                                                    signed_up_by=actor.user)
        except IntegrityError:
            raise InvalidInput("person", _("They are already on this shift.")) from None
        audit.record("events.shift.signed_up", by=actor, obj=signup,
                     data={"shift": shift.pk, "person": person.pk})
    return signup


def cancel_shift_signup(actor: Membership, signup: ShiftSignup) -> ShiftSignup | None:
    """Take a volunteer off a shift. The place they leave goes to the first person on
    the shift's waitlist, who is returned (None when nobody moves up)."""
    require(actor, "events.sign_in")
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
        audit.record("events.shift.signup_cancelled", by=actor, obj=signup,
                     data={"shift": signup.shift_id, "person": signup.person_id,
                           "waitlisted": signup.waitlisted})
        signup.delete()
        return _fill_from_waitlist(actor, shift)


def places_taken(shift: Shift) -> int:
    return shift.signups.filter(waitlisted=False).count()


def _fill_from_waitlist(actor: Membership | None, shift: Shift) -> ShiftSignup | None:
    """Call with the shift locked: the earliest waitlisted volunteer takes a free place."""
    if places_taken(shift) >= shift.slots:
        return None
    first = shift.signups.filter(waitlisted=True).order_by("created_at", "pk").first()
    if first is not None:
        first.waitlisted = False
        first.save(update_fields=["waitlisted"])
        audit.record("events.shift.waitlist_moved_up", by=actor, organization=shift.organization,
                     obj=first, data={"shift": shift.pk, "person": first.person_id})
    return first


@dataclass(frozen=True)
class OpenShift:
    shift: Shift
    places_left: int  # 0: full, new volunteers go on the waitlist


def open_shifts(event: Event) -> list[OpenShift]:
    """The event's shifts still to come, for the public page."""
    shifts = event.shifts.filter(starts_at__gt=timezone.now()).annotate(
        taken=Count("signups", filter=Q(signups__waitlisted=False))).order_by("starts_at", "pk")
    return [OpenShift(s, max(0, s.slots - s.taken)) for s in shifts]



def volunteer_for_shift(shift: Shift, resident: Resident, *,
                        consents: Sequence[ConsentGiven] = ()) -> ShiftSignup:
    """A volunteer signs themselves up on the public page: matched to their one record
    (or added, as an RSVP is), with the consents they ticked (source "web", exact
    wording). On the waitlist when the shift is full. Refused, with nothing saved, when
    the event is closed or they are already on the shift."""
    org = shift.organization
    check_public_resident(resident, consents)
    with transaction.atomic():
        shift = Shift.objects.select_for_update().select_related("event").get(pk=shift.pk)
        event = shift.event
        if not event.rsvp_open or event.cancelled_at or event.is_past \
                or shift.starts_at <= timezone.now():
            raise DomainError(_("Sign-ups for this shift are closed."))
        person, created = find_or_add_resident(org, resident)
        if ShiftSignup.objects.filter(shift=shift, person=person).exists():
            raise DomainError(_("You are already signed up for this shift. Thank you!"))
        signup = ShiftSignup.objects.create(
            organization=org, shift=shift, person=person,
            waitlisted=places_taken(shift) >= shift.slots)
        for consent in consents:
            people.record_consent(None, person, channel=consent.channel,
                                  purpose=consent.purpose, source="web",
                                  wording=consent.wording, organization=org)
        audit.record("events.shift.volunteered", organization=org, obj=signup,
                     data={"shift": shift.pk, "person": person.pk, "new_person": created,
                           "waitlisted": signup.waitlisted})
    return signup


@dataclass(frozen=True)
class Reminders:
    queued: int  # texts in the outbox
    unreachable: int  # no consent to event texts, no phone, or opted out


def _reminder_bodies(shift: Shift) -> tuple[str, str]:
    """The reminder in English and Spanish. Braces are merge fields to the outbox, so
    a title's own braces are softened."""
    bodies = []
    for language in ("en", "es"):
        with translation.override(language):
            when = date_format(timezone.localtime(shift.starts_at), "DATETIME_FORMAT")
            text = _("Hi {first_name}: a reminder of your shift (%(role)s) at %(event)s, "
                     "%(when)s. Thank you! {organization}") % {
                "role": shift.get_role_display(), "when": when,
                "event": shift.event.title_in(language).replace("{", "(").replace("}", ")")}
        bodies.append(text)
    return bodies[0], bodies[1]


def send_shift_reminders(actor: Membership | None, event: Event, *,
                         organization: Organization | None = None) -> Reminders:
    """Queue a text reminder (through the messaging outbox, purpose "events") to each
    volunteer of the event's shifts still to come who has not had one. ``actor`` None:
    the scheduled command. People without consent to event texts are counted, not
    texted (the outbox records why)."""
    if actor is not None:
        require(actor, "events.manage")
    org = actor.organization if actor is not None else organization
    if org is None or org.pk != event.organization_id:
        raise ValueError("The reminders' organization must be the event's.")
    queued = unreachable = 0
    with transaction.atomic():
        signups = (ShiftSignup.objects.select_for_update()
                   .filter(shift__event=event, reminded_at__isnull=True, waitlisted=False,
                           shift__starts_at__gt=timezone.now())
                   .select_related("shift__event", "person"))
        for signup in signups:
            body_en, body_es = _reminder_bodies(signup.shift)
            message = messaging.enqueue_sms(
                actor, person=signup.person, purpose="events",
                cause_key=f"events:shift-reminder:{signup.pk}", body_en=body_en,
                body_es=body_es, organization=org)
            if message.status == "suppressed":
                unreachable += 1
                continue
            signup.reminded_at = timezone.now()
            signup.save(update_fields=["reminded_at"])
            queued += 1
        audit.record("events.shift.reminded", by=actor, organization=org, obj=event,
                     data={"queued": queued, "unreachable": unreachable})
    return Reminders(queued, unreachable)
