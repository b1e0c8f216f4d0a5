"""Attendance: who came, recorded by staff or at the kiosk, and running a kiosk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit, ratelimit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.events.models import (
    RSVP,
    Attendance,
    Event,
    Kiosk,
)
from groundswell.events.services.events import check_recordable, event_days
from groundswell.people import services as people
from groundswell.people.models import (
    Interaction,
    Person,
)
from groundswell.people.services.residents import ConsentGiven, Resident, find_or_add_resident

PIN_LENGTHS = range(4, 9)
PIN_ATTEMPTS = 5  # wrong PINs before the kiosk refuses tries for PIN_LOCKOUT
PIN_LOCKOUT = timedelta(minutes=5)


# --- attendance ---------------------------------------------------------------------------------


def _attend(org: Organization, event: Event, person: Person, *, source: str,
            new_person: bool, recorded_by: Any, at: datetime | None) -> tuple[Attendance, bool]:
    existing = Attendance.objects.filter(event=event, person=person).first()
    if existing is not None:
        return existing, False
    at = at or timezone.now()
    if not new_person:
        new_person = RSVP.objects.filter(event=event, person=person, new_person=True).exists()
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                organization=org, event=event, person=person, signed_in_at=at, source=source,
                new_person=new_person, recorded_by=recorded_by)
    except IntegrityError:  # signed in by another tablet a moment ago
        return Attendance.objects.get(event=event, person=person), False
    people.record_interaction(None, person, kind=Interaction.Kind.ATTENDANCE,
                              occurred_at=min(at, timezone.now()),
                              summary=event.title_in(person.language or "en"),
                              source=("events.attendance", str(attendance.pk)),
                              organization=org)
    return attendance, True


def record_attendance(actor: Membership, event: Event, person: Person, *,
                      source: str = Attendance.Source.STAFF, new_person: bool = False,
                      at: datetime | None = None) -> Attendance:
    """Someone was at ``event``: one Attendance row per person (a second call returns
    the first row) and an ``attendance`` interaction on their timeline. Other areas
    (a distribution at an event) call this with ``source="programs"``; the actor needs
    ``events.sign_in``."""
    require(actor, "events.sign_in")
    if source not in Attendance.Source.values:
        raise InvalidInput("source", _("Choose how they signed in."))
    if person.organization_id != event.organization_id or person.merged_into_id \
            or person.forgotten_at:
        raise InvalidInput("person", _("Choose someone from this organization."))
    if event.cancelled_at is not None:
        raise DomainError(_("This event was cancelled."))
    with transaction.atomic():
        attendance, created = _attend(event.organization, event, person, source=source,
                                      new_person=new_person, recorded_by=actor.user, at=at)
        if created:
            audit.record("events.attendance.recorded", by=actor, obj=attendance,
                         data={"event": event.pk, "person": person.pk, "source": source,
                               "new_person": attendance.new_person})
    return attendance


# --- the kiosk ------------------------------------------------------------------------------------


def _clean_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not pin.isdigit() or len(pin) not in PIN_LENGTHS:
        raise InvalidInput("pin", _("The PIN is 4 to 8 digits."))
    return pin


def start_kiosk(actor: Membership, event: Event, pin: str) -> Kiosk:
    """Lock a tablet to ``event``'s sign-in; ``pin`` (hashed here) unlocks it."""
    require(actor, "events.sign_in")
    pin = _clean_pin(pin)
    if event.cancelled_at is not None:
        raise DomainError(_("This event was cancelled."))
    check_recordable(*event_days(event))
    with transaction.atomic():
        kiosk = Kiosk.objects.create(organization=event.organization, event=event,
                                     started_by=actor, pin_hash=make_password(pin))
        audit.record("events.kiosk.started", by=actor, obj=kiosk, data={"event": event.pk})
    return kiosk


