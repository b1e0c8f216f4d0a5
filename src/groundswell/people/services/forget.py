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

Other areas that hold rows about a person (door visits, enrollments, messages,
subscribers, RSVPs, import rows...) erase theirs through the erasure registry: each
registers an eraser from its ``AppConfig.ready()`` with :func:`register_eraser`, and
every eraser runs inside the same transaction, before the person's own contacts are
deleted, so it can still find rows kept under their phone or email. Heavy cleanup too
slow for the transaction (compacting the search index, which keeps deleted words in its
segments until merged) is a task stored in the same transaction.

On SQLite the forgetting runs with ``secure_delete`` on, so the space of every deleted
or rewritten row is overwritten with zeros instead of keeping the old bytes in free
pages; the task then empties the write-ahead log, which still holds older copies of the
pages. PostgreSQL keeps dead row versions until a vacuum reuses their space (the README
says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.core.scrub import zeroing_what_is_deleted
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
from groundswell.people.tasks import compact_search_index

#: What a forgotten person is called from then on (shown translated on screens).
FORGOTTEN_NAME = "Forgotten person"



@dataclass(frozen=True)
class Forgetting:
    """Who is being forgotten, as each area's eraser needs to find its rows: the person
    and every record merged into them, and their phones (E.164), emails and the blind
    indexes of those contacts (rows kept by address, like texts, carry no person id)."""

    organization: Organization
    person_ids: list[int]
    phones: list[str]
    emails: list[str]
    contact_indexes: list[str]


#: An eraser erases what its area holds about a Forgetting, inside forget_person's
#: transaction, and returns counts (no values) for the audit log.
Eraser = Callable[[Forgetting], dict[str, int]]

#: area label -> eraser, filled by each area's AppConfig.ready().
ERASERS: dict[str, Eraser] = {}
#: area label -> what its eraser erases, in words, for the screen that asks to confirm.
ERASES: dict[str, Promise | str] = {}


def register_eraser(area: str, eraser: Eraser, *, erases: Promise | str) -> None:
    """Declare what forgetting a person erases in ``area`` (once per area), and say it
    in a sentence for the person who is about to do it."""
    if area in ERASERS:
        raise ValueError(f"An eraser for {area!r} is already registered.")
    ERASERS[area] = eraser
    ERASES[area] = erases


def erased_elsewhere() -> list[str]:
    """What the other areas erase, in the reader's language, in a stable order."""
    return [str(ERASES[area]) for area in sorted(ERASES)]


def _forgetting(org: Organization, ids: list[int]) -> Forgetting:
    phones, emails, indexes = [], [], []
    for contact in ContactPoint.objects.filter(person_id__in=ids):
        indexes.append(contact.value_index)
        (phones if contact.kind == ContactPoint.Kind.PHONE else emails).append(contact.value)
    return Forgetting(organization=org, person_ids=ids, phones=sorted(set(phones)),
                      emails=sorted(set(emails)), contact_indexes=sorted(set(indexes)))


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
    with transaction.atomic(), zeroing_what_is_deleted():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.forgotten_at is not None:
            raise DomainError(_("This person has already been forgotten."))
        if person.merged_into_id is not None:
            raise DomainError(_("This record was merged into another one. Forget that "
                                "one instead."))
        ids = _with_merged_records(person)
        org = person.organization
        forgetting = _forgetting(org, ids)
        erased: dict[str, int] = {}
        for area, eraser in sorted(ERASERS.items()):
            for what, number in eraser(forgetting).items():
                erased[f"{area}.{what}"] = number
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
        Assessment.objects.filter(person_id__in=ids).update(reason="")  # sealed: no lookup
        Merge.objects.filter(models.Q(kept_id__in=ids) | models.Q(merged_id__in=ids)).update(
            undo={})
        now = timezone.now()
        Person._base_manager.filter(pk__in=ids).update(
            given_name=FORGOTTEN_NAME, family_name="", preferred_name="", language="",
            other_languages=[], birth_year=None, pronouns="", search_text="",
            forgotten_at=now, updated_at=now)
        audit.record("people.person.forgotten", by=actor, obj=person,
                     data={"person": person.pk, "merged_records": ids[1:], **counts,
                           "erased": {k: v for k, v in erased.items() if v}})
        # Queued inside the transaction, not on commit: the task row commits with the
        # forgetting, so the compaction cannot be lost between the two.
        compact_search_index.enqueue(org.pk)
        person.refresh_from_db()
    return person


__all__ = ["ERASERS", "ERASES", "FORGOTTEN_NAME", "Eraser", "Forgetting", "erased_elsewhere",
           "forget_person", "register_eraser"]
