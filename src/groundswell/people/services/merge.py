"""Duplicates: finding candidate pairs, merging two records into one, and undoing it.

A merge keeps one person (``kept``) and hides the other (``merged``, whose
``merged_into`` points at kept) rather than deleting it, so that it can be undone. All
of the merged person's rows move to kept; a ``Merge`` row remembers exactly what moved
and what changed, as ids and previous values only (never a phone, an email or a note),
and ``undo_merge`` puts every row back.

What "exactly" covers, per kind of row:

- moved to kept (ids kept in ``undo["moved"]``): residences, contacts, relationships
  (either side), consents, grievances, interactions, assessments, tags, and the rows of
  any other area that point at a person (their attendance, enrollments...), each in
  its own savepoint so that a row another area's constraint refuses stays with the
  merged person instead of failing the merge;
- left with the hidden merged person: a contact kept already has (the same number or
  address), and a current residence in the household kept already lives in;
- changed on kept's rows (previous values in ``undo["changed"]``): kept's copy of a
  shared contact takes the stricter flags (opted out if either was), kept's consent for
  a channel × purpose is withdrawn if the merged person's was (the most restrictive
  wins), the current residence not chosen as home ends on the day of the merge, a
  contact loses "primary" when kept already has a primary one, duplicate candidates are
  re-pointed (the reviewed pair is marked merged);
- deleted (their previous rows in ``undo["deleted"]``, ids and codes only): the merged
  person's consent that conflicts with kept's, relationships that would become a
  person's relationship with themself or repeat one kept has, and candidate pairs kept
  already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.people import matching
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
from groundswell.people.services.records import (
    current_residence,
    recompute_stage,
    refresh_search_text,
)

# --- finding duplicates -------------------------------------------------------------------

#: The matcher's fields, read from a person (see person_record).
PERSON_FIELDS = {name: name for name in (
    "id", "given_name", "preferred_name", "family_name", "phone", "email", "street", "unit",
    "birth_year")}


def person_record(person: Person) -> dict[str, Any]:
    """A person as the matching module reads a record. Phones and emails are decrypted
    in memory only for the comparison."""
    residence = next((r for r in person.residences.all() if r.ended_on is None), None)
    contacts = list(person.contacts.all())
    return {
        "id": person.pk,
        "given_name": person.given_name,
        "preferred_name": person.preferred_name,
        "family_name": person.family_name,
        "phone": [c.value for c in contacts if c.kind == ContactPoint.Kind.PHONE],
        "email": [c.value for c in contacts if c.kind == ContactPoint.Kind.EMAIL],
        "street": residence.household.address.street if residence else "",
        "unit": residence.household.unit if residence else "",
        "birth_year": person.birth_year,
    }


def reasons_of(pair: matching.ScoredPair) -> list[dict[str, str]]:
    """What is stored and shown: the compared fields and their outcome, no values."""
    return [{"field": r.field, "outcome": r.outcome} for r in pair.reasons]


@dataclass(frozen=True)
class DuplicateScan:
    compared: int  # active people read
    found: int  # pairs at or above the threshold
    created: int  # new open candidates
    updated: int  # open candidates rescored


def find_duplicates(org: Organization, actor: Membership | None = None, *,
                    threshold: float = matching.THRESHOLD) -> DuplicateScan:
    """Run the matcher over the organization's active people and store the pairs at or
    above ``threshold`` as open candidates. A pair already reviewed (dismissed or
    merged) is never proposed again; an open one gets its new score. ``actor`` is None
    when the scheduled task or the management command runs it. Call inside the
    organization's scope."""
    if actor is not None:
        require(actor, "people.merge")
        if actor.organization_id != org.pk:
            raise DomainError(_("That is not this organization."))
    people = list(Person.objects.filter(organization=org).active().prefetch_related(
        "contacts", "residences__household__address"))
    records = [person_record(person) for person in people]
    pairs = matching.dedupe(records, PERSON_FIELDS, threshold=threshold)
    created = updated = 0
    with transaction.atomic():
        existing = {(c.first_id, c.second_id): c
                    for c in DuplicateCandidate.objects.filter(organization=org)}
        for pair in pairs:
            first, second = sorted((int(str(pair.first)), int(str(pair.second))))
            candidate = existing.get((first, second))
            score = round(pair.score, 2)
            if candidate is None:
                DuplicateCandidate.objects.create(organization=org, first_id=first,
                                                  second_id=second, score=score,
                                                  reasons=reasons_of(pair))
                created += 1
            elif candidate.status == DuplicateCandidate.Status.OPEN and (
                    candidate.score != score or candidate.reasons != reasons_of(pair)):
                candidate.score, candidate.reasons = score, reasons_of(pair)
                candidate.save(update_fields=["score", "reasons"])
                updated += 1
        audit.record("people.duplicate.scanned", organization=org,
                     actor=actor.user if actor else None,
                     data={"people": len(people), "found": len(pairs), "created": created})
    return DuplicateScan(len(people), len(pairs), created, updated)


