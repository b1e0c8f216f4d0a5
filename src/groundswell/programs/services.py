"""Domain operations of programs and distributions. Every write goes through here: one
transaction, permission-checked, audited (ids only), and guardians and households
served land on the organizing record through ``people.services.record_interaction``.

Children's details (allergies, medical notes, contacts, pickups, roll call) are only
ever written and read by the members assigned to the program (``Program.staff``):
``require_team`` checks it. Nothing about a child goes to the people timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import can, require
from groundswell.events import services as events
from groundswell.people import services as people
from groundswell.people.models import Household, Interaction, Person, Relationship
from groundswell.people.normalize import NormalizationError, normalize_phone
from groundswell.programs import stats
from groundswell.programs.models import (
    Attendance,
    ChildContact,
    Distribution,
    Enrollment,
    Item,
    Program,
    Service,
    ServiceItem,
    Session,
    StockEntry,
)

MAX_QUANTITY = 1000  # per item per household: more is a typing mistake
MAX_RECEIVED = 100_000

DEFAULT_CATALOG = (
    # (name, Spanish name, counted in, low-stock warning at)
    ("Household-essentials bag", "Bolsa de artículos para el hogar", "bag", 20),
    ("Diapers size 1", "Pañales talla 1", "pack", 5),
    ("Diapers size 2", "Pañales talla 2", "pack", 5),
    ("Diapers size 3", "Pañales talla 3", "pack", 5),
    ("Diapers size 4", "Pañales talla 4", "pack", 5),
    ("Diapers size 5", "Pañales talla 5", "pack", 5),
    ("Diapers size 6", "Pañales talla 6", "pack", 5),
    ("Baby wipes", "Toallitas húmedas", "pack", 5),
    ("Infant formula", "Fórmula infantil", "can", 5),
    ("School supplies kit", "Paquete de útiles escolares", "kit", 10),
)


def _text(value: str, field_name: str, limit: int, *, required: bool = False,
          message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(field_name, message or _("This is required."))
    if len(value) > limit:
        raise InvalidInput(field_name, _("That is too long (%(limit)s characters at most).")
                           % {"limit": limit})
    return value


# --- programs ------------------------------------------------------------------------------


def is_team(membership: Membership, program: Program) -> bool:
    return program.staff.filter(pk=membership.pk).exists()


def require_team(actor: Membership, program: Program) -> None:
    """Children's details are for the members assigned to the program, whatever their
    role (an admin adds themself to the staff first, and that is audited)."""
    require(actor, "programs.run")
    if not is_team(actor, program):
        raise PermissionDenied


def save_program(actor: Membership, program: Program | None = None, *, name: str,
                 partner: str = "", description: str = "", schedule: str = "",
                 name_es: str = "", description_es: str = "", schedule_es: str = "",
                 place: str = "", capacity: int | None = None, starts_on: date | None = None,
                 ends_on: date | None = None,
                 staff: Iterable[Membership] = ()) -> Program:
    require(actor, "programs.manage")
    org = actor.organization
    name = _text(name, "name", 150, required=True, message=_("Give the program a name."))
    if capacity is not None and capacity < 1:
        raise InvalidInput("capacity", _("Places must be at least 1, or empty for no limit."))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput("ends_on", _("The program ends before it starts."))
    staff = list(staff)
    if any(m.organization_id != org.pk for m in staff):
        raise InvalidInput("staff", _("Choose members of this organization."))
    fields = {"name": name, "name_es": _text(name_es, "name_es", 150),
              "partner": _text(partner, "partner", 150),
              "description": _text(description, "description", 5000),
              "description_es": _text(description_es, "description_es", 5000),
              "schedule": _text(schedule, "schedule", 200),
              "schedule_es": _text(schedule_es, "schedule_es", 200),
              "place": _text(place, "place", 200),
              "capacity": capacity, "starts_on": starts_on, "ends_on": ends_on}
    if Program.objects.filter(name__iexact=name).exclude(
            pk=program.pk if program else None).exists():
        raise InvalidInput("name", _("There is already a program with that name."))
    with transaction.atomic():
        created = program is None
        if program is None:
            program = Program.objects.create(organization=org, **fields)
        else:
            for key, value in fields.items():
                setattr(program, key, value)
            program.save(update_fields=list(fields))
        before = set(program.staff.values_list("pk", flat=True))
        program.staff.set(staff)
        after = {m.pk for m in staff}
        audit.record("programs.program.created" if created else "programs.program.updated",
                     by=actor, obj=program, data={"staff_added": sorted(after - before),
                                        "staff_removed": sorted(before - after)})
    return program


# --- enrollment ----------------------------------------------------------------------------------


def set_program_archived(actor: Membership, program: Program, archived: bool) -> Program:
    """A program that ended leaves the programs list; its enrollments, sessions and
    reports stay. Restoring brings it back as it was."""
    require(actor, "programs.manage")
    return _set_archived(actor, program, archived, "programs.program")


def _set_archived(actor: Membership, obj: Any, archived: bool, code: str) -> Any:
    with transaction.atomic():
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        if (obj.archived_at is not None) == archived:
            return obj
        obj.archived_at = timezone.now() if archived else None
        obj.save(update_fields=["archived_at"])
        audit.record(f"{code}.archived" if archived else f"{code}.restored", by=actor, obj=obj)
    return obj


def guardians_children(guardian: Person) -> list[Person]:
    """The people ``guardian`` is recorded as a guardian of."""
    ids = Relationship.objects.filter(person=guardian, kind=Relationship.Kind.GUARDIAN_OF
                                      ).values_list("other_id", flat=True)
    return list(Person.objects.active().filter(pk__in=list(ids)))


def _has_room(program: Program) -> bool:
    if program.capacity is None:
        return True
    taken = program.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    return taken < program.capacity


def enroll_child(actor: Membership, program: Program, *, guardian: Person | None,
                 child: Person | None = None, given_name: str = "", family_name: str = "",
                 birth_year: int | None = None, allergies: str = "", medical_notes: str = "",
                 photo_consent: bool = False) -> Enrollment:
    """Enroll a child (an existing person, or a new one living with the guardian) with a
    guardian; on the waitlist when the program is full. The guardian's timeline gets an
    entry for the program; the child's gets nothing."""
    require_team(actor, program)
    org = actor.organization
    if guardian is None:
        raise InvalidInput("guardian", _("A child is enrolled with a parent or guardian: "
                                         "find them first (or add them to People)."))
    if guardian.organization_id != org.pk or guardian.merged_into_id or guardian.forgotten_at:
        raise InvalidInput("guardian", _("Choose a guardian from this organization."))
    if child is not None and (child.organization_id != org.pk or child.pk == guardian.pk):
        raise InvalidInput("child", _("Choose the child, not the guardian."))
    if child is None and not (given_name or "").strip():
        raise InvalidInput("given_name", _("Write the child's name, or choose them."))
    allergies = _text(allergies, "allergies", 2000)
    medical_notes = _text(medical_notes, "medical_notes", 5000)
    if birth_year is not None and not (timezone.localdate().year - 25 <= birth_year
                                       <= timezone.localdate().year):
        raise InvalidInput("birth_year", _("That year of birth does not look right."))
    residence = people.current_residence(guardian)
    household = residence.household if residence else None
    with transaction.atomic():
        if child is None:
            address = household.address if household else None
            child = people.create_person(
                actor, given_name=given_name, family_name=family_name,
                language=guardian.language, birth_year=birth_year,
                street=address.street if address else "", unit=household.unit if household else "",
                city=address.city if address else "",
                postal_code=address.postal_code if address else "",
                base=guardian.base, capability="programs.run")
        if Enrollment.objects.filter(program=program, child=child).exists():
            raise InvalidInput("child", _("This child is already in the program (or on its "
                                          "waitlist)."))
        people.add_relationship(actor, guardian, child, Relationship.Kind.GUARDIAN_OF,
                                capability="programs.run")
        room = _has_room(program)
        enrollment = Enrollment.objects.create(
            organization=org, program=program, child=child, household=household,
            status=Enrollment.Status.ENROLLED if room else Enrollment.Status.WAITLISTED,
            enrolled_on=timezone.localdate() if room else None,
            waitlisted_at=None if room else timezone.now(),
            allergies=allergies, medical_notes=medical_notes, photo_consent=photo_consent,
            recorded_by=actor.user)
        enrollment.guardians.add(guardian)
        people.record_interaction(
            actor, guardian, kind=Interaction.Kind.SERVICE,
            summary=_("A child in their care joined %(program)s.") % {"program": program.name}
            if room else _("A child in their care is on the waitlist of %(program)s.")
            % {"program": program.name},
            source=("programs.enrollment", str(enrollment.pk)))
        audit.record("programs.enrollment.created", by=actor, obj=enrollment,
                     data={"program": program.pk, "child": child.pk, "guardian": guardian.pk,
                           "status": enrollment.status})
    return enrollment


