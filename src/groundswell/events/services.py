"""Domain operations of the events area. Every write of events, shifts, RSVPs, kiosk
sign-ins, attendance and follow-ups goes through here, in one transaction,
permission-checked and audited (ids only in the audit data).

``actor`` is the acting Membership. The public RSVP page acts for the resident
(``actor=None``); the kiosk acts for the resident at the door but is run by a staff
member, whose membership is checked and recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groundswell.core import audit, ratelimit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Base, Membership, Organization
from groundswell.core.permissions import can, require
from groundswell.events import recording
from groundswell.events.models import (
    RSVP,
    Attendance,
    Event,
    FollowUp,
    Kiosk,
    Shift,
    ShiftSignup,
)
from groundswell.geo import services as geo
from groundswell.people import matching
from groundswell.people import services as people
from groundswell.people.models import (
    ContactPoint,
    DuplicateCandidate,
    Interaction,
    Person,
    SavedList,
    Tag,
)
from groundswell.people.normalize import clean_name
from groundswell.people.search import search_people
from groundswell.people.services.merge import person_record, reasons_of
from groundswell.people.services.records import _parse_email, _parse_phone

MAX_MATERIALS_BYTES = 10 * 1024 * 1024
MATERIAL_SIGNATURES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg"}
MAX_GUESTS = 20
PIN_LENGTHS = range(4, 9)
PIN_ATTEMPTS = 5  # wrong PINs before the kiosk refuses tries for PIN_LOCKOUT
PIN_LOCKOUT = timedelta(minutes=5)


# --- events -----------------------------------------------------------------------------------

EVENT_FIELDS = ("kind", "title_en", "title_es", "description_en", "description_es",
                "starts_at", "ends_at", "place_name", "street", "latitude", "longitude",
                "base", "capacity", "theme", "partner", "rsvp_open")


def materials_kind(upload: UploadedFile) -> str:
    """'pdf', 'png' or 'jpeg' by the file's first bytes (never by its name), or an
    InvalidInput naming the limit that was broken."""
    if upload.size is None or upload.size > MAX_MATERIALS_BYTES:
        raise InvalidInput("materials", _("That file is too large (10 MB at most)."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in MATERIAL_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise InvalidInput("materials", _("Upload a PDF, PNG or JPEG file."))


def _clean_event(org: Organization, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EVENT_FIELDS) - {"materials"}
    if unknown:
        raise ValueError(f"Not an event field: {', '.join(sorted(unknown))}")
    if fields.get("kind") not in Event.Kind.values:
        raise InvalidInput("kind", _("Choose the type of event."))
    for name in ("title_en", "title_es", "place_name", "street", "theme", "partner"):
        fields[name] = (fields.get(name) or "").strip()
        if len(fields[name]) > 200:
            raise InvalidInput(name, _("That is too long (200 characters at most)."))
    for name in ("description_en", "description_es"):
        fields[name] = (fields.get(name) or "").strip()
        if len(fields[name]) > 5000:
            raise InvalidInput(name, _("That is too long (5,000 characters at most)."))
    if not fields["title_en"] and not fields["title_es"]:
        raise InvalidInput("title_en", _("Give the event a title in English or Spanish."))
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if not isinstance(starts, datetime) or not isinstance(ends, datetime):
        raise InvalidInput("starts_at", _("Give the start and end times."))
    if ends < starts:
        raise InvalidInput("ends_at", _("The event ends before it starts."))
    if ends - starts > timedelta(days=14):
        raise InvalidInput("ends_at", _("An event lasts two weeks at most."))
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if (lat is None) != (lon is None):
        raise InvalidInput("latitude", _("Choose the place on the map, or leave both empty."))
    if lat is not None:
        lat, lon = Decimal(str(lat)), Decimal(str(lon))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput("latitude", _("That point is not on the map."))
        fields["latitude"], fields["longitude"] = round(lat, 6), round(lon, 6)
    capacity = fields.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1
                                 or capacity > 100000):
        raise InvalidInput("capacity", _("Capacity is a number of people from 1 up, or "
                                         "empty for no limit."))
    base = fields.get("base")
    if base is not None and (not isinstance(base, Base) or base.organization_id != org.pk):
        raise InvalidInput("base", _("That base is not part of this organization."))
    fields["rsvp_open"] = bool(fields.get("rsvp_open", True))
    upload = fields.get("materials")
    if upload:
        materials_kind(upload)
    return fields


def _place_from_address(fields: dict[str, Any], moved: bool = True) -> None:
    """Put an event with a typed address and no pin where the organization's address
    points say it is (offline geocoding). A pin the organizer dropped is kept, unless
    the address changed and the pin did not move (``moved`` False)."""
    if not fields["street"] or (fields["latitude"] is not None and moved):
        return
    found = geo.locate_street(fields["street"])
    if found is not None:
        fields["latitude"], fields["longitude"] = found


def create_event(actor: Membership, **fields: Any) -> Event:
    require(actor, "events.manage")
    org = actor.organization
    fields = _clean_event(org, dict(fields))
    fields.setdefault("latitude", None)
    _place_from_address(fields)
    with transaction.atomic():
        event = Event(organization=org, created_by=actor.user,
                      **{k: v for k, v in fields.items() if k != "materials"})
        if fields.get("materials"):
            event.materials = fields["materials"]
        event.save()
        audit.record("events.event.created", by=actor, obj=event, data={"kind": event.kind})
    return event


def update_event(actor: Membership, event: Event, **fields: Any) -> Event:
    require(actor, "events.manage")
    current = {name: getattr(event, name) for name in EVENT_FIELDS}
    fields = _clean_event(event.organization, {**current, **fields})
    if fields["street"] != current["street"]:
        _place_from_address(fields, moved=(fields["latitude"], fields["longitude"])
                            != (current["latitude"], current["longitude"]))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        changed = sorted(name for name in EVENT_FIELDS if getattr(event, name) != fields[name])
        for name in EVENT_FIELDS:
            setattr(event, name, fields[name])
        if fields.get("materials"):
            event.materials = fields["materials"]
            changed.append("materials")
        event.save()
        if changed:
            audit.record("events.event.updated", by=actor, obj=event, data={"fields": changed})
    return event


def cancel_event(actor: Membership, event: Event) -> Event:
    require(actor, "events.manage")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at is not None:
            raise DomainError(_("This event is already cancelled."))
        event.cancelled_at = timezone.now()
        event.rsvp_open = False
        event.save(update_fields=["cancelled_at", "rsvp_open"])
        audit.record("events.event.cancelled", by=actor, obj=event)
    return event


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


def _check_public_resident(resident: Resident, consents: Sequence[ConsentGiven]) -> None:
    """What a resident signing up on a public page (an RSVP, a volunteer shift) must give:
    a name, a way to reach them, and the contact each ticked consent is for."""
    if not resident.given_name.strip():
        raise InvalidInput("given_name", _("Please write your name."))
    if not resident.phone.strip() and not resident.email.strip():
        raise InvalidInput("phone", _("Please give a phone number or an email, so we can "
                                      "tell you if anything changes."))
    for consent in consents:
        if consent.channel == "sms" and not resident.phone.strip():
            raise InvalidInput("phone", _("To get text messages, give a phone number."))
        if consent.channel == "email" and not resident.email.strip():
            raise InvalidInput("email", _("To get emails, give an email address."))


def volunteer_for_shift(shift: Shift, resident: Resident, *,
                        consents: Sequence[ConsentGiven] = ()) -> ShiftSignup:
    """A volunteer signs themselves up on the public page: matched to their one record
    (or added, as an RSVP is), with the consents they ticked (source "web", exact
    wording). On the waitlist when the shift is full. Refused, with nothing saved, when
    the event is closed or they are already on the shift."""
    org = shift.organization
    _check_public_resident(resident, consents)
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
    from groundswell.messaging import services as messaging

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


# --- matching a resident to the one record --------------------------------------------------


# A resident who typed their phone or email and a name that is theirs is the same
# person (matching.sure_resident); a name alone (two Marías García on one street), or a
# name that another member of the household could share, only goes to human review.
MATCH_NAME_CANDIDATES = 8  # people with a close name compared in full


@dataclass(frozen=True)
class Match:
    person: Person | None  # the existing person to use, if certain
    possible: tuple[tuple[Person, matching.ScoredPair], ...] = ()  # for review
    #: A candidate would be certain but for another member of the same household who
    #: could be the one here (a son named after his father): ask the resident's year of
    #: birth instead of guessing. Set only when no year was given.
    ask_birth_year: bool = False


def match_resident(org: Organization, *, given_name: str, family_name: str = "",
                   phone: str = "", email: str = "", street: str = "",
                   unit: str = "", birth_year: int | None = None) -> Match:
    """Look for the person a resident describes: candidates from the blind indexes
    (whole phone, email) and the name search, compared with the people area's
    matcher. Certain only when a phone or email agrees (or is the household's), the
    names do not disagree, and nothing leaves room for another member of the same
    household (matching.household_doubt); other pairs above the matcher's threshold
    are returned as possible."""
    record = {"id": "new", "given_name": given_name, "family_name": family_name,
              "phone": [phone] if phone else [], "email": [email] if email else [],
              "street": street, "unit": unit, "birth_year": birth_year}
    people_qs = Person.objects.filter(organization=org).active()

    def scored_for(ids: Iterable[int]) -> list[tuple[Person, matching.ScoredPair]]:
        found = list(people_qs.filter(pk__in=set(ids))
                     .prefetch_related("contacts", "residences__household__address"))
        resident = matching.prepare(record, region=settings.PHONE_REGION)
        pairs = [(c, matching.compare(resident, matching.prepare(
            person_record(c), key=c.pk, region=settings.PHONE_REGION),
            others=lambda value: holders.get(value, 0) - 1)) for c in found]
        return sorted(pairs, key=lambda item: -item[1].score)

    def certain(pairs: list[tuple[Person, matching.ScoredPair]]) -> Person | None:
        for candidate, pair in pairs:
            if matching.sure_resident(pair):
                return candidate
        return None

    def doubtful(pairs: list[tuple[Person, matching.ScoredPair]]) -> bool:
        return birth_year is None and any(
            matching.resident_plausible(pair) and pair.outcomes().get("birth_year") is None
            and matching.household_doubt(pair.outcomes()) for _c, pair in pairs)

    # The blind indexes first: a phone or email that agrees with a name is the person,
    # and then the name search is not needed at all.
    # How many people hold the phone and the email the resident gave: a household's
    # weighs little and settles nothing.
    holders: dict[str, int] = {}
    exact: list[int] = []
    if phone:
        holding = [p.pk for p in people.people_with_phone(org, phone)]
        holders[phone] = len(holding)
        exact += holding
    if email:
        index = ContactPoint._meta.get_field("value").index_for(email)  # type: ignore
        holding = list(ContactPoint.objects.filter(organization=org, value_index=index)
                       .values_list("person_id", flat=True).distinct())
        holders[email] = len(holding)
        exact += holding
    scored = scored_for(exact) if exact else []
    found = certain(scored)
    if found is not None:
        return Match(found)
    # Candidates by name search on the words of the name alone: the index also holds
    # house numbers, units and phones' last four digits, so a number typed in a name
    # ("Acosta 2") would only look for people living at such numbers, at great cost.
    name = " ".join(word for word in f"{given_name} {family_name}".split()
                    if not word.isdigit())
    if name:
        named = [pk for pk in search_people(people_qs, name, limit=MATCH_NAME_CANDIDATES)
                 .values_list("pk", flat=True) if pk not in set(exact)]
        if named:
            scored = sorted([*scored, *scored_for(named)], key=lambda item: -item[1].score)
    found = certain(scored)
    if found is not None:
        return Match(found)
    return Match(None, tuple((c, p) for c, p in scored if p.score >= matching.THRESHOLD),
                 ask_birth_year=doubtful(scored))


def _queue_duplicates(org: Organization, person: Person, match: Match) -> int:
    """Possible duplicates of a new person go to the review queue, never merged here.
    The person was just created, so none of its pairs can be queued yet: one insert for
    all of them (a pair already there would be skipped, never doubled)."""
    pairs = {}
    for other, pair in match.possible:
        first, second = sorted((person.pk, other.pk))
        pairs.setdefault((first, second), DuplicateCandidate(
            organization=org, first_id=first, second_id=second, score=round(pair.score, 2),
            reasons=reasons_of(pair)))
    DuplicateCandidate.objects.bulk_create(pairs.values(), ignore_conflicts=True)
    return len(pairs)


@dataclass(frozen=True)
class Resident:
    """What a resident tells a public form or the kiosk about themself."""

    given_name: str
    family_name: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    unit: str = ""
    language: str = ""
    birth_year: int | None = None  # asked only when the household leaves a doubt


class BirthYearNeeded(InvalidInput):
    """The resident could be one of two members of a household: ask their year of
    birth (the kiosk's one question) instead of guessing."""

    def __init__(self) -> None:
        super().__init__("birth_year", _(
            "Someone in your household has a name like yours. What year were you born?"))


def _birth_year(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1900 <= value <= timezone.now().year:
        raise InvalidInput("birth_year", _("Write the year you were born, like 1985."))
    return value


def find_or_add_resident(org: Organization, resident: Resident, *,
                         ask: bool = False) -> tuple[Person, bool]:
    """The existing person (certain match), or a new one with possible duplicates
    queued for review. Returns (person, created). Call inside a transaction.
    ``ask``: when the resident could be one of two members of a household and gave no
    year of birth, raise BirthYearNeeded (nothing is written) so the kiosk can ask;
    otherwise such a resident is added as new and the pair goes to review."""
    phone = _parse_phone(resident.phone) if resident.phone.strip() else ""
    email = _parse_email(resident.email) if resident.email.strip() else ""
    if len(resident.given_name.strip()) > 100 or len(resident.family_name.strip()) > 100:
        raise InvalidInput("given_name", _("That name is too long (100 characters at most)."))
    birth_year = _birth_year(resident.birth_year)
    match = match_resident(org, given_name=resident.given_name,
                           family_name=resident.family_name, phone=phone, email=email,
                           street=resident.street, unit=resident.unit,
                           birth_year=birth_year)
    if match.person is not None:
        return match.person, False
    if ask and match.ask_birth_year:
        raise BirthYearNeeded()
    person = people.create_person(None, organization=org, given_name=resident.given_name,
                                  family_name=resident.family_name, phone=phone, email=email,
                                  street=resident.street, unit=resident.unit,
                                  language=resident.language, birth_year=birth_year)
    _queue_duplicates(org, person, match)
    return person, True


# --- RSVPs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentGiven:
    channel: str
    purpose: str
    wording: str  # exactly what the resident saw, in their language


def spots_taken(event: Event) -> int:
    taken = event.rsvps.filter(cancelled_at__isnull=True).aggregate(
        people=Sum("guests"))["people"] or 0
    return taken + event.rsvps.filter(cancelled_at__isnull=True).count()


def spots_left(event: Event) -> int | None:
    return None if event.capacity is None else max(0, event.capacity - spots_taken(event))


def public_rsvp(event: Event, resident: Resident, *, guests: int = 0,
                consents: Sequence[ConsentGiven] = (), source_ip: str = "") -> RSVP:
    """A resident's RSVP from the public page: matched to their existing record or
    added, with the consents they ticked (source "web", exact wording). Refused, with
    nothing saved, when the event is closed, full, or they already RSVP'd."""
    org = event.organization
    if not isinstance(guests, int) or not 0 <= guests <= MAX_GUESTS:
        raise InvalidInput("guests", _("Bring at most %(max)s people with you.")
                           % {"max": MAX_GUESTS})
    _check_public_resident(resident, consents)
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


# --- when things can be recorded ------------------------------------------------------------


def check_recordable(first_day: Any, last_day: Any = None, *, field: str = "") -> None:
    """Refuse, with the dates it opens and closes, a record of something on these local
    days outside the one window (``events.recording``): the kiosk and the distribution
    table both ask here."""
    opens, closes = recording.window(first_day, last_day)
    too = recording.outside(timezone.localdate(), first_day, last_day)
    if too is None:
        return
    dates = {"opens": date_format(opens, "DATE_FORMAT"),
             "closes": date_format(closes, "DATE_FORMAT")}
    if too is recording.Too.EARLY:
        message = _("Too early: this can be recorded from %(opens)s (the day before) until "
                    "%(closes)s.") % dates
    else:
        message = _("Too late: this could be recorded until %(closes)s (%(days)s days "
                    "after).") % {**dates, "days": recording.DAYS_AFTER}
    raise InvalidInput(field, message) if field else DomainError(message)


def event_days(event: Event) -> tuple[Any, Any]:
    return timezone.localdate(event.starts_at), timezone.localdate(event.ends_at)


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
