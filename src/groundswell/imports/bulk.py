"""The import's bulk path: writing a chunk of rows with a few bulk statements
(the rows were matched by ``chunk_matching``).

Writing (``write_chunk``)
    People, residences (households from shared addresses, found or made), contacts
    (encrypted, with their blind and last-four indexes, as ``people.services`` writes
    them), tags, consents (source "import"), duplicate pairs for review and the
    ``ImportRow`` records are written from values (``Writer``: a few multi-row INSERTs
    a table, no model instances; tested column by column against the ORM's rows); the
    people a row updates get what they lack with one ``bulk_update``. The search text
    and the computed stage are set as the people are written (a new person has no
    timeline, an update adds none). The caller writes one audit record per chunk. Every
    ``ImportRow.undo`` holds what ``services.undo_import`` needs, as the row-by-row path
    wrote it.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import DateTimeField, Model, Q
from django.utils import timezone

from groundswell.core.models import Membership
from groundswell.imports.chunk_matching import NAME_QUERY_TERMS, contact_index
from groundswell.imports.models import ImportBatch, ImportRow
from groundswell.imports.rows import CheckedRow
from groundswell.people import ladder
from groundswell.people.models import (
    Address,
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Household,
    Person,
    Residence,
    Tag,
)
from groundswell.people.normalize import (
    NormalizationError,
    normalize_street_address,
    normalize_unit,
    phone_last_four,
)
from groundswell.people.search import compose_search_text
from groundswell.people.services.merge import _row
from groundswell.people.services.records import (
    _clean_names,
    ensure_default_stages,
    last_four_index,
)


class Writer:
    """Rows of one model written from values instead of model instances, with a few
    multi-row ``INSERT ... RETURNING id`` statements (as many rows a statement as the
    database takes parameters; ids come back in order, as bulk_create reads them).
    Building thousands of instances and preparing each of their values through the ORM
    cost more than the writing itself.

    ``columns`` are given for each row (``add``), as the database takes them: text,
    numbers, flags and ids as they are; anything else through ``prep``, the field's own
    ``get_db_prep_save`` (encryption, JSON, dates). Every other column gets what a new
    instance would get, its field's default (prepared once), and a date-time column set
    on creation (``default=timezone.now``, ``auto_now``, ``auto_now_add``) gets ``now``.
    No signals, as with bulk_create."""

    def __init__(self, model: type[Model], columns: Sequence[str], now: datetime) -> None:
        self.connection = connections[router.db_for_write(model)]
        meta = model._meta
        self.fields = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
        unknown = [name for name in columns if name not in self.fields]
        if unknown:
            raise ValueError(f"{meta.label} has no column {unknown[0]!r}.")
        rest = [f for name, f in self.fields.items() if name not in columns]
        self.defaults = tuple(self._default(f, now) for f in rest)
        quote = self.connection.ops.quote_name
        names = [self.fields[name].column for name in columns] + [f.column for f in rest]
        self.head = (f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 (model's names)  # nosec B608
                     f"({', '.join(quote(n) for n in names)}) VALUES ")
        self.one = "(" + ", ".join(["%s"] * len(names)) + ")"
        self.tail = f" RETURNING {quote(meta.pk.column)}"
        self.width = len(names)
        self.rows: list[tuple[Any, ...]] = []

    def _default(self, f: Any, now: datetime) -> Any:
        if isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add
                                             or f.default is timezone.now):
            return f.get_db_prep_save(now, self.connection)
        return f.get_db_prep_save(f.get_default(), self.connection)

    def prep(self, name: str, value: Any) -> Any:
        """``value`` of column ``name`` as its field writes it."""
        return self.fields[name].get_db_prep_save(value, self.connection)

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def write(self) -> list[int]:
        """Insert the rows added; their ids, in the order they were added."""
        limit = 30_000
        if self.connection.vendor == "sqlite":
            self.connection.ensure_connection()
            limit = min(limit, self.connection.connection.getlimit(
                sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        per = max(1, limit // self.width)
        ids: list[int] = []
        defaults = self.defaults
        with self.connection.cursor() as cursor:
            for start in range(0, len(self.rows), per):
                part = self.rows[start:start + per]
                params = [value for row in part for value in (*row, *defaults)]
                cursor.execute(self.head + ", ".join([self.one] * len(part)) + self.tail,
                               params)
                ids.extend(row[0] for row in cursor.fetchall())
        self.rows = []
        return ids


# --- writing -----------------------------------------------------------------------------


@dataclass
class Step:
    """What to write for one row (from services.PlannedRow): ``target`` the person a
    row updates or is reviewed beside, already resolved to an id."""

    number: int
    row: CheckedRow
    outcome: str
    target: int | None = None
    score: float = 0.0
    reasons: list[dict[str, str]] = field(default_factory=list)
    messages: list[list[Any]] = field(default_factory=list)
    undo: dict[str, Any] = field(default_factory=dict)
    person: Person | None = None  # loaded, for a row that updates someone
    person_id: int | None = None  # the person created or updated, once written
    name: tuple[str, str] = ("", "")  # their (family, given) names
    candidate_id: int | None = None  # the pair sent to the duplicates review
    holds: set[str] = field(default_factory=set)  # kinds of contact the person holds


def initial_stage_id(org: Any) -> int | None:
    """The computed stage of someone with an empty timeline (what recompute_stage gives
    a new person)."""
    stages = ensure_default_stages(org)
    rungs = [ladder.Rung(stage.pk, stage.position, stage.rule) for stage in stages]
    reached = ladder.computed_stage(rungs, ladder.summarize([]))
    return reached.key if reached else None


class Places:
    """Addresses and households of a chunk, found or made in bulk (as
    find_or_create_household does one at a time)."""

    def __init__(self, org_id: int) -> None:
        self.org_id = org_id
        self.addresses: dict[tuple[str, str, str], Address] = {}
        self.households: dict[tuple[int, str], Household] = {}

    def resolve(self, wanted: list[tuple[Step, Any, str, int | None]]) -> None:
        """``wanted``: (step, normalized address, unit, base id); fills each step's undo
        with the buildings and households it made, and returns nothing: look the
        household up with ``household``."""
        keys = {(a.street, a.city, a.postal_code) for _s, a, _u, _b in wanted}
        missing = [k for k in keys if k not in self.addresses]
        for start in range(0, len(missing), NAME_QUERY_TERMS):
            query = Q()
            for street, city, postal in missing[start:start + NAME_QUERY_TERMS]:
                query |= Q(street=street, city=city, postal_code=postal)
            for address in Address.objects.filter(query, organization_id=self.org_id):
                self.addresses[(address.street, address.city, address.postal_code)] = address
        new_addresses: dict[tuple[str, str, str], Address] = {}
        base_set: list[Address] = []
        for step, address, _unit, base_id in wanted:
            key = (address.street, address.city, address.postal_code)
            existing = self.addresses.get(key) or new_addresses.get(key)
            if existing is None:
                existing = new_addresses[key] = Address(
                    organization_id=self.org_id, street=address.street, city=address.city,
                    postal_code=address.postal_code, state=address.state, base_id=base_id)
                step.undo.setdefault("_new_address", []).append(key)
            elif existing.pk is not None and existing.base_id is None and base_id:
                existing.base_id = base_id
                base_set.append(existing)
                step.undo.setdefault("address_base_set", []).append(existing.pk)
        if new_addresses:
            Address.objects.bulk_create(list(new_addresses.values()))
            self.addresses.update(new_addresses)
        if base_set:
            Address.objects.bulk_update(base_set, ["base"])
        for step in {id(s): s for s, *_rest in wanted}.values():
            made = step.undo.pop("_new_address", [])
            if made:
                step.undo["addresses_created"] = [self.addresses[k].pk for k in made]
        pairs = {(self.addresses[(a.street, a.city, a.postal_code)].pk, unit)
                 for _s, a, unit, _b in wanted}
        unknown = [p for p in pairs if p not in self.households]
        for start in range(0, len(unknown), NAME_QUERY_TERMS):
            query = Q()
            for address_id, unit in unknown[start:start + NAME_QUERY_TERMS]:
                query |= Q(address_id=address_id, unit=unit)
            for household in Household.objects.filter(query, organization_id=self.org_id):
                self.households[(household.address_id, household.unit)] = household
        new_households: dict[tuple[int, str], Household] = {}
        makers: dict[tuple[int, str], Step] = {}
        for step, address, unit, _base in wanted:
            key = (self.addresses[(address.street, address.city, address.postal_code)].pk,
                   unit)
            if key not in self.households and key not in new_households:
                new_households[key] = Household(organization_id=self.org_id,
                                                address_id=key[0], unit=unit)
                makers[key] = step
        if new_households:
            Household.objects.bulk_create(list(new_households.values()))
            self.households.update(new_households)
            for key, step in makers.items():
                step.undo.setdefault("households_created", []).append(
                    new_households[key].pk)

    def household(self, address: Any, unit: str) -> Household:
        pk = self.addresses[(address.street, address.city, address.postal_code)].pk
        return self.households[(pk, unit)]


def _address_of(values: dict[str, str]) -> tuple[Any, str]:
    address = normalize_street_address(values["street"], values.get("city", ""),
                                       values.get("state", ""), values.get("postal_code", ""))
    return address, normalize_unit(values.get("unit", "")) or address.unit


def _tags(org_id: int, steps: Sequence[Step], batch_tags: Sequence[str]
          ) -> dict[str, Tag]:
    names = {n for s in steps for n in (*s.row.tags, *batch_tags) if n}
    tags = {t.name: t for t in Tag.objects.filter(organization_id=org_id, name__in=names)}
    new = [Tag(organization_id=org_id, name=n) for n in sorted(names) if n not in tags]
    if new:
        Tag.objects.bulk_create(new)
        first_user: dict[str, Step] = {}
        for step in steps:
            for name in dict.fromkeys((*step.row.tags, *batch_tags)):
                first_user.setdefault(name, step)
        for tag in new:
            first_user[tag.name].undo.setdefault("tags_created", []).append(tag.pk)
            tags[tag.name] = tag
    return tags


def write_chunk(actor: Membership, batch: ImportBatch, steps: Sequence[Step],
                stage_id: int | None, places: Places | None = None) -> list[Step]:
    """Write the chunk's created, reviewed and updated rows and their ImportRow records
    (call inside a transaction); returns the steps, each with the id of the person it
    created or updated (``person_id``). Steps whose outcome is ``updated`` or
    ``review`` must have a ``target`` that exists and is active."""
    chunk = _Chunk(actor, batch, steps, stage_id, places or Places(batch.organization_id))
    chunk.find_updated()
    chunk.place_everyone()
    chunk.create_people()
    chunk.add_what_new_people_hold()
    chunk.fill_updated_people()
    chunk.write_what_people_hold()
    chunk.queue_reviews()
    chunk.record_rows()
    return list(steps)


class _Chunk:
    """One chunk being written: the batch's options, the rows, and the writers that
    collect what the new and updated people hold until it is written at once
    (``write_chunk`` runs its steps in order; each step's queries are as they were)."""

    def __init__(self, actor: Membership, batch: ImportBatch, steps: Sequence[Step],
                 stage_id: int | None, places: Places) -> None:
        self.org_id = batch.organization_id
        self.batch, self.steps, self.stage_id, self.places = batch, steps, stage_id, places
        self.user = actor.user
        self.user_id = self.user.pk if self.user is not None else None
        options = batch.options
        self.batch_tags = [t for t in options.get("tags", []) if t]
        self.base_id = options.get("base") if batch.base is not None else None
        self.purpose = options.get("purpose") or Consent.Purpose.GENERAL
        self.wording = options.get("wording", "")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.new = [s for s in steps if s.outcome in (ImportRow.Outcome.CREATED,
                                                      ImportRow.Outcome.REVIEW)]
        self.updates = [s for s in steps if s.outcome == ImportRow.Outcome.UPDATED]
        self.targets: dict[int, Person] = {}
        self.homes: dict[int, Residence] = {}
        self.located: dict[int, tuple[Any, str]] = {}
        self.tags: dict[str, Tag] = {}
        now = self.now
        self.residences = Writer(Residence, ["organization_id", "person_id", "household_id",
                                             "started_on"], now)
        self.residence_steps: list[Step | None] = []
        self.contacts = Writer(ContactPoint, ["organization_id", "person_id", "kind",
                                              "value", "value_index", "last_four_index",
                                              "sms_capable", "is_primary"], now)
        self.contact_steps: list[Step | None] = []
        self.links = Writer(Person.tags.through, ["person_id", "tag_id"], now)
        self.link_steps: list[Step | None] = []
        self.consents = Writer(Consent, ["organization_id", "person_id", "channel",
                                         "purpose", "source", "wording", "recorded_by_id",
                                         "granted_at"], now)
        self.consent_steps: list[Step | None] = []
        self.granted_at = self.consents.prep("granted_at", now)
        self.changed_consents: dict[int, Consent] = {}
        self.changed_people: dict[int, Person] = {}
        self.fill_fields = {"updated_at"}

    def find_updated(self) -> None:
        """The people the updated rows update, and their current homes."""
        self.targets = Person.objects.in_bulk({s.target for s in self.updates if s.target})
        for step in self.updates:
            step.person = self.targets[step.target]
            step.undo["person"] = step.person.pk
        self.homes = {
            r.person_id: r for r in Residence.objects.filter(
                person_id__in=list(self.targets), ended_on__isnull=True).select_related(
                "household__address")}

    def place_everyone(self) -> None:
        """Places: every new person with an address, and people updated who have no
        home. A row whose address cannot be read becomes an error; then the tags."""
        wanted: list[tuple[Step, Any, str, int | None]] = []
        for step in self.steps:
            if step.outcome not in (ImportRow.Outcome.CREATED, ImportRow.Outcome.REVIEW,
                                    ImportRow.Outcome.UPDATED) or \
                    not step.row.values.get("street"):
                continue
            if step.outcome == ImportRow.Outcome.UPDATED and step.person is not None and \
                    step.person.pk in self.homes:
                step.messages.append(["address_kept", ""])
                continue
            try:
                address, unit = _address_of(step.row.values)
            except NormalizationError:
                step.outcome = ImportRow.Outcome.ERROR
                step.messages.append(["bad_address", ""])
                step.undo, step.person = {}, None
                continue
            self.located[step.number] = (address, unit)
            person_base = step.person.base_id if step.person is not None else self.base_id
            wanted.append((step, address, unit, person_base))
            if step.person is not None:  # one home a chunk
                self.homes[step.person.pk] = Residence(person_id=step.person.pk)
        self.new = [s for s in self.new if s.outcome != ImportRow.Outcome.ERROR]
        self.updates = [s for s in self.updates if s.outcome != ImportRow.Outcome.ERROR]
        if wanted:
            self.places.resolve(wanted)
        self.tags = _tags(self.org_id, [*self.new, *self.updates], self.batch_tags)

    def create_people(self) -> None:
        """New people, written from values (Writer), not model instances."""
        people_out = Writer(Person, ["organization_id", "given_name", "family_name",
                                     "preferred_name", "language", "base_id", "birth_year",
                                     "created_by_id", "computed_stage_id", "search_text"],
                            self.now)
        for step in self.new:
            v = step.row.values
            given, family, preferred = _clean_names(v.get("given_name", ""),
                                                    v.get("family_name", ""),
                                                    v.get("preferred_name", ""))
            place = self.located.get(step.number)
            household = self.places.household(*place) if place else None
            step.name = (family, given)
            people_out.add(self.org_id, given, family, preferred, v.get("language", ""),
                           self.base_id, step.row.birth_year, self.user_id, self.stage_id,
                           compose_search_text(
                               given_name=given, family_name=family,
                               preferred_name=preferred,
                               street=household.address.street if household else "",
                               unit=household.unit if household else ""))
        for step, pk in zip(self.new, people_out.write(), strict=True):
            step.person_id = pk

    def contact(self, step: Step | None, person_id: int, kind: str, value: str, token: str,
                primary: bool) -> None:
        """A contact as people.services writes it: the value encrypted, its blind index
        (``token``), a phone's last four indexed."""
        contacts = self.contacts
        is_phone = kind == ContactPoint.Kind.PHONE
        contacts.add(self.org_id, person_id, kind, contacts.prep("value", value), token,
                     last_four_index(phone_last_four(value)) if is_phone else "",
                     is_phone, primary)
        self.contact_steps.append(step)

    @staticmethod
    def blind(step: Step, kind: str) -> str:
        value = step.row.values[kind]
        found = step.row.tokens.get(kind)
        if found is None:
            found = step.row.tokens[kind] = contact_index(value)
        return found

    def add_what_new_people_hold(self) -> None:
        """Each new person's home, phone, email, tags and consents (collected)."""
        for step in self.new:
            person_id = step.person_id
            assert person_id is not None
            step.undo["created"] = person_id
            place = self.located.get(step.number)
            if place:
                self.residences.add(self.org_id, person_id,
                                    self.places.household(*place).pk, None)
                self.residence_steps.append(None)
            v = step.row.values
            for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
                if v.get(kind):
                    self.contact(None, person_id, kind, v[kind], self.blind(step, kind), True)
                    step.holds.add(kind)
            for name in dict.fromkeys((*step.row.tags, *self.batch_tags)):
                self.links.add(person_id, self.tags[name].pk)
                self.link_steps.append(None)
            for channel in dict.fromkeys(step.row.consents):
                self.consents.add(self.org_id, person_id, channel, self.purpose,
                                  Consent.Source.IMPORT, self.wording, self.user_id,
                                  self.granted_at)
                self.consent_steps.append(None)

    def fill_updated_people(self) -> None:
        """People updated: add what they lack, never overwrite."""
        ids = list(self.targets)
        have: dict[int, set[str]] = defaultdict(set)
        kinds: dict[int, set[str]] = defaultdict(set)
        for person_id, kind, token in ContactPoint.objects.filter(
                person_id__in=ids).values_list("person_id", "kind", "value_index"):
            have[person_id].add(token)
            kinds[person_id].add(kind)
        linked = set(Person.tags.through.objects.filter(person_id__in=ids).values_list(
            "person_id", "tag_id"))
        held: dict[tuple[int, str], Consent | None] = {
            (c.person_id, c.channel): c for c in Consent.objects.filter(
                person_id__in=ids, purpose=self.purpose)}
        for step in self.updates:
            person = step.person
            assert person is not None
            step.person_id, step.name = person.pk, (person.family_name, person.given_name)
            step.undo["before"] = {k: v for k, v in _row(person).items() if k != "id"}
            self._add_contacts(step, person, have[person.pk], kinds[person.pk])
            place = self.located.get(step.number)
            if place:
                self._move_in(step, person, place)
            self._fill_blanks(step, person, place)
            person.updated_at = self.now
            self.changed_people[person.pk] = person
            step.holds = kinds[person.pk]
            self._add_tags(step, person, linked)
            self._grant_consents(step, person, held)

    def _add_contacts(self, step: Step, person: Person, have: set[str],
                      kinds: set[str]) -> None:
        v = step.row.values
        for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            value = v.get(kind)
            if not value or self.blind(step, kind) in have:
                continue
            self.contact(step, person.pk, kind, value, self.blind(step, kind),
                         kind not in kinds)
            have.add(self.blind(step, kind))
            kinds.add(kind)

    def _move_in(self, step: Step, person: Person, place: tuple[Any, str]) -> None:
        household = self.places.household(*place)
        self.residences.add(self.org_id, person.pk, household.pk,
                            self.residences.prep("started_on", self.today))
        self.residence_steps.append(step)
        person.search_text = compose_search_text(
            given_name=person.given_name, family_name=person.family_name,
            preferred_name=person.preferred_name, street=household.address.street,
            unit=household.unit)
        self.fill_fields.add("search_text")

    def _fill_blanks(self, step: Step, person: Person, place: tuple[Any, str] | None
                     ) -> None:
        v = step.row.values
        fill: dict[str, Any] = {}
        if v.get("language") and not person.language:
            fill["language"] = v["language"]
        if v.get("preferred_name") and not person.preferred_name:
            fill["preferred_name"] = v["preferred_name"][:100]
        if step.row.birth_year and person.birth_year is None:
            fill["birth_year"] = step.row.birth_year
        if self.base_id is not None and person.base_id is None:
            fill["base_id"] = self.base_id
        for name, value in fill.items():
            setattr(person, name, value)
            self.fill_fields.add(name.removesuffix("_id"))
        if fill and "preferred_name" in fill:
            person.search_text = compose_search_text(
                given_name=person.given_name, family_name=person.family_name,
                preferred_name=person.preferred_name,
                **_home_words(self.homes.get(person.pk), place, self.places))
            self.fill_fields.add("search_text")

    def _add_tags(self, step: Step, person: Person, linked: set[tuple[int, int]]) -> None:
        for name in dict.fromkeys((*step.row.tags, *self.batch_tags)):
            tag = self.tags[name]
            if (person.pk, tag.pk) not in linked:
                linked.add((person.pk, tag.pk))
                self.links.add(person.pk, tag.pk)
                self.link_steps.append(step)

    def _grant_consents(self, step: Step, person: Person,
                        held: dict[tuple[int, str], Consent | None]) -> None:
        for channel in dict.fromkeys(step.row.consents):
            if (person.pk, channel) not in held:
                self.consents.add(self.org_id, person.pk, channel, self.purpose,
                                  Consent.Source.IMPORT, self.wording, self.user_id,
                                  self.granted_at)
                self.consent_steps.append(step)
                held[(person.pk, channel)] = None  # granted by this row
                continue
            before = held[(person.pk, channel)]
            if before is None:
                continue  # granted by an earlier row of this chunk
            step.undo.setdefault("consents_changed", []).append(_row(before))
            before.source, before.wording = Consent.Source.IMPORT, self.wording
            before.granted_at, before.withdrawn_at = self.now, None
            before.recorded_by = self.user
            self.changed_consents[before.pk] = before

    def write_what_people_hold(self) -> None:
        """The collected homes, contacts, tag links and consents, each kind at once, the
        ids kept for undo; then the consents renewed and the people filled in."""
        for writer, owners, key, many in (
                (self.residences, self.residence_steps, "residence_created", False),
                (self.contacts, self.contact_steps, "contacts_created", True),
                (self.links, self.link_steps, "tag_links_created", True),
                (self.consents, self.consent_steps, "consents_created", True)):
            for owner, pk in zip(owners, writer.write(), strict=True):
                if owner is None:
                    continue
                if many:
                    owner.undo.setdefault(key, []).append(pk)
                else:
                    owner.undo[key] = pk
        if self.changed_consents:
            Consent.objects.bulk_update(list(self.changed_consents.values()),
                                        ["source", "wording", "granted_at", "withdrawn_at",
                                         "recorded_by"])
        if self.changed_people:
            _update_each(list(self.changed_people.values()), sorted(self.fill_fields))

    def queue_reviews(self) -> None:
        """Pairs for the duplicates review."""
        pairs = Writer(DuplicateCandidate, ["organization_id", "first_id", "second_id",
                                            "score", "reasons"], self.now)
        reviewed = [s for s in self.new if s.outcome == ImportRow.Outcome.REVIEW]
        for step in reviewed:
            assert step.person_id is not None and step.target is not None
            first, second = sorted((step.target, step.person_id))
            pairs.add(self.org_id, first, second, round(step.score, 2),
                      pairs.prep("reasons", step.reasons))
        for step, pk in zip(reviewed, pairs.write(), strict=True):
            step.candidate_id = pk
            step.undo["candidate"] = pk
            step.messages.append(["review", ""])

    def record_rows(self) -> None:
        """The rows' records."""
        records = Writer(ImportRow, ["organization_id", "batch_id", "number", "outcome",
                                     "person_id", "candidate_id", "messages", "undo"],
                         self.now)
        for s in self.steps:
            records.add(self.org_id, self.batch.pk, s.number, s.outcome, s.person_id,
                        s.candidate_id, records.prep("messages", s.messages),
                        records.prep("undo", s.undo))
        records.write()


def _update_each(objs: Sequence[Model], names: Sequence[str]) -> None:
    """``bulk_update(objs, names)``, as one prepared UPDATE run for each object
    (executemany) instead of one statement of CASE expressions the ORM compiles value by
    value; each value prepared by its field, as bulk_update does (no pre_save)."""
    model = type(objs[0])
    db = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    quote = db.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608 (the model's names)  # nosec B608
           + ", ".join(f"{quote(f.column)} = %s" for f in fields)
           + f" WHERE {quote(meta.pk.column)} = %s")
    with db.cursor() as cursor:
        cursor.executemany(sql, [
            [*(f.get_db_prep_save(getattr(obj, f.attname), db) for f in fields), obj.pk]
            for obj in objs])


def _home_words(home: Residence | None, place: tuple[Any, str] | None,
                places: Places) -> dict[str, str]:
    if place is not None:
        household = places.household(*place)
        return {"street": household.address.street, "unit": household.unit}
    if home is not None and home.pk is not None:
        return {"street": home.household.address.street, "unit": home.household.unit}
    return {}


__all__ = ["Places", "Step", "Writer", "initial_stage_id", "write_chunk"]