def add_guardian(actor: Membership, enrollment: Enrollment, guardian: Person) -> None:
    require_team(actor, enrollment.program)
    if guardian.organization_id != actor.organization_id or guardian.pk == enrollment.child_id:
        raise InvalidInput("guardian", _("Choose a guardian from this organization."))
    if enrollment.guardians.filter(pk=guardian.pk).exists():
        raise InvalidInput("guardian", _("They are already a guardian of this child."))
    with transaction.atomic():
        enrollment.guardians.add(guardian)
        people.add_relationship(actor, guardian, enrollment.child,
                                Relationship.Kind.GUARDIAN_OF, capability="programs.run")
        people.record_interaction(
            actor, guardian, kind=Interaction.Kind.SERVICE,
            summary=_("A child in their care is in %(program)s.")
            % {"program": enrollment.program.name},
            source=("programs.enrollment", str(enrollment.pk)))
        audit.record("programs.enrollment.guardian_added", by=actor, obj=enrollment,
                     data={"guardian": guardian.pk})


def update_child_details(actor: Membership, enrollment: Enrollment, *, allergies: str,
                         medical_notes: str, photo_consent: bool) -> Enrollment:
    require_team(actor, enrollment.program)
    enrollment.allergies = _text(allergies, "allergies", 2000)
    enrollment.medical_notes = _text(medical_notes, "medical_notes", 5000)
    changed_consent = enrollment.photo_consent != photo_consent
    enrollment.photo_consent = photo_consent
    with transaction.atomic():
        enrollment.save(update_fields=["allergies", "medical_notes", "photo_consent"])
        # Which fields, never their content.
        audit.record("programs.enrollment.details_changed", by=actor, obj=enrollment,
                     data={"photo_consent": photo_consent} if changed_consent else {})
    return enrollment


