"""Enrollment: children, their guardians, details and pickup or emergency contacts.
Only the program's team reads or writes them (``require_team``)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.people import services as people
from groundswell.people.models import Interaction, Person, Relationship
from groundswell.people.normalize import NormalizationError, normalize_phone
from groundswell.programs.models import (
    ChildContact,
    Enrollment,
    Program,
)
from groundswell.programs.services.base import _text
from groundswell.programs.services.programs import require_team

# --- enrollment ----------------------------------------------------------------------------------


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
