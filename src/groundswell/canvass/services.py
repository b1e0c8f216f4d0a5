"""Door-knocking writes: efforts and their scripts, walk lists in walking order,
revisit lists, and syncing door visits recorded on phones (idempotent by the phone's
own id). Every visit with a person lands on that person's timeline, and script
answers act through the people services (tags, grievances, engagement ratings,
consent to rapid-response alerts with the exact wording shown)."""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from groundswell.canvass.models import (
    CATEGORY_SUFFIX,
    SKIPPED_FOR_GOOD,
    DoorVisit,
    Effort,
    Question,
    WalkList,
    WalkListEntry,
)
from groundswell.core import audit
from groundswell.core.bilingual import in_language
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Base, Membership
from groundswell.core.permissions import can, require
from groundswell.events import services as events
from groundswell.events.models import Event
from groundswell.geo import geometry as geo
from groundswell.geo import routing, turfcut
from groundswell.geo.models import Turf
from groundswell.geo.services import households_in
from groundswell.people import services as people
from groundswell.people.forms import rapid_response_wording
from groundswell.people.models import (
    LANGUAGE_CHOICES,
    Consent,
    Grievance,
    Household,
    Interaction,
    Person,
    Residence,
)
from groundswell.people.services import door

MAX_VISITS_PER_SYNC = 500
MAX_NOTES = 2000
MAX_ANSWER = 1000
MAX_AGE = timedelta(days=60)
logger = logging.getLogger(__name__)
REVISIT_OUTCOMES = (DoorVisit.Outcome.NOT_HOME, DoorVisit.Outcome.COME_BACK,
                    DoorVisit.Outcome.LIT_DROP)


# --- efforts and scripts -------------------------------------------------------------------