def add_child_contact(actor: Membership, enrollment: Enrollment, *, kind: str, name: str,
                      relation: str = "", phone: str = "") -> ChildContact:
    require_team(actor, enrollment.program)
    if kind not in ChildContact.Kind.values:
        raise InvalidInput("kind", _("Choose pickup or emergency contact."))
    name = _text(name, "name", 150, required=True, message=_("Write their name."))
    relation = _text(relation, "relation", 100)
    phone = (phone or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone, settings.PHONE_REGION)
        except NormalizationError as exc:
            raise InvalidInput("phone", _("That is not a phone number we can call. Check the "
                                          "digits and the area code.")) from exc
    elif kind == ChildContact.Kind.EMERGENCY:
        raise InvalidInput("phone", _("An emergency contact needs a phone number."))
    with transaction.atomic():
        contact = ChildContact.objects.create(
            organization=actor.organization, enrollment=enrollment, kind=kind, name=name,
            relation=relation, phone=phone)
        audit.record("programs.child_contact.added", by=actor, obj=contact,
                     data={"enrollment": enrollment.pk, "kind": kind})
    return contact


def remove_child_contact(actor: Membership, contact: ChildContact) -> None:
    require_team(actor, contact.enrollment.program)
    if contact.removed_at is not None:
        raise DomainError(_("That contact was already removed."))
    with transaction.atomic():
        contact.removed_at = timezone.now()
        contact.save(update_fields=["removed_at"])
        audit.record("programs.child_contact.removed", by=actor, obj=contact,
                     data={"enrollment": contact.enrollment_id, "kind": contact.kind})