def dismiss_duplicate(actor: Membership, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """A human says the pair is two people; it is not proposed again."""
    require(actor, "people.merge")
    with transaction.atomic():
        candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status != DuplicateCandidate.Status.OPEN:
            raise DomainError(_("This pair has already been reviewed."))
        candidate.status = DuplicateCandidate.Status.DISMISSED
        candidate.save(update_fields=["status"])
        audit.record("people.duplicate.dismissed", by=actor, obj=candidate,
                     data={"first": candidate.first_id, "second": candidate.second_id})
    return candidate


# --- what a merge chooses -----------------------------------------------------------------

#: The fields a person merging chooses, field by field, and their labels.
CHOOSABLE: dict[str, Any] = {
    "given_name": gettext_lazy("given name"),
    "family_name": gettext_lazy("family name"),
    "preferred_name": gettext_lazy("preferred name"),
    "language": gettext_lazy("language"),
    "other_languages": gettext_lazy("other languages"),
    "birth_year": gettext_lazy("year of birth"),
    "pronouns": gettext_lazy("pronouns"),
    "base": gettext_lazy("base"),
    "stage": gettext_lazy("stage set by an organizer"),
    "residence": gettext_lazy("home"),
}
KEPT, MERGED = "kept", "merged"

# Kept's fields restored by undo (attnames). The search text is not stored (it holds
# phone digits): undo computes it again from the restored rows.
_PERSON_FIELDS = ("given_name", "family_name", "preferred_name", "language", "other_languages",
                  "birth_year", "pronouns", "base_id", "stage_id", "computed_stage_id",
                  "last_contact_at")


def default_choices(kept: Person, merged: Person) -> dict[str, str]:
    """Kept's values, except where kept has none and the merged person has one."""
    choices = {}
    for name in CHOOSABLE:
        if name == "residence":
            has_kept = current_residence(kept) is not None
            has_merged = current_residence(merged) is not None
            choices[name] = MERGED if has_merged and not has_kept else KEPT
            continue
        attname = Person._meta.get_field(name).attname
        empty = getattr(kept, attname) in (None, "", [])
        choices[name] = MERGED if empty and getattr(merged, attname) not in (None, "", []) \
            else KEPT
    return choices


# --- JSON-safe rows --------------------------------------------------------------------------


def _dump_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _load_value(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return parse_datetime(value)
    if isinstance(field, models.DateField):
        return parse_date(value)
    return value


def _dump(obj: models.Model, attnames: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: _dump_value(getattr(obj, name)) for name in attnames}


def _field(model: type[models.Model], attname: str) -> models.Field:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    raise LookupError(attname)


def _loaded(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    return {name: _load_value(_field(model, name), value) for name, value in values.items()}


def _row(obj: models.Model) -> dict[str, Any]:
    """A whole row, for one of the kinds deleted by a merge (no personal data in them:
    relationships, consents and candidate pairs are ids, codes and dates)."""
    return _dump(obj, [f.attname for f in obj._meta.concrete_fields])


# Rows moved by a merge, by "app_label.model.field" (the FK that is re-pointed).
def _moved_key(model: type[models.Model], field_name: str) -> str:
    return f"{model._meta.label_lower}.{field_name}"


def _model_of(key: str) -> tuple[type[models.Model], str]:
    from django.apps import apps

    app_label, model_name, field_name = key.split(".")
    return apps.get_model(app_label, model_name), field_name


def _other_person_links() -> list[tuple[type[models.Model], str]]:
    """(model, FK name) of every row elsewhere that points at a person: other areas'
    tables as they are added, found rather than listed here."""
    handled = {Residence, ContactPoint, Relationship, Consent, Grievance, Interaction,
               Assessment, DuplicateCandidate, Merge, Person, Person.tags.through}
    links = []
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model in handled or relation.many_to_many or not relation.field.concrete:
            continue
        if relation.one_to_one:
            continue  # a one-to-one cannot hold two people's rows; left to its area
        links.append((model, relation.field.name))
    return links


# --- merge --------------------------------------------------------------------------------


def _locked_pair(kept: Person, merged: Person) -> tuple[Person, Person]:
    if kept.organization_id != merged.organization_id:
        raise DomainError(_("These two people are not in the same organization."))
    if kept.pk == merged.pk:
        raise DomainError(_("A person cannot be merged with themself."))
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(
        pk__in=[kept.pk, merged.pk]).order_by("pk")}
    kept, merged = locked[kept.pk], locked[merged.pk]
    for person in (kept, merged):
        if person.forgotten_at is not None:
            raise DomainError(_("One of these people has been forgotten: they cannot be "
                                "merged."))
        if person.merged_into_id is not None:
            raise DomainError(_("One of these people has already been merged into another "
                                "record. Open that record instead."))
    return kept, merged


def _clean_choices(choices: dict[str, str] | None, kept: Person,
                   merged: Person) -> dict[str, str]:
    clean = default_choices(kept, merged)
    for name, side in (choices or {}).items():
        if name not in CHOOSABLE:
            raise InvalidInput(name, _("That field cannot be chosen in a merge."))
        if side not in (KEPT, MERGED):
            raise InvalidInput(name, _("Choose the value of one of the two records."))
        clean[name] = side
    return clean


def _move(undo: dict[str, Any], queryset: models.QuerySet, field_name: str,
          kept: Person) -> list[int]:
    ids = list(queryset.values_list("pk", flat=True))
    if ids:
        queryset.model._base_manager.filter(pk__in=ids).update(**{field_name: kept})
        undo["moved"].setdefault(_moved_key(queryset.model, field_name), []).extend(ids)
    return ids


def _change(undo: dict[str, Any], obj: models.Model, **values: Any) -> None:
    """Set fields on one row, remembering their previous values."""
    previous = _dump(obj, list(values))
    undo["changed"].setdefault(obj._meta.label_lower, []).append({"id": obj.pk, **previous})
    for name, value in values.items():
        setattr(obj, name, value)
    type(obj)._base_manager.filter(pk=obj.pk).update(**values)


def _delete(undo: dict[str, Any], obj: models.Model) -> None:
    undo["deleted"].setdefault(obj._meta.label_lower, []).append(_row(obj))
    type(obj)._base_manager.filter(pk=obj.pk).delete()


def merge_people(actor: Membership, kept: Person, merged: Person,
                 choices: dict[str, str] | None = None) -> Merge:
    """Merge ``merged`` into ``kept``. ``choices`` says, per field of ``CHOOSABLE``,
    whose value kept ends up with (``"kept"`` or ``"merged"``; by default kept's, or
    the merged person's where kept has none). Refuses a person merged with themself,
    people of two organizations, and anyone already merged or forgotten."""
    require(actor, "people.merge")
    if actor.organization_id != kept.organization_id or \
            actor.organization_id != merged.organization_id:
        raise DomainError(_("These two people are not in the same organization."))
    org = actor.organization
    with transaction.atomic():
        kept, merged = _locked_pair(kept, merged)
        choices = _clean_choices(choices, kept, merged)
        undo: dict[str, Any] = {"version": 1, "kept": _dump(kept, _PERSON_FIELDS),
                                "moved": {}, "changed": {}, "deleted": {},
                                # so that undo leaves both rows exactly as they were
                                "updated_at": {"kept": _dump_value(kept.updated_at),
                                               "merged": _dump_value(merged.updated_at)}}

        # kept's fields: chosen values; last contact is the later of the two.
        for name in CHOOSABLE:
            if name != "residence" and choices[name] == MERGED:
                attname = Person._meta.get_field(name).attname
                setattr(kept, attname, getattr(merged, attname))
        if merged.last_contact_at and (kept.last_contact_at is None
                                       or merged.last_contact_at > kept.last_contact_at):
            kept.last_contact_at = merged.last_contact_at
        kept.save()

        _merge_residences(undo, kept, merged, choices["residence"])
        _merge_contacts(undo, kept, merged)
        _merge_consents(undo, kept, merged)
        _merge_relationships(undo, kept, merged)
        for model in (Grievance, Interaction, Assessment):
            _move(undo, model.objects.filter(person=merged), "person", kept)
        _merge_tags(undo, kept, merged)
        _merge_candidates(undo, kept, merged)
        _merge_other_areas(undo, kept, merged)

        merged.merged_into = kept
        merged.save(update_fields=["merged_into", "updated_at"])
        refresh_search_text(kept)
        recompute_stage(kept)
        merge = Merge.objects.create(organization=org, kept=kept, merged=merged, undo=undo,
                                     merged_by=actor.user)
        audit.record("people.person.merged", by=actor, obj=kept,
                     data={"kept": kept.pk, "merged": merged.pk, "merge": merge.pk,
                           "moved": {k: len(v) for k, v in undo["moved"].items()},
                           "fields": sorted(n for n, side in choices.items()
                                            if side == MERGED)})
    return merge


def _merge_residences(undo: dict[str, Any], kept: Person, merged: Person, choice: str) -> None:
    home_kept, home_merged = current_residence(kept), current_residence(merged)
    history = Residence.objects.filter(person=merged, ended_on__isnull=False)
    _move(undo, history, "person", kept)
    if home_merged is None:
        return
    if home_kept is not None and home_kept.household_id == home_merged.household_id:
        return  # the same home twice: the merged person's copy stays with them
    today = timezone.localdate()
    if home_kept is not None:
        # Only one current home: the one not chosen ends today.
        if choice == MERGED:
            _change(undo, home_kept, ended_on=max(today, home_kept.started_on or today))
        else:
            _change(undo, home_merged, ended_on=max(today, home_merged.started_on or today))
    _move(undo, Residence.objects.filter(pk=home_merged.pk), "person", kept)


def _merge_contacts(undo: dict[str, Any], kept: Person, merged: Person) -> None:
    mine = {c.value_index: c for c in kept.contacts.all()}
    primary_kinds = {c.kind for c in mine.values() if c.is_primary}
    moving = []
    for contact in merged.contacts.all():
        same = mine.get(contact.value_index)
        if same is None:
            moving.append(contact.pk)
            if contact.is_primary and contact.kind in primary_kinds:
                _change(undo, contact, is_primary=False)
            continue
        # kept already has it: the stricter flags win, the copy stays behind.
        stricter: dict[str, Any] = {}
        if contact.opted_out_at and (same.opted_out_at is None
                                     or contact.opted_out_at < same.opted_out_at):
            stricter["opted_out_at"] = contact.opted_out_at
        if contact.verified and not same.verified:
            stricter["verified"] = True
        if not contact.sms_capable and same.sms_capable:
            stricter["sms_capable"] = False
        if stricter:
            _change(undo, same, **stricter)
    _move(undo, ContactPoint.objects.filter(pk__in=moving), "person", kept)


def _merge_consents(undo: dict[str, Any], kept: Person, merged: Person) -> None:
    mine = {(c.channel, c.purpose): c for c in kept.consents.all()}
    moving = []
    for consent in merged.consents.all():
        same = mine.get((consent.channel, consent.purpose))
        if same is None:
            moving.append(consent.pk)
            continue
        # The most restrictive wins: a withdrawal on either record stands.
        if consent.withdrawn_at is not None and same.withdrawn_at is None:
            _change(undo, same, withdrawn_at=consent.withdrawn_at)
        _delete(undo, consent)
    _move(undo, Consent.objects.filter(pk__in=moving), "person", kept)


def _merge_relationships(undo: dict[str, Any], kept: Person, merged: Person) -> None:
    existing = {(r.person_id, r.other_id, r.kind)
                for r in Relationship.objects.filter(models.Q(person=kept) | models.Q(other=kept))}
    moving: dict[str, list[int]] = {"person": [], "other": []}
    for relationship in Relationship.objects.filter(models.Q(person=merged)
                                                    | models.Q(other=merged)).order_by("pk"):
        person_id = kept.pk if relationship.person_id == merged.pk else relationship.person_id
        other_id = kept.pk if relationship.other_id == merged.pk else relationship.other_id
        key = (person_id, other_id, relationship.kind)
        if person_id == other_id or key in existing:
            _delete(undo, relationship)  # with themself, or one kept already has
            continue
        existing.add(key)
        if relationship.person_id == merged.pk:
            moving["person"].append(relationship.pk)
        if relationship.other_id == merged.pk:
            moving["other"].append(relationship.pk)
    for side, ids in moving.items():
        _move(undo, Relationship.objects.filter(pk__in=ids), side, kept)


def _merge_tags(undo: dict[str, Any], kept: Person, merged: Person) -> None:
    through = Person.tags.through
    have = set(through.objects.filter(person=kept).values_list("tag_id", flat=True))
    _move(undo, through.objects.filter(person=merged).exclude(tag_id__in=have), "person", kept)


def _merge_candidates(undo: dict[str, Any], kept: Person, merged: Person) -> None:
    pairs = {(c.first_id, c.second_id) for c in DuplicateCandidate.objects.filter(
        models.Q(first=kept) | models.Q(second=kept))}
    for candidate in DuplicateCandidate.objects.filter(
            models.Q(first=merged) | models.Q(second=merged)).order_by("pk"):
        other = candidate.second_id if candidate.first_id == merged.pk else candidate.first_id
        if other == kept.pk:
            _change(undo, candidate, status=DuplicateCandidate.Status.MERGED)
            continue
        first, second = sorted((kept.pk, other))
        if (first, second) in pairs:
            _delete(undo, candidate)
            continue
        pairs.add((first, second))
        _change(undo, candidate, first_id=first, second_id=second)


def _merge_other_areas(undo: dict[str, Any], kept: Person, merged: Person) -> None:
    for model, field_name in _other_person_links():
        for pk in model._base_manager.filter(**{field_name: merged}).values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    _move(undo, model._base_manager.filter(pk=pk), field_name, kept)
            except IntegrityError:
                continue  # kept already has the equivalent row; this one stays behind


# --- undo ---------------------------------------------------------------------------------


def undo_merge(actor: Membership, merge: Merge) -> Merge:
    """Put everything back as it was before ``merge``. Refused once undone, and when the
    kept person has been merged again or either person forgotten since."""
    require(actor, "people.merge")
    if merge.organization_id != actor.organization_id:
        raise DomainError(_("That merge is not part of this organization."))
    with transaction.atomic():
        merge = Merge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise DomainError(_("This merge has already been undone."))
        locked = {p.pk: p for p in Person.objects.select_for_update().filter(
            pk__in=[merge.kept_id, merge.merged_id]).order_by("pk")}
        kept, merged = locked[merge.kept_id], locked[merge.merged_id]
        if kept.forgotten_at or merged.forgotten_at or not merge.undo:
            raise DomainError(_("This merge cannot be undone: one of the two people has "
                                "been forgotten since."))
        later = Merge.objects.filter(
            models.Q(kept=kept) | models.Q(merged=kept), undone_at__isnull=True,
            pk__gt=merge.pk).exists()
        if kept.merged_into_id is not None or later:
            raise DomainError(_("This merge cannot be undone: the record has been merged "
                                "again since. Undo the later merge first."))
        if merged.merged_into_id != kept.pk:
            raise DomainError(_("This merge cannot be undone: the records have changed "
                                "since."))
        undo = merge.undo
        for key, ids in undo["moved"].items():
            model, field_name = _model_of(key)
            model._base_manager.filter(pk__in=ids).update(**{field_name: merged})
        # Changed rows in reverse, so that a row changed twice ends with its first state.
        for label, rows in undo["changed"].items():
            model = _model_of(label + ".x")[0]
            for row in reversed(rows):
                values = dict(row)
                pk = values.pop("id")
                model._base_manager.filter(pk=pk).update(**_loaded(model, values))
        for label, rows in undo["deleted"].items():
            model = _model_of(label + ".x")[0]
            for row in rows:
                model._base_manager.bulk_create([model(**_loaded(model, row))])
        Person._base_manager.filter(pk=kept.pk).update(**_loaded(Person, undo["kept"]))
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        kept.refresh_from_db()
        refresh_search_text(kept)
        recompute_stage(kept)
        for side, person in (("kept", kept), ("merged", merged)):
            when = undo.get("updated_at", {}).get(side)
            if when:
                Person._base_manager.filter(pk=person.pk).update(updated_at=parse_datetime(when))
        merge.undone_at = timezone.now()
        merge.save(update_fields=["undone_at"])
        audit.record("people.person.merge_undone", by=actor, obj=kept,
                     data={"kept": kept.pk, "merged": merged.pk, "merge": merge.pk})
    return merge


def can_undo(merge: Merge) -> bool:
    """Whether the undo button makes sense (undo_merge checks again, under lock)."""
    if merge.undone_at is not None or not merge.undo:
        return False
    kept, merged = merge.kept, merge.merged
    if kept.forgotten_at or merged.forgotten_at or kept.merged_into_id is not None:
        return False
    return not Merge.objects.filter(models.Q(kept=kept) | models.Q(merged=kept),
                                    undone_at__isnull=True, pk__gt=merge.pk).exists()


__all__ = [
    "CHOOSABLE", "KEPT", "MERGED", "DuplicateScan", "can_undo", "default_choices",
    "dismiss_duplicate", "find_duplicates", "merge_people", "person_record", "undo_merge",
]
