"""The import's bulk path, first half: matching a chunk of rows against the people
already here without decrypting their contacts (``bulk`` then writes the chunk).

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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from groundswell.imports.rows import CheckedRow
from groundswell.people import matching
from groundswell.people.models import (
    ContactPoint,
    Person,
    Residence,
)
from groundswell.people.services.merge import PERSON_FIELDS
from groundswell.people.services.records import (
    phone_index,
)

#: An organization this small is read whole for matching (names compared fuzzily with
#: everyone); a larger one is asked, chunk by chunk, for the people sharing a phone, an
#: email or a full name with the chunk's rows.
FULL_INDEX_LIMIT = 5_000
#: Terms per OR query (SQLite's expression depth is limited).
NAME_QUERY_TERMS = 200


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


__all__ = ["FULL_INDEX_LIMIT", "NAME_QUERY_TERMS", "ChunkMatcher", "blind_records",
           "contact_index", "row_record"]
