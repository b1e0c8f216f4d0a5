"""Forgetting a person on request (erasure). Not undoable: the views ask twice.

What is erased, in one transaction:

- the person's names (replaced by ``FORGOTTEN_NAME``), preferred name, pronouns,
  languages, year of birth and search text;
- every phone and email (contacts deleted), every consent (deleted: with no contact
  left there is nobody to write to), every relationship (either side), every residence
  (the building and household stay: they are places, not the person), and their tags;
- the words of every grievance, the notes of every interaction and where it came from
  in another area, and the reasons written beside engagement ratings;
- the candidate pairs they were part of, and what merges involving them kept for undo
  (previous names);
- the same for every record that was merged into them: it was the same person.

What is kept, without anything that says who it was, so that counts in reports stay
true: the person row itself (id, organization, base, engagement stage, last contact,
when it was created and by which member), the kind and date of each interaction, the
category and date of each grievance, and the level and date of each rating. The audit
log keeps its events, which hold ids only.

Other areas that hold rows about a person (enrollments, subscribers...) erase theirs
by connecting to ``person_forgotten``, which is sent inside the same transaction.
"""

from __future__ import annotations

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.core.services import DomainError
from groundswell.people.models import (
    Assessment,
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Grievance,
    Interaction,
    Merge,
    Person,
    Relationship,
    Residence,
)

#: What a forgotten person is called from then on (shown translated on screens).
FORGOTTEN_NAME = "Forgotten person"

#: Sent with ``organization`` and ``person_ids`` (the person and every record merged into
#: them) inside forget_person's transaction, for other areas to erase what they hold.
person_forgotten = Signal()


def _with_merged_records(person: Person) -> list[int]:
    """The person and, recursively, every record merged into them."""
    ids = [person.pk]
    frontier = [person.pk]
    while frontier:
        frontier = [pk for pk in Person._base_manager.filter(merged_into__in=frontier)
                    .values_list("pk", flat=True) if pk not in ids]
        ids += frontier
    return ids


def forget_person(actor: Membership, person: Person) -> Person:
    """Erase the person's personal data (see the module docstring for what is kept) and
    write ``people.person.forgotten`` to the audit log with ids and counts only."""
    require(actor, "people.forget")
    if person.organization_id != actor.organization_id:
        raise DomainError(_("That person is not part of this organization."))
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.forgotten_at is not None:
            raise DomainError(_("This person has already been forgotten."))
        if person.merged_into_id is not None:
            raise DomainError(_("This record was merged into another one. Forget that "
                                "one instead."))
        ids = _with_merged_records(person)
        org = person.organization
        counts = {
            "contacts": ContactPoint.objects.filter(person_id__in=ids).delete()[0],
            "consents": Consent.objects.filter(person_id__in=ids).delete()[0],
            "relationships": Relationship.objects.filter(
                models.Q(person_id__in=ids) | models.Q(other_id__in=ids)).delete()[0],
            "residences": Residence.objects.filter(person_id__in=ids).delete()[0],
            "tags": Person.tags.through.objects.filter(person_id__in=ids).delete()[0],
            "candidates": DuplicateCandidate.objects.filter(
                models.Q(first_id__in=ids) | models.Q(second_id__in=ids)).delete()[0],
        }
        for grievance in Grievance.objects.filter(person_id__in=ids):
            if grievance.text:
                grievance.text = ""
                grievance.save(update_fields=["text"])
        for interaction in Interaction.objects.filter(person_id__in=ids):
            if interaction.summary or interaction.source_type or interaction.source_id:
                interaction.summary, interaction.source_type, interaction.source_id = "", "", ""
                interaction.save(update_fields=["summary", "source_type", "source_id"])
        Assessment.objects.filter(person_id__in=ids).exclude(reason="").update(reason="")
        Merge.objects.filter(models.Q(kept_id__in=ids) | models.Q(merged_id__in=ids)).update(
            undo={})
        now = timezone.now()
        Person._base_manager.filter(pk__in=ids).update(
            given_name=FORGOTTEN_NAME, family_name="", preferred_name="", language="",
            other_languages=[], birth_year=None, pronouns="", search_text="",
            forgotten_at=now, updated_at=now)
        person_forgotten.send(sender=Person, organization=org, person_ids=ids)
        audit.record("people.person.forgotten", organization=org, actor=actor.user, obj=person,
                     data={"person": person.pk, "merged_records": ids[1:], **counts})
        person.refresh_from_db()
    return person


__all__ = ["FORGOTTEN_NAME", "forget_person", "person_forgotten"]