def _clean(value: str, field: str, limit: int, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise InvalidInput(field, _("This is required."))
    if len(value) > limit:
        raise InvalidInput(field, _("That is too long (%(limit)s characters at most).")
                           % {"limit": limit})
    return value


def create_effort(actor: Membership, *, name: str, purpose: str = "", base: Base | None = None,
                  needs_phone: bool = False, name_es: str = "", purpose_es: str = "") -> Effort:
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    with transaction.atomic():
        effort = Effort.objects.create(organization=actor.organization, name=name,
                                       name_es=(name_es or "").strip()[:120],
                                       purpose=(purpose or "").strip()[:2000],
                                       purpose_es=(purpose_es or "").strip()[:2000], base=base,
                                       needs_phone=needs_phone, created_by=actor.user)
        audit.record("canvass.effort.created", by=actor, obj=effort,
                     data={"needs_phone": needs_phone})
    return effort


def update_effort(actor: Membership, effort: Effort, *, name: str, purpose: str = "",
                  base: Base | None = None, needs_phone: bool = False,
                  archived: bool = False, name_es: str = "", purpose_es: str = "") -> Effort:
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    with transaction.atomic():
        effort.name, effort.purpose, effort.base = name, (purpose or "").strip()[:2000], base
        effort.name_es = (name_es or "").strip()[:120]
        effort.purpose_es = (purpose_es or "").strip()[:2000]
        effort.needs_phone = needs_phone
        if archived and effort.archived_at is None:
            effort.archived_at = timezone.now()
        elif not archived:
            effort.archived_at = None
        effort.save()
        audit.record("canvass.effort.updated", by=actor, obj=effort,
                     data={"needs_phone": needs_phone, "archived": archived})
    return effort


def add_question(actor: Membership, effort: Effort, *, kind: str, text_en: str, text_es: str,
                 choices: list[dict[str, str]] | None = None, action: str = "",
                 trigger: str = "", action_value: str = "", event: Any = None) -> Question:
    require(actor, "canvass.manage")
    if kind not in Question.Kind.values:
        raise InvalidInput("kind", _("Choose a kind of answer."))
    text_en = _clean(text_en, "text_en", 300)
    text_es = _clean(text_es, "text_es", 300)
    choices = choices or []
    if kind == Question.Kind.CHOICE:
        cleaned = []
        for choice in choices:
            en = _clean(choice.get("en", ""), "choices", 100, required=False)
            es = _clean(choice.get("es", ""), "choices", 100, required=False) or en
            if en:
                cleaned.append({"en": en, "es": es})
        if len(cleaned) < 2:
            raise InvalidInput("choices", _("A choice question needs at least two choices, "
                                            "one per line: English | Spanish."))
        choices = cleaned
    else:
        choices = []
    if action not in Question.Action.values:
        raise InvalidInput("action", _("Choose what an answer does."))
    trigger = _clean(trigger, "trigger", 100, required=False)
    action_value = _clean(action_value, "action_value", 60, required=False)
    if action == Question.Action.TAG and not action_value:
        raise InvalidInput("action_value", _("Name the tag to add."))
    if action == Question.Action.GRIEVANCE:
        # One category fixes it; several are offered at the door; none lets the canvasser
        # pick any (a resident's problem is rarely the one the script expected).
        named = [c.strip() for c in action_value.split(",") if c.strip()]
        if any(c not in Grievance.Category.values for c in named):
            raise InvalidInput("action_value", _("Choose the grievance category: %(list)s.")
                               % {"list": ", ".join(Grievance.Category.values)})
        action_value = ",".join(c for c in Grievance.Category.values if c in named)
    if action == Question.Action.ASSESSMENT and kind != Question.Kind.SCALE:
        raise InvalidInput("action", _("Only a 1 to 5 scale question can rate engagement."))
    if action == Question.Action.CONSENT and kind != Question.Kind.YES_NO:
        raise InvalidInput("action", _("Consent to alerts needs a yes or no question."))
    if action == Question.Action.CONSENT:
        trigger = "yes"  # consent is only ever a yes
    if action == Question.Action.RSVP:
        if kind != Question.Kind.YES_NO:
            raise InvalidInput("action", _("An RSVP needs a yes or no question."))
        if event is None or event.organization_id != effort.organization_id:
            raise InvalidInput("event", _("Choose the event they RSVP to."))
        if event.cancelled_at is not None:
            raise InvalidInput("event", _("That event was cancelled."))
        trigger = "yes"
    else:
        event = None
    if kind == Question.Kind.YES_NO and trigger and trigger not in ("yes", "no"):
        raise InvalidInput("trigger", _("For a yes or no question write yes or no."))
    if kind == Question.Kind.CHOICE and trigger and trigger not in [c["en"] for c in choices]:
        raise InvalidInput("trigger", _("Write one of the choices, in English."))
    with transaction.atomic():
        position = (effort.questions.aggregate(m=Max("position"))["m"] or 0) + 1
        question = Question.objects.create(
            organization=effort.organization, effort=effort, position=position, kind=kind,
            text_en=text_en, text_es=text_es, choices=choices, action=action, trigger=trigger,
            action_value=action_value, event=event)
        audit.record("canvass.question.added", by=actor, obj=question,
                     data={"effort": effort.pk, "kind": kind, "action": action})
    return question


def remove_question(actor: Membership, question: Question) -> None:
    require(actor, "canvass.manage")
    with transaction.atomic():
        audit.record("canvass.question.removed", by=actor, obj=question.effort,
                     data={"question": question.pk})
        question.delete()


# --- walk lists ------------------------------------------------------------------------------


def _doors(households: list[Household]) -> list[routing.Door]:
    doors = []
    for h in households:
        face = turfcut.block_face(h.address.street)
        doors.append(routing.Door(
            key=h.pk, lat=float(h.address.latitude), lon=float(h.address.longitude),  # type: ignore[arg-type]
            face=face[0] if face else (), number=face[1] if face else 0, unit=h.unit))
    return doors


def last_outcomes(household_ids: list[int], walk_lists: QuerySet[WalkList] | None = None
                  ) -> dict[int, DoorVisit]:
    """The latest visit of each household (within these walk lists, when given)."""
    qs = DoorVisit.objects.filter(household_id__in=household_ids)
    if walk_lists is not None:
        qs = qs.filter(walk_list__in=walk_lists)
    latest: dict[int, DoorVisit] = {}
    for visit in qs.order_by("household_id", "-occurred_at", "-pk"):
        latest.setdefault(visit.household_id, visit)
    return latest


def _check_canvassers(actor: Membership, canvassers: list[Membership]) -> None:
    for member in canvassers:
        if member.organization_id != actor.organization_id:
            raise InvalidInput("canvassers", _("Choose members of this organization."))


def _walking_order(walk_list: WalkList, households: list[Household]) -> list[int]:
    """The households' ids in knocking order: the placed ones as the shortest walk
    from the list's start point (or the shortest tour opened at its longest step),
    then those without a place on the map, by street."""
    placed = [h for h in households if h.address.latitude is not None]
    unplaced = sorted((h for h in households if h.address.latitude is None),
                      key=lambda h: (h.address.street, h.unit))
    return routing.walk_order(_doors(placed), start=walk_list.start) + \
        [h.pk for h in unplaced]


def _fill(walk_list: WalkList, households: list[Household]) -> None:
    order = _walking_order(walk_list, households)
    WalkListEntry.objects.bulk_create([
        WalkListEntry(organization=walk_list.organization, walk_list=walk_list,
                      household_id=pk, position=position)
        for position, pk in enumerate(order, start=1)])


def _check_start(start: tuple[float, float] | None) -> tuple[Decimal, Decimal] | None:
    """A start point as stored (degrees to six places), or a clear refusal."""
    if start is None:
        return None
    try:
        lat, lon = (Decimal(f"{float(v):.6f}") for v in start)
    except (TypeError, ValueError, ArithmeticError):
        raise InvalidInput("start", _("Give the start point as latitude, longitude, "
                                      "for example 39.9834, -75.1331.")) from None
    if not (lat.is_finite() and lon.is_finite()) or \
            not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("start", _("Give the start point as latitude, longitude, "
                                      "for example 39.9834, -75.1331."))
    return lat, lon


def set_walk_list_start(actor: Membership, walk_list: WalkList,
                        start: tuple[float, float] | None) -> WalkList:
    """Start the list's walk at a point the organizer or one of its canvassers picks
    (their car, the office; None: no fixed start) and put its doors in the shortest
    walking order from there. Doors already knocked keep their place in the order like
    the rest: the list is reordered whole."""
    allowed = can(actor, "canvass.manage") or (
        can(actor, "canvass.knock")
        and WalkList.objects.visible_to(actor).filter(pk=walk_list.pk).exists())
    if not allowed:
        raise PermissionDenied
    if walk_list.archived_at is not None:
        raise InvalidInput("start", _("That walk list is archived."))
    stored = _check_start(start)
    with transaction.atomic():
        walk_list.start_latitude, walk_list.start_longitude = stored or (None, None)
        walk_list.save(update_fields=["start_latitude", "start_longitude"])
        entries = {e.household_id: e for e in walk_list.entries.select_for_update()
                   .select_related("household__address")}
        order = _walking_order(walk_list, [e.household for e in entries.values()])
        for position, pk in enumerate(order, start=1):
            entries[pk].position = position
        WalkListEntry.objects.bulk_update(list(entries.values()), ["position"])
        audit.record("canvass.walklist.start_set", by=actor, obj=walk_list,
                     data={"start": None if stored is None else [str(v) for v in stored]})
    return walk_list


def create_walk_list(actor: Membership, *, effort: Effort, turf: Turf, name: str,
                     canvassers: list[Membership] | None = None,
                     skip_done: bool = True,
                     start: tuple[float, float] | None = None) -> WalkList:
    """The turf's households for the effort, in walking order (from ``start``,
    latitude and longitude, when given). Households already on another open list of
    the effort are left out (each door once per effort), and with ``skip_done`` so are
    those whose last visit found them refused, moved or vacant."""
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    stored = _check_start(start)
    canvassers = canvassers or []
    _check_canvassers(actor, canvassers)
    if effort.archived_at is not None:
        raise InvalidInput("effort", _("That effort is archived."))
    if turf.archived_at is not None:
        raise InvalidInput("turf", _("That turf is archived."))
    shape = geo.parse_polygon(turf.geometry)
    with transaction.atomic():
        taken = WalkListEntry.objects.filter(walk_list__effort=effort,
                                             walk_list__archived_at__isnull=True) \
            .values_list("household_id", flat=True)
        households = list(households_in(shape).exclude(pk__in=taken).select_related("address"))
        if skip_done:
            latest = last_outcomes([h.pk for h in households])
            households = [h for h in households
                          if h.pk not in latest or latest[h.pk].outcome not in SKIPPED_FOR_GOOD]
        if not households:
            raise InvalidInput("turf", _("No households of that turf are left to visit for "
                                         "this effort."))
        walk_list = WalkList.objects.create(organization=actor.organization, effort=effort,
                                            turf=turf, name=name, created_by=actor.user,
                                            start_latitude=stored and stored[0],
                                            start_longitude=stored and stored[1])
        walk_list.canvassers.set(canvassers)
        _fill(walk_list, households)
        audit.record("canvass.walklist.created", by=actor, obj=walk_list,
                     data={"effort": effort.pk, "turf": turf.pk, "households": len(households),
                           "canvassers": sorted(m.pk for m in canvassers)})
    return walk_list


@dataclass
class PeopleWalkList:
    walk_list: WalkList
    households: int
    no_home: int  # chosen people without a current household
    taken: int  # households already on another open list of the effort


def create_walk_list_for_people(actor: Membership, *, effort: Effort, persons: list[Person],
                                name: str, canvassers: list[Membership] | None = None,
                                start: tuple[float, float] | None = None
                                ) -> PeopleWalkList:
    """The current households of chosen people (an event's follow-up list) as a walk
    list, in walking order. As with a turf's list, a door already on another open list
    of the effort is left out, so each door is knocked once per effort."""
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    stored = _check_start(start)
    canvassers = canvassers or []
    _check_canvassers(actor, canvassers)
    if effort.organization_id != actor.organization_id:
        raise InvalidInput("effort", _("Choose an effort of this organization."))
    if effort.archived_at is not None:
        raise InvalidInput("effort", _("That effort is archived."))
    if not persons:
        raise InvalidInput("people", _("Choose at least one person."))
    if any(p.organization_id != actor.organization_id for p in persons):
        raise InvalidInput("people", _("Choose people of this organization."))
    with transaction.atomic():
        homes = dict(Residence.objects.filter(
            person__in=persons, ended_on__isnull=True).order_by("person_id", "started_on")
            .values_list("person_id", "household_id"))
        taken = set(WalkListEntry.objects.filter(
            walk_list__effort=effort, walk_list__archived_at__isnull=True,
            household_id__in=set(homes.values())).values_list("household_id", flat=True))
        wanted = set(homes.values()) - taken
        if not wanted:
            raise InvalidInput("people", _(
                "None of these people has a door left to knock for this effort: they have "
                "no address, or their door is already on an open list of the effort."))
        households = list(Household.objects.filter(pk__in=wanted).select_related("address"))
        walk_list = WalkList.objects.create(organization=actor.organization, effort=effort,
                                            turf=None, name=name, created_by=actor.user,
                                            start_latitude=stored and stored[0],
                                            start_longitude=stored and stored[1])
        walk_list.canvassers.set(canvassers)
        _fill(walk_list, households)
        audit.record("canvass.walklist.created", by=actor, obj=walk_list,
                     data={"effort": effort.pk, "people": len(persons),
                           "households": len(households),
                           "canvassers": sorted(m.pk for m in canvassers)})
    return PeopleWalkList(walk_list, len(households),
                          no_home=len([p for p in persons if p.pk not in homes]),
                          taken=len(set(homes.values()) & taken))


def create_revisit_list(actor: Membership, walk_list: WalkList) -> WalkList:
    """One click: a new list of the doors whose last knock on this list found nobody
    home or asked to come back later, in walking order, for the same canvassers."""
    require(actor, "canvass.manage")
    ids = list(walk_list.entries.values_list("household_id", flat=True))
    latest = last_outcomes(ids, WalkList.objects.filter(pk=walk_list.pk))
    again = [pk for pk, visit in latest.items() if visit.outcome in REVISIT_OUTCOMES]
    if not again:
        raise InvalidInput("walk_list", _("No door on this list is waiting for another "
                                          "knock."))
    with transaction.atomic():
        revisit = WalkList.objects.create(
            organization=actor.organization, effort=walk_list.effort, turf=walk_list.turf,
            name=(_("%(name)s — revisit") % {"name": walk_list.name})[:120],
            revisit_of=walk_list, created_by=actor.user,
            start_latitude=walk_list.start_latitude, start_longitude=walk_list.start_longitude)
        revisit.canvassers.set(walk_list.canvassers.all())
        _fill(revisit, list(Household.objects.filter(pk__in=again).select_related("address")))
        audit.record("canvass.walklist.created", by=actor, obj=revisit,
                     data={"effort": walk_list.effort_id, "revisit_of": walk_list.pk,
                           "households": len(again)})
    return revisit


def update_walk_list(actor: Membership, walk_list: WalkList, *, name: str,
                     canvassers: list[Membership], archived: bool = False) -> WalkList:
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    _check_canvassers(actor, canvassers)
    with transaction.atomic():
        walk_list.name = name
        walk_list.archived_at = (walk_list.archived_at or timezone.now()) if archived else None
        walk_list.save(update_fields=["name", "archived_at"])
        walk_list.canvassers.set(canvassers)
        audit.record("canvass.walklist.updated", by=actor, obj=walk_list,
                     data={"canvassers": sorted(m.pk for m in canvassers), "archived": archived})
    return walk_list


# --- what a canvasser may see ------------------------------------------------------------------


def visible_households(membership: Membership) -> QuerySet[Household]:
    """The households on the walk lists this member may see (a canvasser: only theirs)."""
    lists = WalkList.objects.visible_to(membership)
    return Household.objects.filter(
        pk__in=WalkListEntry.objects.filter(walk_list__in=lists).values("household_id"))


def app_data(membership: Membership, walk_list: WalkList, language: str) -> dict[str, Any]:
    """Everything the canvasser app needs to work offline for one list: the doors in
    order with who lives there and what happened last time, and the script. Phone
    numbers only when the effort needs them."""
    effort = walk_list.effort
    entries = list(walk_list.entries.select_related("household__address"))
    ids = [e.household_id for e in entries]
    residents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    current = Residence.objects.filter(household_id__in=ids, ended_on__isnull=True,
                                       person__merged_into__isnull=True,
                                       person__forgotten_at__isnull=True) \
        .select_related("person").order_by("person__given_name")
    person_ids = []
    for residence in current:
        person = residence.person
        person_ids.append(person.pk)
        residents[residence.household_id].append({
            "id": person.pk, "name": person.display_name,
            # The language's name, never its code: "(en)" means nothing at the door.
            "language": str(person.get_language_display()) if person.language else ""})
    if effort.needs_phone:
        from groundswell.people.models import ContactPoint
        from groundswell.people.normalize import format_phone

        phones: dict[int, list[str]] = defaultdict(list)
        for contact in ContactPoint.objects.filter(person_id__in=person_ids,
                                                   kind=ContactPoint.Kind.PHONE,
                                                   opted_out_at__isnull=True):
            phones[contact.person_id].append(format_phone(contact.value))
        for people_here in residents.values():
            for person in people_here:
                person["phones"] = phones.get(person["id"], [])
        if phones:  # every showing of phone numbers is audited, as a reveal is
            audit.record("canvass.phones.shown", by=membership, obj=walk_list,
                         data={"people": len(phones), "numbers": sum(map(len, phones.values()))})
    latest = last_outcomes(ids)
    outcome_labels = dict(DoorVisit.Outcome.choices)
    doors = []
    for entry in entries:
        h = entry.household
        last = latest.get(h.pk)
        doors.append({
            "id": h.pk, "position": entry.position, "street": h.address.street,
            "unit": h.unit,
            "lat": float(h.address.latitude) if h.address.latitude is not None else None,
            "lon": float(h.address.longitude) if h.address.longitude is not None else None,
            "residents": residents.get(h.pk, []),
            "last": {"outcome": last.outcome, "label": str(outcome_labels[last.outcome]),
                     "date": timezone.localtime(last.occurred_at).date().isoformat(),
                     "notes": last.notes} if last else None,
        })
    questions = [{
        "id": q.pk, "kind": q.kind, "text": q.text(language),
        "choices": [{"value": c["en"], "label": c["es"] if language == "es" else c["en"]}
                    for c in q.choices],
        "consent_wording": rapid_response_wording(language)
        if q.action == Question.Action.CONSENT else "",
    } for q in effort.questions.all()]
    return {"walk_list": walk_list.pk,
            "effort": in_language(language, effort.name, effort.name_es), "name": walk_list.name,
            "language": language, "needs_phone": effort.needs_phone, "doors": doors,
            "questions": questions}


# --- syncing visits ------------------------------------------------------------------------------
#
# A phone may hold visits for days before it finds signal, so a sync is judged visit by
# visit: each is saved or refused on its own, with its own reason, and nothing about
# one visit (nor a server fault while saving it) costs the others. Only a body that is
# not a sync at all ({"visits": [...]}) is refused whole.
#
# Time. The phone writes down when each visit happened by its own clock, which may be
# minutes or hours off. With each sync it also sends its clock's time at sending
# (``sent_at``); the difference from the server's clock at receipt is how far the
# phone's clock is off, and each visit's time is corrected by it. A visit can never
# have happened after the server received it, so a time still in the future (the
# clock was changed between the visit and the sync, or no ``sent_at`` came) becomes
# the time of receipt. The phone's own time is kept beside it (phone_occurred_at) and
# the receipt time in synced_at. Only a visit more than 60 days old is refused.


class MalformedPayload(DomainError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(_("The visits could not be read, so none was saved."))
        self.errors = errors


class VisitRefused(DomainError):
    """One visit of a sync cannot be saved as sent; the others are judged alone."""


@dataclass
class VisitIn:
    client_id: uuid.UUID
    walk_list: int
    household: int | None
    outcome: str
    occurred_at: datetime
    answers: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    person: int | None = None
    new_person: dict[str, str] | None = None
    new_unit: str | None = None
    address_of: int | None = None
    language: str = "en"
    phone_occurred_at: datetime | None = None


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError
    return int(value)


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def clock_offset(sent_at: Any, received_at: datetime) -> timedelta:
    """How far behind the phone's clock is (negative: the phone is fast), from the time
    it says it sent the sync. Zero when it did not say or said nonsense; the network's
    few seconds of delay count as drift, which is harmless."""
    sent = _aware(sent_at)
    if sent is None:
        return timedelta(0)
    return received_at - sent


def judge_time(phone_time: datetime, offset: timedelta, received_at: datetime) -> datetime:
    """When a visit happened by the server's clock: the phone's time corrected by the
    phone clock's offset, and never later than the visit reached the server."""
    try:
        corrected = phone_time + offset
    except OverflowError:
        corrected = received_at
    return min(corrected, received_at)


def parse_visit(raw: Any, *, received_at: datetime,
                offset: timedelta = timedelta(0)) -> VisitIn:
    """One visit of a sync, checked; ``VisitRefused`` says everything wrong with it."""
    if not isinstance(raw, dict):
        raise VisitRefused(_("This visit cannot be read."))
    try:
        client_id = uuid.UUID(str(raw.get("id", "")))
    except ValueError:
        raise VisitRefused(_("This visit has no valid id.")) from None
    try:
        walk_list = _int_or_none(raw.get("walk_list"))
        household = _int_or_none(raw.get("household"))
        person = _int_or_none(raw.get("person"))
        address_of = _int_or_none(raw.get("address_of"))
    except (ValueError, TypeError):
        raise VisitRefused(_("This visit has an id that is not a number.")) from None
    phone_time = _aware(raw.get("occurred_at"))
    problems = []
    if walk_list is None:
        problems.append(_("no walk list"))
    if raw.get("outcome") not in DoorVisit.Outcome.values:
        problems.append(_("an unknown outcome"))
    occurred = None
    if phone_time is None:
        problems.append(_("no time"))
    else:
        occurred = judge_time(phone_time, offset, received_at)
        if occurred < received_at - MAX_AGE:
            problems.append(_("a time more than 60 days ago"))
    answers = raw.get("answers") or {}
    if not isinstance(answers, dict) or any(
            not isinstance(v, str | int) or isinstance(v, bool) or len(str(v)) > MAX_ANSWER
            for v in answers.values()):
        problems.append(_("answers that are not a list of short texts"))
    notes = raw.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        problems.append(_("notes longer than 2,000 characters"))
    new_person = raw.get("new_person")
    if new_person is not None and (not isinstance(new_person, dict) or any(
            not isinstance(v, str) or len(v) > 100 for v in new_person.values())):
        problems.append(_("a new person that cannot be read"))
    new_unit = raw.get("new_unit")
    if new_unit is not None and (not isinstance(new_unit, str) or len(new_unit) > 60):
        problems.append(_("a new household that cannot be read"))
    if household is None and (new_unit is None or address_of is None):
        problems.append(_("no household"))
    if problems:
        raise VisitRefused(_("This visit has %(problems)s.")
                           % {"problems": ", ".join(str(p) for p in problems)})
    languages = {code for code, _label in LANGUAGE_CHOICES}
    return VisitIn(
        client_id=client_id, walk_list=walk_list, household=household,  # type: ignore[arg-type]
        outcome=raw["outcome"], occurred_at=occurred,  # type: ignore[arg-type]
        answers={str(k): v for k, v in answers.items()}, notes=notes.strip(),
        person=person, new_person=new_person, new_unit=new_unit, address_of=address_of,
        language=raw.get("language") if raw.get("language") in languages else "en",
        phone_occurred_at=phone_time)


def parse_payload(payload: Any) -> list[Any]:
    """The list of visits of a sync; ``MalformedPayload`` only when the body is not a
    sync at all. The visits themselves are judged one by one (``parse_visit``)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("visits"), list):
        raise MalformedPayload([_("Expected an object with a list of visits.")])
    return payload["visits"]


@dataclass
class SyncResult:
    id: str
    # "saved", "already_saved", "rejected" (about this visit: the phone shows why and
    # stops sending it), or "retry" (not about it: not looked at in this sync, or the
    # server failed while saving it; the phone keeps it and sends it again).
    status: str
    error: str = ""
    visit: int | None = None


def _raw_id(raw: Any) -> str:
    return str(raw.get("id", ""))[:64] if isinstance(raw, dict) else ""


def sync_visits(actor: Membership, payload: Any,
                received_at: datetime | None = None) -> list[SyncResult]:
    """Save the visits a phone queued, one by one, answering for each. Idempotent: a
    visit whose id was already saved is reported as such and changes nothing. Each
    visit is saved whole or not at all, and one refused (not on the canvasser's list, a
    time 60 days old) leaves the others alone. Visits past the first 500 are answered
    "retry", as is one whose saving failed on the server's side."""
    require(actor, "canvass.knock")
    raw_visits = parse_payload(payload)
    received_at = received_at or timezone.now()
    offset = clock_offset(payload.get("sent_at"), received_at)
    results = []
    for index, raw in enumerate(raw_visits):
        if index >= MAX_VISITS_PER_SYNC:
            results.append(SyncResult(_raw_id(raw), "retry", _(
                "Not looked at: at most 500 visits per sync. It is sent again.")))
            continue
        try:
            visit = parse_visit(raw, received_at=received_at, offset=offset)
        except VisitRefused as refused:
            results.append(SyncResult(_raw_id(raw), "rejected", refused.message))
            continue
        results.append(_sync_one(actor, visit, received_at))
    if raw_visits:
        counts = Counter(r.status for r in results)
        with transaction.atomic():
            audit.record("canvass.visits.synced", by=actor, data={
                        "saved": counts["saved"], "already_saved": counts["already_saved"],
                        "rejected": counts["rejected"], "retry": counts["retry"],
                        "clock_offset_seconds": round(offset.total_seconds())})
    return results


def _sync_one(actor: Membership, visit: VisitIn, received_at: datetime) -> SyncResult:
    key = str(visit.client_id)
    try:
        return _save_visit(actor, visit, received_at)
    except IntegrityError:
        # The same visit arriving twice at once (the phone sent again while the first
        # sync was still running): the other request saved it.
        existing = DoorVisit.objects.filter(client_id=visit.client_id).first()
        if existing is not None:
            return SyncResult(key, "already_saved", visit=existing.pk)
        logger.exception("Saving door visit %s failed", key)
    except DomainError as error:
        return SyncResult(key, "rejected", error.message)
    except Exception:
        # A fault of ours, not of the visit: the others are still saved, and the phone
        # keeps this one and sends it again.
        logger.exception("Saving door visit %s failed", key)
    return SyncResult(key, "retry", _("The server could not save this visit now. It is "
                                      "kept on the phone and sent again."))


def _save_visit(actor: Membership, visit: VisitIn, received_at: datetime) -> SyncResult:
    key = str(visit.client_id)
    existing = DoorVisit.objects.filter(client_id=visit.client_id).first()
    if existing is not None:
        return SyncResult(key, "already_saved", visit=existing.pk)
    walk_list = WalkList.objects.visible_to(actor).select_related("effort") \
        .filter(pk=visit.walk_list).first()
    if walk_list is None:
        return SyncResult(key, "rejected", _("That walk list is not assigned to you."))
    with transaction.atomic():
        household = _household_for(actor, walk_list, visit)
        person = _person_for(actor, household, visit)
        door_visit = DoorVisit.objects.create(
            organization=actor.organization, client_id=visit.client_id,
            walk_list=walk_list, household=household, person=person,
            canvasser=actor, outcome=visit.outcome,
            answers=_clean_answers(walk_list.effort, visit.answers), notes=visit.notes,
            occurred_at=visit.occurred_at, phone_occurred_at=visit.phone_occurred_at,
            synced_at=received_at, added_person=visit.new_person is not None)
        if person is not None:
            label = DoorVisit.Outcome(visit.outcome).label
            summary = f"{walk_list.effort.name}: {label}"
            if visit.notes:
                summary += f"\n{visit.notes}"
            people.record_interaction(actor, person, kind=Interaction.Kind.DOOR_VISIT,
                                      occurred_at=visit.occurred_at, summary=summary,
                                      source=("canvass.doorvisit", str(door_visit.pk)))
            if visit.outcome == DoorVisit.Outcome.TALKED:
                _act_on_answers(actor, walk_list.effort, person, door_visit.answers,
                                visit.language)
        audit.record("canvass.visit.recorded", by=actor, obj=door_visit,
                     data={"walk_list": walk_list.pk, "household": household.pk,
                           "outcome": visit.outcome,
                           "person": person.pk if person else None,
                           "clock_corrected": visit.occurred_at != visit.phone_occurred_at})
    return SyncResult(key, "saved", visit=door_visit.pk)


def _household_for(actor: Membership, walk_list: WalkList, visit: VisitIn) -> Household:
    entries = WalkListEntry.objects.filter(walk_list=walk_list)
    if visit.household is not None:
        entry = entries.filter(household_id=visit.household).select_related(
            "household").first()
        if entry is None:
            raise InvalidInput("household", _("That household is not on this walk list."))
        return entry.household
    # A household found at the door: another unit of a building on the list.
    entry = entries.filter(household_id=visit.address_of).select_related(
        "household__address").first()
    if entry is None:
        raise InvalidInput("household", _("That building is not on this walk list."))
    address = entry.household.address
    household = people.find_or_create_household(
        actor.organization, street=address.street, unit=visit.new_unit or "",
        city=address.city, state=address.state, postal_code=address.postal_code,
        base=address.base)
    if not entries.filter(household=household).exists():
        WalkListEntry.objects.create(
            organization=actor.organization, walk_list=walk_list, household=household,
            position=entry.position, added_at_door=True)
    return household


def _person_for(actor: Membership, household: Household, visit: VisitIn) -> Person | None:
    if visit.new_person is not None:
        data = visit.new_person
        return door.add_person_at_door(
            actor, household, given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            language=data.get("language", "") if data.get("language") in
            {c for c, _label in LANGUAGE_CHOICES} else "",
            phone=data.get("phone", ""))
    if visit.person is None:
        return None
    residence = Residence.objects.filter(household=household, person_id=visit.person,
                                         ended_on__isnull=True).select_related("person").first()
    if residence is None:
        raise InvalidInput("person", _("That person does not live in this household."))
    return residence.person


def _clean_answers(effort: Effort, answers: dict[str, Any]) -> dict[str, Any]:
    questions = {str(q.pk): q for q in effort.questions.all()}
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        if key.endswith(CATEGORY_SUFFIX):
            question = questions.get(key.removesuffix(CATEGORY_SUFFIX))
            if question is None or question.action != Question.Action.GRIEVANCE:
                raise InvalidInput("answers", _("An answer is for a question this effort "
                                                "does not ask."))
            category = str(value).strip()
            if category and category not in question.offered_categories():
                raise InvalidInput("answers", _("A grievance was given a category the "
                                                "question does not offer."))
            if category:
                cleaned[key] = category
            continue
        question = questions.get(key)
        if question is None:
            raise InvalidInput("answers", _("An answer is for a question this effort does "
                                            "not ask."))
        text = str(value).strip()
        if text == "":
            continue
        if question.kind == Question.Kind.YES_NO and text not in ("yes", "no"):
            raise InvalidInput("answers", _("A yes or no question was answered with "
                                            "something else."))
        if question.kind == Question.Kind.CHOICE and text not in \
                [c["en"] for c in question.choices]:
            raise InvalidInput("answers", _("A choice question was answered with something "
                                            "not offered."))
        if question.kind == Question.Kind.SCALE:
            if text not in {"1", "2", "3", "4", "5"}:
                raise InvalidInput("answers", _("A scale question needs a number from 1 "
                                                "to 5."))
            cleaned[key] = int(text)
            continue
        cleaned[key] = text
    return cleaned


def _act_on_answers(actor: Membership, effort: Effort, person: Person,
                    answers: dict[str, Any], language: str) -> None:
    for question in effort.questions.exclude(action=""):
        answer = answers.get(str(question.pk))
        if answer is None or (question.trigger and str(answer) != question.trigger):
            continue
        if question.action == Question.Action.TAG:
            door.tag_at_door(actor, person, question.action_value)
        elif question.action == Question.Action.GRIEVANCE:
            text = str(answer) if question.kind == Question.Kind.TEXT else question.text_en
            offered = question.offered_categories()
            picked = answers.get(f"{question.pk}{CATEGORY_SUFFIX}")
            # Not picked (an older phone's queued visit): the words are kept as "other"
            # rather than filed under a guess.
            category = picked or (offered[0] if len(offered) == 1 else
                                  Grievance.Category.OTHER)
            door.grievance_at_door(actor, person, category=category, text=text)
        elif question.action == Question.Action.ASSESSMENT:
            door.rating_at_door(actor, person, level=int(answer),
                                reason=_("At the door: %(effort)s") % {"effort": effort.name})
        elif question.action == Question.Action.CONSENT:
            # The exact wording the canvasser's screen showed, in the language shown.
            door.consent_at_door(actor, person, channel=Consent.Channel.SMS,
                                 purpose=Consent.Purpose.RAPID_RESPONSE,
                                 wording=rapid_response_wording(language))
        elif question.action == Question.Action.RSVP and question.event_id:
            _rsvp(actor, question, person)


def _rsvp(actor: Membership, question: Question, person: Person) -> None:
    """An RSVP through the events service. Already RSVP'd, a full or a cancelled event
    leaves the RSVP out but keeps the visit: what was said at the door still counts."""
    event = Event.objects.filter(pk=question.event_id).first()
    if event is None:
        return
    try:
        with transaction.atomic():
            events.rsvp_at_door(actor, event, person)
    except DomainError:
        pass


# --- progress ------------------------------------------------------------------------------------


def progress(walk_lists: QuerySet[WalkList]) -> dict[str, Any]:
    """Doors knocked, contact rate, outcomes, answers tally, sign-ups and per-canvasser
    figures for these walk lists."""
    entries = WalkListEntry.objects.filter(walk_list__in=walk_lists)
    households = entries.values("household_id").distinct().count()
    visits = list(DoorVisit.objects.filter(walk_list__in=walk_lists)
                  .select_related("canvasser__user"))
    knocked = {v.household_id for v in visits}
    reached = {v.household_id for v in visits if v.outcome == DoorVisit.Outcome.TALKED}
    outcomes = Counter(v.outcome for v in visits)
    questions = list(Question.objects.filter(effort__walk_lists__in=walk_lists).distinct())
    tally: dict[int, Counter[str]] = {q.pk: Counter() for q in questions}
    signups = 0
    consent_ids = {str(q.pk) for q in questions if q.action == Question.Action.CONSENT}
    for visit in visits:
        for key, value in visit.answers.items():
            if key.isdigit() and int(key) in tally:
                tally[int(key)][str(value)] += 1
            if key in consent_ids and value == "yes" and visit.person_id:
                signups += 1
    per_canvasser: dict[int | None, dict[str, Any]] = {}
    for visit in visits:
        row = per_canvasser.setdefault(visit.canvasser_id, {
            "name": str(visit.canvasser.user) if visit.canvasser else _("Former member"),
            "visits": 0, "talked": 0, "added": 0})
        row["visits"] += 1
        row["talked"] += visit.outcome == DoorVisit.Outcome.TALKED
        row["added"] += visit.added_person
    outcome_labels = dict(DoorVisit.Outcome.choices)
    return {
        "households": households,
        "visits": len(visits),
        "knocked": len(knocked),
        "reached": len(reached),
        "contact_rate": round(100 * len(reached) / len(knocked)) if knocked else 0,
        "done_percent": round(100 * len(knocked) / households) if households else 0,
        "outcomes": [(outcome_labels[key], outcomes[key]) for key in DoorVisit.Outcome.values
                     if outcomes[key]],
        "answers": [(q, [(_choice_label(q, a), n) for a, n in tally[q.pk].most_common()])
                    for q in questions],
        "signups": signups,
        "canvassers": sorted(per_canvasser.values(), key=lambda r: -r["visits"]),
    }


def _choice_label(question: Question, answer: str) -> str:
    if question.kind == Question.Kind.YES_NO:
        return str(_("Yes") if answer == "yes" else _("No"))
    return answer
