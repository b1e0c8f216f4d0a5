"""The import's bulk path: matching a chunk of rows against the people already here
without decrypting their contacts, and writing the chunk with a few bulk statements.

Matching (``ChunkMatcher``)
    Phones and emails are compared by their blind index (``ContactPoint.value_index``),
    never decrypted: a row's phone becomes the same HMAC the database holds, and the
    matcher compares those tokens (``matching.prepare(blind=True)``). The people a
    chunk is compared with are those sharing a phone or an email with one of its rows
    (one indexed query each) or the same given and family name (the
    ``(organization, family_name, given_name)`` index). A small organization
    (``FULL_INDEX_LIMIT`` people or fewer) is read whole once instead, so nicknames and
    typos in names are found too, as the duplicate scan finds them. Earlier rows of the
    same file are in an index of their own, kept for the whole file.

Writing (``write_chunk``)
    People, residences (households from shared addresses, found or made), contacts
    (encrypted, with their blind and last-four indexes, as ``people.services`` writes
    them), tags, consents (source "import"), duplicate pairs for review and the
    ``ImportRow`` records are each inserted with one ``bulk_create``; the people a row
    updates get what they lack with one ``bulk_update``. The search text and the
    computed stage are set as the people are written (a new person has no timeline,
    an update adds none). The caller writes one audit record per chunk. Every
    ``ImportRow.undo`` holds what ``services.undo_import`` needs, as the row-by-row path
    wrote it.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, router
from django.db.models import (
    BooleanField,
    CharField,
    ForeignKey,
    IntegerField,
    Model,
    Q,
    TextField,
)
from django.utils import timezone

from groundswell.core.crypto import EncryptedTextField
from groundswell.core.models import Membership
from groundswell.imports.models import ImportBatch, ImportRow
from groundswell.imports.rows import CheckedRow
from groundswell.people import ladder, matching
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
from groundswell.people.services.merge import PERSON_FIELDS, _row
from groundswell.people.services.records import (
    _clean_names,
    ensure_default_stages,
    last_four_index,
    phone_index,
)

#: An organization this small is read whole for matching (names compared fuzzily with
#: everyone); a larger one is asked, chunk by chunk, for the people sharing a phone, an
#: email or a full name with the chunk's rows.
FULL_INDEX_LIMIT = 5_000
#: Terms per OR query (SQLite's expression depth is limited).
NAME_QUERY_TERMS = 200


def insert_all(objs: Sequence[Model]) -> None:
    """``bulk_create`` for the chunk's many rows of one model, in far fewer and larger
    statements (as many rows per INSERT as the database takes parameters, ids read back
    with RETURNING, as bulk_create reads them): each field's value is prepared by the
    field itself (pre_save, get_db_prep_save: encryption, JSON, dates), but without the
    ORM's per-value SQL compilation, which cost more than the writing. No signals, as
    with bulk_create; the blind index of an encrypted field is filled by its pre_save."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    limit = 30_000
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = min(limit, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    per = max(1, limit // len(fields))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 (names)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.pk.column)}"
    # Text, number, flag and foreign-key columns go to the database as they are (what
    # their get_db_prep_save returns for a str, int, bool or None); the others (dates,
    # JSON, encrypted text...) through their field.
    plain = [_is_plain(f) for f in fields]
    for start in range(0, len(objs), per):
        part = objs[start:start + per]
        params: list[Any] = []
        for obj in part:
            obj._prepare_related_fields_for_save(operation_name="insert_all")
            for f, as_is in zip(fields, plain, strict=True):
                value = getattr(obj, f.attname) if as_is else f.pre_save(obj, True)
                if not as_is or not isinstance(value, _PLAIN_VALUES):
                    value = f.get_db_prep_save(value, connection)
                params.append(value)
        with connection.cursor() as cursor:
            cursor.execute(head + ", ".join([one] * len(part)) + tail, params)
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(part, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias


_PLAIN_VALUES = (str, int, bool, type(None))


def _is_plain(f: Any) -> bool:
    return isinstance(f, (CharField, TextField, IntegerField, BooleanField, ForeignKey)) \
        and not isinstance(f, EncryptedTextField) and not getattr(f, "auto_now", False)


def contact_index(value: str) -> str:
    """The blind index of a normalized phone (E.164) or email, as stored."""
    return phone_index(value)  # the same HMAC for both kinds (ContactPoint.value)


# --- matching ------------------------------------------------------------------------------


def blind_records(org_id: int, person_ids: Iterable[int] | None = None
                  ) -> list[dict[str, Any]]:
    """Active people as the matcher reads them, phones and emails as blind indexes.
    ``person_ids`` None: every active person of the organization."""
    people = Person.objects.filter(organization_id=org_id).active()
    contacts = ContactPoint.objects.filter(organization_id=org_id)
    homes = Residence.objects.filter(organization_id=org_id, ended_on__isnull=True)
    if person_ids is not None:
        ids = list(person_ids)
        if not ids:
            return []
        people, contacts, homes = (people.filter(pk__in=ids), contacts.filter(
            person_id__in=ids), homes.filter(person_id__in=ids))
    by_id: dict[int, dict[str, Any]] = {}
    for pk, given, preferred, family, year in people.values_list(
            "pk", "given_name", "preferred_name", "family_name", "birth_year"):
        by_id[pk] = {"id": pk, "given_name": given, "preferred_name": preferred,
                     "family_name": family, "phone": [], "email": [], "street": "",
                     "unit": "", "birth_year": year}
    for person_id, kind, token in contacts.values_list("person_id", "kind", "value_index"):
        record = by_id.get(person_id)
        if record is not None and kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            record[kind].append(token)
    for person_id, street, unit in homes.values_list("person_id", "household__address__street",
                                                     "household__unit"):
        record = by_id.get(person_id)
        if record is not None and not record["street"]:
            record["street"], record["unit"] = street, unit
    return list(by_id.values())


def row_record(row: CheckedRow) -> dict[str, Any]:
    """A checked row as the matcher reads it, its phone and email as blind indexes."""
    record = row.matcher_record()
    for name in ("phone", "email"):
        record[name] = contact_index(str(record[name])) if record[name] else ""
    return record


class ChunkMatcher:
    """Best match of each row among the people here and the file's earlier rows."""

    def __init__(self, org_id: int, region: str, threshold: float) -> None:
        self.org_id, self.region, self.threshold = org_id, region, threshold
        self.in_file = matching.build_index([], PERSON_FIELDS, region=region, blind=True)
        self.whole: matching.Index | None = None
        # Namesake answers, per (family, given) and kinds of contact lacked, kept from
        # chunk to chunk while nobody else writes (SQLite's data_version) and forgotten
        # for the names this import writes (``forget``): a common name has thousands of
        # namesakes in a large list, each checked for its contacts, and recurs in every
        # chunk.
        self._namesakes: dict[tuple[str, str], dict[tuple[str, ...], set[int]]] = {}
        self._data_version: int | None = None
        if Person.objects.filter(organization_id=org_id).active().count() <= \
                FULL_INDEX_LIMIT:
            self.whole = matching.build_index(blind_records(org_id), PERSON_FIELDS,
                                              region=region, blind=True)

    def _people_index(self, records: Sequence[dict[str, Any]]) -> matching.Index:
        if self.whole is not None:
            return self.whole
        tokens = {t for r in records for t in (r["phone"], r["email"]) if t}
        ids: set[int] = set(ContactPoint.objects.filter(
            organization_id=self.org_id, value_index__in=tokens).values_list(
            "person_id", flat=True)) if tokens else set()
        # The same full name: a person holding a phone (an email) the row's phone
        # (email) is not scores at most given + family + a disagreeing phone, under the
        # threshold unless an address or a birth year can add to it; such rows only
        # need the namesakes lacking that kind of contact (few, in a large list).
        weights = matching.fixed_weights()
        names_only = max(weights["given_name"].values()) + \
            max(weights["family_name"].values())
        by_kinds: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
        for r in records:
            if not r["family_name"] or not r["given_name"]:
                continue
            kinds: tuple[str, ...] = ()
            if not r["street"] and r["birth_year"] is None:
                kinds = tuple(k for k in ("phone", "email") if r[k]
                              and names_only + weights[k]["disagree"] < self.threshold)
            family, given = str(r["family_name"]), str(r["given_name"])
            by_kinds[kinds].update((f, g) for f in {family, family.title()}
                                   for g in {given, given.title()})
        self._check_data_version()
        for kinds, variants in by_kinds.items():
            terms = sorted(t for t in variants if kinds not in self._namesakes.get(t, {}))
            for start in range(0, len(terms), NAME_QUERY_TERMS):
                part = terms[start:start + NAME_QUERY_TERMS]
                found: dict[tuple[str, str], set[int]] = {term: set() for term in part}
                for pk, family, given in _namesakes(self.org_id, part, kinds):
                    found.setdefault((family, given), set()).add(pk)
                for term in part:
                    self._namesakes.setdefault(term, {})[kinds] = found[term]
            for term in variants:
                ids.update(self._namesakes[term][kinds])
        return matching.build_index(blind_records(self.org_id, ids), PERSON_FIELDS,
                                    region=self.region, blind=True)

    def _check_data_version(self) -> None:
        """Keep the namesake answers only while no other connection has written (on
        SQLite, ``PRAGMA data_version`` moves with every commit of another connection;
        elsewhere they are asked again for each chunk)."""
        version = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA data_version")
                version = cursor.fetchone()[0]
        if version is None or version != self._data_version:
            self._namesakes.clear()
        self._data_version = version

    def written(self, people: Iterable[tuple[int, tuple[str, str], Iterable[str]]]
                ) -> None:
        """What this import has just written: (id, (family, given), kinds of contact the
        person now holds) of each person it created or updated. The namesake answers
        kept for their names take them in (or leave them out) as the query would."""
        for pk, name, holds in people:
            answers = self._namesakes.get(name)
            if not answers:
                continue
            held = set(holds)
            for kinds, ids in answers.items():
                if held.isdisjoint(kinds):
                    ids.add(pk)
                else:
                    ids.discard(pk)

    def best(self, records: Sequence[dict[str, Any]]
             ) -> list[matching.ScoredPair | None]:
        """For each record (in order), its best pair at or above the threshold, or None.
        Each record joins the file's index once matched, so later rows find it."""
        people = self._people_index(records)
        found: list[matching.ScoredPair | None] = []
        for record in records:
            best = next(iter(matching.candidates(record, people, threshold=self.threshold)),
                        None)
            earlier = next(iter(matching.candidates(record, self.in_file,
                                                    threshold=self.threshold)), None)
            if earlier is not None and (best is None or earlier.score > best.score):
                best = earlier
            found.append(best)
            matching.add_to_index(self.in_file, record)
        return found


def _namesakes(org_id: int, names: Sequence[tuple[str, str]], kinds: Sequence[str]
               ) -> list[tuple[int, str, str]]:
    """(id, family, given) of the people with one of ``names`` (family, given) exactly,
    through the (organization, family_name, given_name) index, and with no contact of
    ``kinds``. One statement of OR-ed pairs, each an index lookup (SQLite's multi-index
    OR; a row-value IN list scanned the organization's whole index, 0.4 s a query at
    1,000,000 people against 8 ms); written by hand because the ORM's OR of hundreds of
    Q objects cost more to compile than to run."""
    person, contact = Person._meta, ContactPoint._meta
    quote = connection.ops.quote_name
    sql = (f"SELECT p.{quote(person.pk.column)}, p.family_name, p.given_name "  # noqa: S608
           f"FROM {quote(person.db_table)} p WHERE p.organization_id = %s AND ("
           + " OR ".join(["(p.family_name = %s AND p.given_name = %s)"] * len(names)) + ")")
    params: list[Any] = [org_id, *(value for pair in names for value in pair)]
    if kinds:
        sql += (f" AND NOT EXISTS (SELECT 1 FROM {quote(contact.db_table)} c "  # noqa: S608
                f"WHERE c.person_id = p.{quote(person.pk.column)} "  # noqa: S608
                "AND c.kind IN (" + ", ".join(["%s"] * len(kinds)) + "))")
        params.extend(kinds)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


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
    person: Person | None = None
    candidate: DuplicateCandidate | None = None
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
                stage_id: int | None, places: Places | None = None) -> list[ImportRow]:
    """Write the chunk's created, reviewed and updated rows (call inside a transaction)
    and return its ImportRow records, saved. Steps whose outcome is ``updated`` or
    ``review`` must have a ``target`` that exists and is active."""
    org_id = batch.organization_id
    places = places or Places(org_id)
    user = actor.user
    options = batch.options
    batch_tags = [t for t in options.get("tags", []) if t]
    base_id = options.get("base") if batch.base is not None else None
    purpose = options.get("purpose") or Consent.Purpose.GENERAL
    wording = options.get("wording", "")
    now = timezone.now()
    today = timezone.localdate()
    new = [s for s in steps if s.outcome in (ImportRow.Outcome.CREATED,
                                             ImportRow.Outcome.REVIEW)]
    updates = [s for s in steps if s.outcome == ImportRow.Outcome.UPDATED]
    targets = Person.objects.in_bulk({s.target for s in updates if s.target})
    for step in updates:
        step.person = targets[step.target]
        step.undo["person"] = step.person.pk
    homes: dict[int, Residence] = {
        r.person_id: r for r in Residence.objects.filter(
            person_id__in=list(targets), ended_on__isnull=True).select_related(
            "household__address")}

    # Places: every new person with an address, and people updated who have no home.
    wanted: list[tuple[Step, Any, str, int | None]] = []
    located: dict[int, tuple[Any, str]] = {}
    for step in steps:
        if step.outcome not in (ImportRow.Outcome.CREATED, ImportRow.Outcome.REVIEW,
                                ImportRow.Outcome.UPDATED) or not step.row.values.get("street"):
            continue
        if step.outcome == ImportRow.Outcome.UPDATED and step.person is not None and \
                step.person.pk in homes:
            step.messages.append(["address_kept", ""])
            continue
        try:
            address, unit = _address_of(step.row.values)
        except NormalizationError:
            step.outcome = ImportRow.Outcome.ERROR
            step.messages.append(["bad_address", ""])
            step.undo, step.person = {}, None
            continue
        located[step.number] = (address, unit)
        person_base = step.person.base_id if step.person is not None else base_id
        wanted.append((step, address, unit, person_base))
        if step.person is not None:
            homes[step.person.pk] = Residence(person_id=step.person.pk)  # one home a chunk
    new = [s for s in new if s.outcome != ImportRow.Outcome.ERROR]
    updates = [s for s in updates if s.outcome != ImportRow.Outcome.ERROR]
    if wanted:
        places.resolve(wanted)
    tags = _tags(org_id, [*new, *updates], batch_tags)

    # New people and what they hold.
    for step in new:
        v = step.row.values
        given, family, preferred = _clean_names(v.get("given_name", ""),
                                                v.get("family_name", ""),
                                                v.get("preferred_name", ""))
        place = located.get(step.number)
        household = places.household(*place) if place else None
        step.person = Person(
            organization_id=org_id, given_name=given, family_name=family,
            preferred_name=preferred, language=v.get("language", ""), base_id=base_id,
            birth_year=step.row.birth_year, created_by=user, computed_stage_id=stage_id,
            search_text=compose_search_text(
                given_name=given, family_name=family, preferred_name=preferred,
                street=household.address.street if household else "",
                unit=household.unit if household else ""))
    insert_all([s.person for s in new])
    residences: list[Residence] = []
    contacts: list[ContactPoint] = []
    links: list[tuple[Step | None, Any]] = []
    consents: list[Consent] = []
    for step in new:
        person = step.person
        assert person is not None
        step.undo["created"] = person.pk
        place = located.get(step.number)
        if place:
            residences.append(Residence(organization_id=org_id, person=person,
                                        household=places.household(*place)))
        v = step.row.values
        if v.get("phone"):
            contacts.append(_contact(org_id, person, ContactPoint.Kind.PHONE, v["phone"], True))
            step.holds.add(ContactPoint.Kind.PHONE)
        if v.get("email"):
            contacts.append(_contact(org_id, person, ContactPoint.Kind.EMAIL, v["email"], True))
            step.holds.add(ContactPoint.Kind.EMAIL)
        for name in dict.fromkeys((*step.row.tags, *batch_tags)):
            links.append((None, Person.tags.through(person_id=person.pk,
                                                    tag_id=tags[name].pk)))
        for channel in dict.fromkeys(step.row.consents):
            consents.append(Consent(organization_id=org_id, person=person, channel=channel,
                                    purpose=purpose, source=Consent.Source.IMPORT,
                                    wording=wording, recorded_by=user, granted_at=now))

    # People updated: add what they lack, never overwrite.
    ids = list(targets)
    have: dict[int, set[str]] = defaultdict(set)
    kinds: dict[int, set[str]] = defaultdict(set)
    for person_id, kind, token in ContactPoint.objects.filter(
            person_id__in=ids).values_list("person_id", "kind", "value_index"):
        have[person_id].add(token)
        kinds[person_id].add(kind)
    linked = set(Person.tags.through.objects.filter(person_id__in=ids).values_list(
        "person_id", "tag_id"))
    held = {(c.person_id, c.channel): c for c in Consent.objects.filter(
        person_id__in=ids, purpose=purpose)}
    changed_consents: dict[int, Consent] = {}
    changed_people: dict[int, Person] = {}
    fill_fields = {"updated_at"}
    for step in updates:
        person = step.person
        assert person is not None
        step.undo["before"] = {k: v for k, v in _row(person).items() if k != "id"}
        v = step.row.values
        for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            value = v.get(kind)
            if not value or contact_index(value) in have[person.pk]:
                continue
            contact = _contact(org_id, person, kind, value, kind not in kinds[person.pk])
            have[person.pk].add(contact_index(value))
            kinds[person.pk].add(kind)
            contact._import_step = step  # type: ignore[attr-defined]
            contacts.append(contact)
        place = located.get(step.number)
        if place:
            residence = Residence(organization_id=org_id, person=person,
                                  household=places.household(*place), started_on=today)
            residence._import_step = step  # type: ignore[attr-defined]
            residences.append(residence)
            household = places.household(*place)
            person.search_text = compose_search_text(
                given_name=person.given_name, family_name=person.family_name,
                preferred_name=person.preferred_name, street=household.address.street,
                unit=household.unit)
            fill_fields.add("search_text")
        fill: dict[str, Any] = {}
        if v.get("language") and not person.language:
            fill["language"] = v["language"]
        if v.get("preferred_name") and not person.preferred_name:
            fill["preferred_name"] = v["preferred_name"][:100]
        if step.row.birth_year and person.birth_year is None:
            fill["birth_year"] = step.row.birth_year
        if base_id is not None and person.base_id is None:
            fill["base_id"] = base_id
        for name, value in fill.items():
            setattr(person, name, value)
            fill_fields.add(name.removesuffix("_id"))
        if fill and "preferred_name" in fill:
            person.search_text = compose_search_text(
                given_name=person.given_name, family_name=person.family_name,
                preferred_name=person.preferred_name,
                **_home_words(homes.get(person.pk), place, places))
            fill_fields.add("search_text")
        person.updated_at = now
        changed_people[person.pk] = person
        step.holds = kinds[person.pk]
        for name in dict.fromkeys((*step.row.tags, *batch_tags)):
            tag = tags[name]
            if (person.pk, tag.pk) not in linked:
                linked.add((person.pk, tag.pk))
                links.append((step, Person.tags.through(person_id=person.pk, tag_id=tag.pk)))
        for channel in dict.fromkeys(step.row.consents):
            before = held.get((person.pk, channel))
            if before is None:
                consent = Consent(organization_id=org_id, person=person, channel=channel,
                                  purpose=purpose, source=Consent.Source.IMPORT,
                                  wording=wording, recorded_by=user, granted_at=now)
                consent._import_step = step  # type: ignore[attr-defined]
                consents.append(consent)
                held[(person.pk, channel)] = consent
            elif before.pk is None:
                continue  # created by an earlier row of this chunk: already granted
            else:
                step.undo.setdefault("consents_changed", []).append(_row(before))
                before.source, before.wording = Consent.Source.IMPORT, wording
                before.granted_at, before.withdrawn_at = now, None
                before.recorded_by = user
                changed_consents[before.pk] = before

    insert_all(residences)
    insert_all(contacts)
    insert_all([link for _s, link in links])
    insert_all(consents)
    for residence in residences:
        step = getattr(residence, "_import_step", None)
        if step is not None:
            step.undo["residence_created"] = residence.pk
    for contact in contacts:
        step = getattr(contact, "_import_step", None)
        if step is not None:
            step.undo.setdefault("contacts_created", []).append(contact.pk)
    for step, link in links:
        if step is not None:
            step.undo.setdefault("tag_links_created", []).append(link.pk)
    for consent in consents:
        step = getattr(consent, "_import_step", None)
        if step is not None:
            step.undo.setdefault("consents_created", []).append(consent.pk)
    if changed_consents:
        Consent.objects.bulk_update(list(changed_consents.values()),
                                    ["source", "wording", "granted_at", "withdrawn_at",
                                     "recorded_by"])
    if changed_people:
        Person.objects.bulk_update(list(changed_people.values()), sorted(fill_fields))

    # Pairs for the duplicates review, then the rows' records.
    pairs = []
    for step in new:
        if step.outcome == ImportRow.Outcome.REVIEW:
            assert step.person is not None and step.target is not None
            first, second = sorted((step.target, step.person.pk))
            step.candidate = DuplicateCandidate(
                organization_id=org_id, first_id=first, second_id=second,
                score=round(step.score, 2), reasons=step.reasons)
            pairs.append(step.candidate)
    insert_all(pairs)
    for step in new:
        if step.candidate is not None:
            step.undo["candidate"] = step.candidate.pk
            step.messages.append(["review", ""])
    records = [ImportRow(organization_id=org_id, batch=batch, number=s.number,
                         outcome=s.outcome, person=s.person, candidate=s.candidate,
                         messages=s.messages, undo=s.undo) for s in steps]
    insert_all(records)
    return records


def _home_words(home: Residence | None, place: tuple[Any, str] | None,
                places: Places) -> dict[str, str]:
    if place is not None:
        household = places.household(*place)
        return {"street": household.address.street, "unit": household.unit}
    if home is not None and home.pk is not None:
        return {"street": home.household.address.street, "unit": home.household.unit}
    return {}


def _contact(org_id: int, person: Person, kind: str, value: str,
             primary: bool) -> ContactPoint:
    """A contact as people.services writes it: the value encrypted (its blind index
    filled on save), a phone's last four indexed."""
    contact = ContactPoint(organization_id=org_id, person=person, kind=kind, value=value,
                           sms_capable=kind == ContactPoint.Kind.PHONE, is_primary=primary)
    if kind == ContactPoint.Kind.PHONE:
        contact.last_four_index = last_four_index(phone_last_four(value))
    return contact


__all__ = ["FULL_INDEX_LIMIT", "ChunkMatcher", "Places", "Step", "blind_records",
           "contact_index", "initial_stage_id", "insert_all", "row_record", "write_chunk"]
