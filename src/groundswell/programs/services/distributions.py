"""Distributions and the households served at them (stock taken, once per household)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import can, require
from groundswell.events import services as events
from groundswell.people import services as people
from groundswell.people.models import Household, Interaction, Person
from groundswell.programs import stats
from groundswell.programs.models import (
    Distribution,
    Item,
    Program,
    Service,
    ServiceItem,
    StockEntry,
)
from groundswell.programs.services.base import MAX_QUANTITY, _text
from groundswell.programs.services.catalog import _lock_items, on_hand

# --- distributions ----------------------------------------------------------------------------


def _distribution_fields(actor: Membership, *, name: str, kind: str, place: str,
                         program: Program | None, event: Any) -> tuple[str, str, str]:
    """A distribution's name, kind and place as they will be saved, checked the same way
    when it is set up and when it is corrected."""
    require(actor, "programs.distribute")
    name = _text(name, "name", 150, required=True, message=_("Give the distribution a name."))
    if kind not in Distribution.Kind.values:
        raise InvalidInput("kind", _("Choose the kind of distribution."))
    if program is not None and not Program.objects.visible_to(actor).filter(
            pk=program.pk).exists():
        raise InvalidInput("program", _("Choose one of your programs."))
    if event is not None:
        if event.organization_id != actor.organization_id:
            raise InvalidInput("event", _("Choose one of this organization's events."))
        kind = Distribution.Kind.EVENT
    elif kind == Distribution.Kind.EVENT:
        raise InvalidInput("event", _("Choose the event the distribution is part of."))
    return name, kind, _text(place, "place", 200)


def create_distribution(actor: Membership, *, name: str, held_on: date,
                        kind: str = Distribution.Kind.PANTRY_DAY, place: str = "",
                        program: Program | None = None, event: Any = None) -> Distribution:
    """A standing pantry day, or the table at an event (``event``: an events.Event)."""
    name, kind, place = _distribution_fields(actor, name=name, kind=kind, place=place,
                                             program=program, event=event)
    with transaction.atomic():
        distribution = Distribution.objects.create(
            organization=actor.organization, name=name, held_on=held_on, kind=kind,
            place=place, program=program, event=event)
        audit.record("programs.distribution.created", by=actor, obj=distribution,
                     data={"held_on": held_on.isoformat()})
    return distribution


def update_distribution(actor: Membership, distribution: Distribution, *, name: str,
                        held_on: date, kind: str = Distribution.Kind.PANTRY_DAY,
                        place: str = "", program: Program | None = None,
                        event: Any = None) -> Distribution:
    """Correct a distribution (a wrong date, name, place or event). Its households keep
    their goods; a new date moves their services and timeline entries with it. Audited
    with what was and what is."""
    name, kind, place = _distribution_fields(actor, name=name, kind=kind, place=place,
                                             program=program, event=event)
    with transaction.atomic():
        distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
        fields = ("name", "held_on", "kind", "place", "program_id", "event_id")
        before = {f: getattr(distribution, f) for f in fields}
        distribution.name, distribution.held_on, distribution.kind = name, held_on, kind
        distribution.place, distribution.program, distribution.event = place, program, event
        after = {f: getattr(distribution, f) for f in fields}
        changed = {f: [str(before[f]) if before[f] is not None else None,
                       str(after[f]) if after[f] is not None else None]
                   for f in fields if before[f] != after[f]}
        if not changed:
            return distribution
        distribution.save(update_fields=[f.removesuffix("_id") for f in changed])
        if "held_on" in changed:
            moved = _occurred_at(held_on)
            for service in distribution.services.select_related("person"):
                service.served_on, service.served_at = held_on, moved
                service.save(update_fields=["served_on", "served_at"])
                source = ("programs.service", str(service.pk))
                people.withdraw_interaction(service.person, source)
                people.record_interaction(
                    actor, service.person, kind=Interaction.Kind.SERVICE, occurred_at=moved,
                    summary=_("Received goods at %(distribution)s.") % {
                        "distribution": distribution.name}, source=source)
        audit.record("programs.distribution.corrected", by=actor, obj=distribution,
                     data={"changed": changed})
    return distribution


def remove_distribution(actor: Membership, distribution: Distribution) -> int:
    """A distribution entered by mistake: every household's goods go back on hand, their
    services leave the timelines, and the distribution goes. Sign-ins at the event it
    was part of stay (they were there). Returns how many households were taken off."""
    require(actor, "programs.distribute")
    if distribution.organization_id != actor.organization_id:
        raise InvalidInput("distribution", _("Choose a distribution of this organization."))
    with transaction.atomic():
        distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
        served = list(distribution.services.select_related("person"))
        lines = list(ServiceItem.objects.filter(service__in=served))
        _lock_items(line.item_id for line in lines)
        given: dict[str, int] = {}
        for line in lines:
            given[str(line.item_id)] = given.get(str(line.item_id), 0) + line.quantity
        data = {"name": distribution.name, "held_on": distribution.held_on.isoformat(),
                "households": len(served), "items": given}
        for service in served:
            pk, person = service.pk, service.person
            service.delete()  # its items and their stock lines go with it: goods back
            people.withdraw_interaction(person, ("programs.service", str(pk)))
        audit.record("programs.distribution.removed", by=actor, obj=distribution, data=data)
        distribution.delete()
    return len(served)


class AlreadyServed(DomainError):
    """The household (or person) already received goods that day: ask before giving
    again."""

    def __init__(self, previous: list[Service]) -> None:
        super().__init__(_("This household was already served today. Check with them before "
                           "giving more; to give anyway, confirm."))
        self.previous = previous


class NotEnoughStock(DomainError):
    def __init__(self, missing: dict[Item, tuple[int, int]]) -> None:
        parts = [_("%(item)s: %(have)s on hand") % {"item": item.local_name, "have": have}
                 for item, (have, _wanted) in missing.items()]
        super().__init__(_("Not enough stock, nothing was recorded. ") + "; ".join(parts) + ".")
        self.missing = missing


@dataclass
class Served:
    service: Service
    low: list[tuple[Item, int]] = field(default_factory=list)  # items now low, on hand


def previous_services(distribution: Distribution, person: Person) -> list[Service]:
    """Services the same day to this person or to their current household."""
    residence = people.current_residence(person)
    qs = Service.objects.filter(served_on=distribution.held_on)
    if residence is not None:
        qs = qs.filter(household=residence.household) | qs.filter(person=person)
    else:
        qs = qs.filter(person=person)
    return list(qs.select_related("distribution").order_by("served_at"))


def _occurred_at(day: date) -> datetime:
    if day >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12)))


def serve_household(actor: Membership, distribution: Distribution, person: Person,
                    items: Mapping[Item, int], *, repeat_confirmed: bool = False,
                    new_person: bool = False) -> Served:
    """Record goods handed to ``person`` (for their household): stock goes out of the
    ledger, the person's timeline gets the service. Refused, with nothing written, when
    a quantity is not a positive whole number, when stock would go below zero, or —
    unless ``repeat_confirmed`` — when the household was already served that day."""
    require(actor, "programs.distribute")
    events.check_recordable(distribution.held_on, field="distribution")
    if person.organization_id != actor.organization_id or person.merged_into_id \
            or person.forgotten_at:
        raise InvalidInput("person", _("Choose someone from this organization."))
    wanted = {item: quantity for item, quantity in items.items() if quantity}
    if any(not isinstance(q, int) or q < 0 for q in items.values()):
        raise InvalidInput("items", _("Quantities are whole numbers, zero or more."))
    if any(q > MAX_QUANTITY for q in wanted.values()):
        raise InvalidInput("items", _("That is more than %(max)s of one item for one "
                                      "household: check the number.") % {"max": MAX_QUANTITY})
    if not wanted:
        raise InvalidInput("items", _("Write how many of at least one item they received."))
    if any(item.organization_id != actor.organization_id or item.archived_at
           for item in wanted):
        raise InvalidInput("items", _("Choose items from the catalog."))
    residence = people.current_residence(person)
    household: Household | None = residence.household if residence else None
    try:
        with transaction.atomic():
            locked = _lock_items(item.pk for item in wanted)
            have = on_hand(locked)
            missing = stats.shortages(have, {item.pk: q for item, q in wanted.items()})
            if missing:
                raise NotEnoughStock({item: (have.get(item.pk, 0), wanted[item])
                                      for item in wanted if item.pk in missing})
            previous = previous_services(distribution, person)
            if previous and not repeat_confirmed:
                raise AlreadyServed(previous)
            service = Service.objects.create(
                organization=actor.organization, distribution=distribution, person=person,
                household=household, served_on=distribution.held_on,
                served_at=_occurred_at(distribution.held_on),
                repeat_confirmed=bool(previous), recorded_by=actor.user)
            for item, quantity in sorted(wanted.items(), key=lambda pair: pair[0].pk):
                line = ServiceItem.objects.create(organization=actor.organization,
                                                  service=service, item=item,
                                                  quantity=quantity)
                StockEntry.objects.create(organization=actor.organization, item=item,
                                          kind=StockEntry.Kind.GIVEN, quantity=-quantity,
                                          service_item=line, recorded_by=actor.user)
            people.record_interaction(
                actor, person, kind=Interaction.Kind.SERVICE,
                occurred_at=service.served_at,
                summary=_("Received goods at %(distribution)s.") % {
                    "distribution": distribution.name},
                source=("programs.service", str(service.pk)))
            _attend_event(actor, distribution, person, service, new_person=new_person)
            audit.record("programs.service.recorded", by=actor, obj=service, data={
                "distribution": distribution.pk, "person": person.pk,
                "household": household.pk if household else None,
                "items": {str(item.pk): quantity for item, quantity in wanted.items()},
                "repeat": bool(previous)})
    except IntegrityError as exc:  # a constraint the checks above should have caught
        raise DomainError(_("That could not be saved; nothing was recorded. Try again.")) \
            from exc
    after = on_hand(list(wanted))
    thresholds = {item.pk: item.low_stock_at for item in wanted}
    low = stats.low_stock(after, thresholds)
    return Served(service, [(item, after[item.pk]) for item in wanted if item.pk in low])


def remove_service(actor: Membership, service: Service) -> None:
    """A household recorded by mistake: its goods go back on hand (the ledger's lines
    for them go with it) and the entry leaves the person's timeline. A sign-in at the
    event the table was part of stays: they were there."""
    require(actor, "programs.distribute")
    if service.organization_id != actor.organization_id:
        raise InvalidInput("service", _("Choose a household served here."))
    with transaction.atomic():
        service = Service.objects.select_for_update().select_related(
            "distribution", "person").get(pk=service.pk)
        lines = list(service.items.all())
        _lock_items(line.item_id for line in lines)
        data = {"distribution": service.distribution_id, "person": service.person_id,
                "household": service.household_id,
                "items": {str(line.item_id): line.quantity for line in lines}}
        pk = service.pk
        person = service.person
        service.delete()
        people.withdraw_interaction(person, ("programs.service", str(pk)))
        audit.record("programs.service.removed", by=actor, obj=service.distribution,
                     data={**data, "service": pk})


def _attend_event(actor: Membership, distribution: Distribution, person: Person,
                  service: Service, *, new_person: bool) -> None:
    """Served at the table of an event: they were at the event, so the events area
    counts them (its attendance, once per person, with its own timeline entry)."""
    event = distribution.event
    if event is None or event.cancelled_at is not None or not can(actor, "events.sign_in"):
        return
    events.record_attendance(actor, event, person, source="programs", new_person=new_person,
                             at=service.served_at)


def quick_add_and_serve(actor: Membership, distribution: Distribution, *, given_name: str,
                        family_name: str = "", phone: str = "", street: str = "",
                        unit: str = "", language: str = "", items: Mapping[Item, int]
                        ) -> Served:
    """Someone new at the table: their record and their service, both or neither."""
    require(actor, "programs.distribute")
    with transaction.atomic():
        person = people.create_person(actor, given_name=given_name, family_name=family_name,
                                      phone=phone, street=street, unit=unit,
                                      language=language, capability="programs.distribute")
        return serve_household(actor, distribution, person, items, new_person=True)
