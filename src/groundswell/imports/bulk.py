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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, connections, router
from django.db.models import DateTimeField, Model, Q
from django.utils import timezone

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
        if record[name]:
            record[name] = row.tokens[name] = contact_index(str(record[name]))
        else:
            record[name] = ""
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
        # Who holds each of the chunk's phones and emails: the people to compare, and
        # how many hold each (a household's phone weighs little).
        held = ContactPoint.objects.filter(organization_id=self.org_id,
                                           value_index__in=tokens).values_list(
            "value_index", "person_id") if tokens else []
        holders: dict[str, set[int]] = defaultdict(set)
        for token, person_id in held:
            holders[token].add(person_id)
        ids: set[int] = {pk for people in holders.values() for pk in people}
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
        # Lacking a phone and an email: those lacking a phone (asked for first, as the
        # many rows with only a phone ask) less those holding an email (a few to check).
        if ("phone", "email") in by_kinds:
            by_kinds.setdefault(("phone",), set()).update(by_kinds[("phone", "email")])
        for kinds in sorted(by_kinds, key=len):
            variants = by_kinds[kinds]
            terms = sorted(t for t in variants if kinds not in self._namesakes.get(t, {}))
            if kinds == ("phone", "email"):
                self._narrow(terms, ("phone",), "email", kinds)
            for start in range(0, len(terms), NAME_QUERY_TERMS):
                part = terms[start:start + NAME_QUERY_TERMS]
                found: dict[tuple[str, str], set[int]] = {term: set() for term in part}
                for pk, family, given in _namesakes(self.org_id, part, kinds):
                    found.setdefault((family, given), set()).add(pk)
                for term in part:
                    self._namesakes.setdefault(term, {})[kinds] = found[term]
            for term in variants:
                ids.update(self._namesakes[term][kinds])
        index = matching.build_index(blind_records(self.org_id, ids), PERSON_FIELDS,
                                     region=self.region, blind=True)
        index.holders = {token: len(people) for token, people in holders.items()}
        return index

    def _narrow(self, terms: list[tuple[str, str]], wider: tuple[str, ...], kind: str,
                kinds: tuple[str, ...]) -> None:
        """The answers for ``kinds`` of ``terms`` (emptied: they are answered here) from
        those for ``wider`` (already known): their namesakes less those holding a contact
        of ``kind``."""
        found = {term: self._namesakes[term][wider] for term in terms}
        terms.clear()
        people = sorted({pk for ids in found.values() for pk in ids})
        holding: set[int] = set()
        for start in range(0, len(people), 500):
            holding.update(ContactPoint.objects.filter(
                person_id__in=people[start:start + 500], kind=kind).values_list(
                "person_id", flat=True))
        for term, ids in found.items():
            self._namesakes[term][kinds] = ids - holding

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

    def prepare(self, record: dict[str, Any]) -> matching.Prepared:
        """``record`` as both indexes and the file's read it (the same fields, region and
        blindness; the key is the row's id either way): prepared once for all three."""
        return matching.prepare(record, self.in_file.fields, region=self.region,
                                blind=True)

    def best(self, records: Sequence[dict[str, Any]],
             prepared: Sequence[matching.Prepared] | None = None
             ) -> list[matching.ScoredPair | None]:
        """For each record (in order), its best pair at or above the threshold, or None.
        Each record joins the file's index once matched, so later rows find it.
        ``prepared``: the records already through ``prepare``, in the same order."""
        people = self._people_index(records)
        found: list[matching.ScoredPair | None] = []
        if prepared is None:
            prepared = [self.prepare(record) for record in records]
        # A contact's other holders are counted within each index (the people here, or
        # the file's earlier rows), not across both: an earlier row that updated a
        # person is that person, not another holder.
        for record, ready in zip(records, prepared, strict=True):
            best = next(iter(matching.candidates(record, people, threshold=self.threshold,
                                                 prepared=ready)), None)
            earlier = next(iter(matching.candidates(record, self.in_file,
                                                    threshold=self.threshold,
                                                    prepared=ready)), None)
            if earlier is not None and (best is None or earlier.score > best.score):
                best = earlier
            found.append(best)
            matching.add_to_index(self.in_file, record, prepared=ready)
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
    # The model's names, quoted; every value is a parameter.
    sql = (f"SELECT p.{quote(person.pk.column)}, p.family_name, p.given_name "  # noqa: S608  # nosec B608
           f"FROM {quote(person.db_table)} p WHERE p.organization_id = %s AND ("
           + " OR ".join(["(p.family_name = %s AND p.given_name = %s)"] * len(names)) + ")")
    params: list[Any] = [org_id, *(value for pair in names for value in pair)]
    if kinds:
        sql += (f" AND NOT EXISTS (SELECT 1 FROM {quote(contact.db_table)} c "  # noqa: S608  # nosec B608
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


__all__ = ["FULL_INDEX_LIMIT", "ChunkMatcher", "Places", "Step", "blind_records",
           "Writer", "contact_index", "initial_stage_id", "row_record", "write_chunk"]