def end_kiosk(actor: Membership, kiosk: Kiosk, pin: str) -> Kiosk:
    """Unlock with the staff PIN. Wrong PINs are counted; after PIN_ATTEMPTS the
    kiosk refuses every try for PIN_LOCKOUT."""
    require(actor, "events.sign_in")
    if ratelimit.attempts("kiosk-pin", str(kiosk.pk)) >= PIN_ATTEMPTS:
        raise InvalidInput("pin", _("Too many wrong PINs. Wait five minutes and try again."))
    if kiosk.ended_at is not None:
        raise DomainError(_("This kiosk has already ended."))
    if not check_password((pin or "").strip(), kiosk.pin_hash):
        ratelimit.exceeded("kiosk-pin", str(kiosk.pk), limit=PIN_ATTEMPTS, window=PIN_LOCKOUT)
        with transaction.atomic():
            audit.record("events.kiosk.pin_failed", by=actor, obj=kiosk)
        raise InvalidInput("pin", _("That is not the PIN."))
    with transaction.atomic():
        kiosk.ended_at = timezone.now()
        kiosk.save(update_fields=["ended_at"])
        audit.record("events.kiosk.ended", by=actor, obj=kiosk,
                     data={"event": kiosk.event_id, "signed_in": Attendance.objects.filter(
                              event_id=kiosk.event_id, source=Attendance.Source.KIOSK).count()})
    ratelimit.forget("kiosk-pin", str(kiosk.pk))
    return kiosk


def kiosk_sign_in(actor: Membership, kiosk: Kiosk, person: Person) -> tuple[Attendance, bool]:
    """A resident picked themself on the kiosk. Returns (attendance, newly signed in)."""
    require(actor, "events.sign_in")
    if kiosk.ended_at is not None:
        raise DomainError(_("This kiosk has ended."))
    check_recordable(*event_days(kiosk.event))
    if person.organization_id != kiosk.organization_id or person.merged_into_id \
            or person.forgotten_at:
        raise InvalidInput("person", _("Choose someone from this organization."))
    with transaction.atomic():
        attendance, created = _attend(kiosk.organization, kiosk.event, person,
                                      source=Attendance.Source.KIOSK, new_person=False,
                                      recorded_by=actor.user, at=None)
        if created:
            audit.record("events.attendance.recorded", by=actor, obj=attendance,
                         data={"event": kiosk.event_id, "person": person.pk, "source": "kiosk",
                               "kiosk": kiosk.pk, "new_person": attendance.new_person})
    return attendance, created


def kiosk_quick_add(actor: Membership, kiosk: Kiosk, resident: Resident, *,
                    consents: Sequence[ConsentGiven] = ()) -> tuple[Attendance, bool]:
    """A resident who did not find themself: matched to their record if it is certainly
    them (then simply signed in), else added (possible duplicates go to review), with
    the consents they ticked (source "event"), and signed in. Returns (attendance,
    person created)."""
    require(actor, "events.sign_in")
    if kiosk.ended_at is not None:
        raise DomainError(_("This kiosk has ended."))
    check_recordable(*event_days(kiosk.event))
    if not resident.given_name.strip():
        raise InvalidInput("given_name", _("Please write your name."))
    for consent in consents:
        if consent.channel == "sms" and not resident.phone.strip():
            raise InvalidInput("phone", _("To get text messages, give a phone number."))
        if consent.channel == "email" and not resident.email.strip():
            raise InvalidInput("email", _("To get emails, give an email address."))
    org = kiosk.organization
    with transaction.atomic():
        person, created = find_or_add_resident(org, resident, ask=True)
        for consent in consents:
            people.record_consent(None, person, channel=consent.channel,
                                  purpose=consent.purpose, source="event",
                                  wording=consent.wording, organization=org)
        attendance, signed = _attend(org, kiosk.event, person, source=Attendance.Source.KIOSK,
                                     new_person=created, recorded_by=actor.user, at=None)
        if signed:
            audit.record("events.attendance.recorded", by=actor, obj=attendance,
                         data={"event": kiosk.event_id, "person": person.pk, "source": "kiosk",
                               "kiosk": kiosk.pk, "new_person": attendance.new_person})
    return attendance, created
