"""Walk lists in walking order (from a turf, from a list of people, revisits) and what a
canvasser may see of them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.canvass.models import (
    SKIPPED_FOR_GOOD,
    DoorVisit,
    Effort,
    Question,
    WalkList,
    WalkListEntry,
)
from groundswell.canvass.services.efforts import _clean
from groundswell.core import audit
from groundswell.core.bilingual import in_language
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import can, require
from groundswell.geo import geometry as geo
from groundswell.geo import routing, turfcut
from groundswell.geo.models import Turf
from groundswell.geo.services import households_in
from groundswell.people.forms import rapid_response_wording
from groundswell.people.models import (
    ContactPoint,
    Household,
    Person,
    Residence,
)
from groundswell.people.normalize import format_phone

REVISIT_OUTCOMES = (DoorVisit.Outcome.NOT_HOME, DoorVisit.Outcome.COME_BACK,
                    DoorVisit.Outcome.LIT_DROP)


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