def set_enrollment_status(actor: Membership, enrollment: Enrollment, status: str) -> Enrollment:
    """Take a child off the waitlist into a free place, or out of the program."""
    require_team(actor, enrollment.program)
    if status not in Enrollment.Status.values or status == enrollment.status:
        raise InvalidInput("status", _("Choose a different status."))
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=enrollment.program_id)
        if status == Enrollment.Status.ENROLLED:
            if not _has_room(program):
                raise DomainError(_("The program is full: someone has to leave before "
                                    "another child can join."))
            enrollment.enrolled_on = timezone.localdate()
            enrollment.withdrawn_on = None
        elif status == Enrollment.Status.WITHDRAWN:
            enrollment.withdrawn_on = timezone.localdate()
        else:
            enrollment.waitlisted_at = timezone.now()
        previous = enrollment.status
        enrollment.status = status
        enrollment.save(update_fields=["status", "enrolled_on", "withdrawn_on",
                                       "waitlisted_at"])
        audit.record("programs.enrollment.status_changed", by=actor, obj=enrollment,
                     data={"from": previous, "to": status})
    return enrollment


def pickup_choices(enrollment: Enrollment) -> list[tuple[str, str]]:
    """Who may take the child home: their guardians and their authorized pickups, as
    (``g<person id>`` or ``c<contact id>``, name)."""
    choices = [(f"g{g.pk}", g.display_name) for g in enrollment.guardians.all()]
    choices += [(f"c{c.pk}", f"{c.name}" + (f" ({c.relation})" if c.relation else ""))
                for c in enrollment.contacts.all()
                if c.kind == ChildContact.Kind.PICKUP and c.removed_at is None]
    return choices


# --- sessions and roll call -------------------------------------------------------------------


def create_session(actor: Membership, program: Program, *, starts_at: datetime,
                   ends_at: datetime | None = None, note: str = "") -> Session:
    require_team(actor, program)
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("ends_at", _("The session ends before it starts."))
    note = _text(note, "note", 200)
    if Session.objects.filter(program=program, starts_at=starts_at).exists():
        raise InvalidInput("starts_at", _("There is already a session at that time."))
    with transaction.atomic():
        session = Session.objects.create(organization=actor.organization, program=program,
                                         starts_at=starts_at, ends_at=ends_at, note=note)
        audit.record("programs.session.created", by=actor, obj=session,
                     data={"program": program.pk})
    return session


def mark_attendance(actor: Membership, session: Session, enrollment: Enrollment, *,
                    status: str) -> Attendance:
    require_team(actor, session.program)
    if enrollment.program_id != session.program_id \
            or enrollment.status != Enrollment.Status.ENROLLED:
        raise InvalidInput("enrollment", _("That child is not enrolled in this program."))
    if status not in Attendance.Status.values:
        raise InvalidInput("status", _("Choose present, late or absent."))
    with transaction.atomic():
        attendance, created = Attendance.objects.select_for_update().get_or_create(
            organization=actor.organization, session=session, enrollment=enrollment,
            defaults={"status": status, "recorded_by": actor.user})
        if not created:
            attendance.status = status
            attendance.marked_at = timezone.now()
            attendance.recorded_by = actor.user
            if status == Attendance.Status.ABSENT:
                attendance.picked_up_by_guardian = attendance.picked_up_by_contact = None
                attendance.picked_up_at = None
            attendance.save()
        audit.record("programs.attendance.marked", by=actor, obj=attendance,
                     data={"session": session.pk, "enrollment": enrollment.pk, "status": status})
    return attendance


def record_pickup(actor: Membership, session: Session, enrollment: Enrollment, *,
                  pickup: str, at: datetime | None = None) -> Attendance:
    """``pickup`` is one of ``pickup_choices(enrollment)``: only a guardian or an
    authorized pickup may take a child home."""
    require_team(actor, session.program)
    attendance = Attendance.objects.filter(session=session, enrollment=enrollment).first()
    if attendance is None or attendance.status == Attendance.Status.ABSENT:
        raise InvalidInput("pickup", _("Mark the child present or late first."))
    allowed = dict(pickup_choices(enrollment))
    if pickup not in allowed:
        raise InvalidInput("pickup", _("Only a guardian or an authorized pickup person may "
                                       "take the child home. Call a guardian."))
    at = at or timezone.now()
    if at > timezone.now() + timezone.timedelta(minutes=5):
        raise InvalidInput("at", _("That time is in the future."))
    with transaction.atomic():
        attendance.picked_up_by_guardian_id = int(pickup[1:]) if pickup[0] == "g" else None
        attendance.picked_up_by_contact_id = int(pickup[1:]) if pickup[0] == "c" else None
        attendance.picked_up_at = at
        attendance.save(update_fields=["picked_up_by_guardian", "picked_up_by_contact",
                                       "picked_up_at"])
        audit.record("programs.attendance.picked_up", by=actor, obj=attendance,
                     data={"session": session.pk, "enrollment": enrollment.pk, "by": pickup})
    return attendance


def program_roll_call(program: Program) -> stats.RollCall:
    return stats.roll_call(Attendance.objects.filter(session__program=program)
                           .values_list("status", flat=True))


# --- catalog and stock ------------------------------------------------------------------------


def ensure_default_catalog(org: Organization) -> None:
    """The catalog an organization starts with; admins add and rename items."""
    if Item.objects.filter(organization=org).exists():
        return
    for name, name_es, unit, low in DEFAULT_CATALOG:
        Item.objects.get_or_create(organization=org, name=name,
                                   defaults={"name_es": name_es, "unit": unit,
                                             "low_stock_at": low})


def save_item(actor: Membership, item: Item | None = None, *, name: str, name_es: str = "",
              unit: str = "", low_stock_at: int = 0) -> Item:
    require(actor, "programs.catalog")
    name = _text(name, "name", 100, required=True, message=_("Give the item a name."))
    if low_stock_at < 0:
        raise InvalidInput("low_stock_at", _("The warning level cannot be negative."))
    if Item.objects.filter(name__iexact=name).exclude(pk=item.pk if item else None).exists():
        raise InvalidInput("name", _("There is already an item with that name."))
    fields = {"name": name, "name_es": _text(name_es, "name_es", 100),
              "unit": _text(unit, "unit", 40), "low_stock_at": low_stock_at}
    with transaction.atomic():
        created = item is None
        if item is None:
            item = Item.objects.create(organization=actor.organization, **fields)
        else:
            for key, value in fields.items():
                setattr(item, key, value)
            item.save(update_fields=list(fields))
        audit.record("programs.item.created" if created else "programs.item.updated", by=actor,
                     obj=item)
    return item


def set_item_archived(actor: Membership, item: Item, archived: bool) -> Item:
    """An item no longer given out leaves the stock page and the serving form; its
    ledger and past distributions keep it. Restoring brings it back as it was."""
    require(actor, "programs.catalog")
    return _set_archived(actor, item, archived, "programs.item")


def on_hand(items: Iterable[Item] | None = None) -> dict[int, int]:
    """What is on hand per item id: the sum of its ledger."""
    qs = Item.objects.with_on_hand()
    if items is not None:
        qs = qs.filter(pk__in=[i.pk for i in items])
    return dict(qs.values_list("pk", "on_hand"))


def _lock_items(ids: Iterable[int]) -> list[Item]:
    """Lock the items' rows (in id order, so two tables never deadlock) so that the
    sums read next stay true until this transaction ends."""
    return list(Item.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk"))


def receive_stock(actor: Membership, item: Item, *, quantity: int,
                  source: str = "") -> StockEntry:
    require(actor, "programs.stock")
    if quantity < 1:
        raise InvalidInput("quantity", _("Received quantities are whole numbers above zero."))
    if quantity > MAX_RECEIVED:
        raise InvalidInput("quantity", _("That is more than %(max)s at once: check the "
                                         "number.") % {"max": MAX_RECEIVED})
    source = _text(source, "source", 150)
    with transaction.atomic():
        _lock_items([item.pk])
        entry = StockEntry.objects.create(organization=actor.organization, item=item,
                                          kind=StockEntry.Kind.RECEIVED, quantity=quantity,
                                          source=source, recorded_by=actor.user)
        audit.record("programs.stock.received", by=actor, obj=entry, data={"item": item.pk,
                                                                            "quantity": quantity})
    return entry


def count_stock(actor: Membership, item: Item, *, counted: int,
                reason: str = "") -> StockEntry | None:
    """Record a physical count: the ledger gets the difference as a correction (a
    count below zero is impossible). None when the count matches."""
    require(actor, "programs.stock")
    if counted < 0:
        raise InvalidInput("counted", _("A count cannot be below zero."))
    reason = _text(reason, "reason", 150, required=True,
                   message=_("Say why the count changed (for example: damaged, expired)."))
    with transaction.atomic():
        _lock_items([item.pk])
        have = on_hand([item])[item.pk]
        if counted == have:
            return None
        entry = StockEntry.objects.create(organization=actor.organization, item=item,
                                          kind=StockEntry.Kind.ADJUSTED,
                                          quantity=counted - have, source=reason,
                                          recorded_by=actor.user)
        audit.record("programs.stock.counted", by=actor, obj=entry,
                     data={"item": item.pk, "counted": counted, "difference": counted - have})
    return entry


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


def can_see_children(membership: Membership, program: Program) -> bool:
    return can(membership, "programs.run") and is_team(membership, program)


# Labels for the audit log (registered in apps.py).
AUDIT_EVENTS = {
    "programs.program.created": gettext_lazy("Program created"),
    "programs.program.updated": gettext_lazy("Program edited"),
    "programs.program.archived": gettext_lazy("Program archived"),
    "programs.program.restored": gettext_lazy("Program restored"),
    "programs.service.removed": gettext_lazy("Household served removed (entered by mistake)"),
    "programs.distribution.corrected": gettext_lazy("Distribution corrected"),
    "programs.distribution.removed": gettext_lazy("Distribution removed (entered by mistake)"),
    "programs.item.archived": gettext_lazy("Item archived"),
    "programs.item.restored": gettext_lazy("Item restored"),
    "programs.enrollment.created": gettext_lazy("Child enrolled"),
    "programs.enrollment.guardian_added": gettext_lazy("Guardian added to an enrollment"),
    "programs.enrollment.details_changed": gettext_lazy("Child's details changed"),
    "programs.enrollment.status_changed": gettext_lazy("Enrollment status changed"),
    "programs.child_contact.added": gettext_lazy("Pickup or emergency contact added"),
    "programs.child_contact.removed": gettext_lazy("Pickup or emergency contact removed"),
    "programs.session.created": gettext_lazy("Session added"),
    "programs.attendance.marked": gettext_lazy("Roll call marked"),
    "programs.attendance.picked_up": gettext_lazy("Child picked up"),
    "programs.item.created": gettext_lazy("Item added to the catalog"),
    "programs.item.updated": gettext_lazy("Catalog item edited"),
    "programs.stock.received": gettext_lazy("Stock received"),
    "programs.stock.counted": gettext_lazy("Stock counted"),
    "programs.distribution.created": gettext_lazy("Distribution created"),
    "programs.service.recorded": gettext_lazy("Household served"),
    "programs.report.exported": gettext_lazy("Program report exported"),
}
