"""Blocking and the index: the records that share a key with one record
(``candidates``), and the pairs within one list (``dedupe``)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from groundswell.people.matching.fields import AGREE, DEFAULT_FIELDS, DISAGREE, MAX_BLOCK, THRESHOLD
from groundswell.people.matching.outcomes import Others, ScoredPair, _fixed
from groundswell.people.matching.prepared import Prepared, blocking_keys, prepare
from groundswell.people.matching.scoring import compare


@dataclass
class Index:
    """Prepared records by blocking key, for ``candidates``."""

    records: list[Prepared]
    fields: Mapping[str, str]
    region: str = "US"
    blocks: dict[str, list[int]] = field(default_factory=dict)
    blind: bool = False  # phones and emails are blind-index tokens (see prepare)
    #: The weak blocks again, split by which fields their records have (``_signature``),
    #: so ``candidates`` skips at once the part of a common name's block that cannot
    #: reach its threshold.
    weak: dict[str, dict[tuple[Any, ...], list[int]]] = field(default_factory=dict)

    split_weak: bool = True  # fill ``weak`` (only ``candidates`` reads it)
    #: How many records hold each phone and email: a household's is held by several
    #: and weighs little. A caller that indexes only some of an organization's people
    #: sets the organization's counts here (its records are counted on top).
    holders: dict[str, int] = field(default_factory=dict)

    def _add(self, position: int, record: Prepared) -> None:
        holders = self.holders
        for value in record.phones | record.emails:
            holders[value] = holders.get(value, 0) + 1
        signature = None
        for key in blocking_keys(record):
            self.blocks.setdefault(key, []).append(position)
            if self.split_weak and key.startswith(_WEAK_KEYS):
                signature = signature or _signature(record)
                self.weak.setdefault(key, {}).setdefault(signature, []).append(position)

    def neighbours(self, record: Prepared) -> list[int]:
        """Positions of the records sharing a (not too common) blocking key."""
        found: set[int] = set()
        for key in blocking_keys(record):
            block = self.blocks.get(key, ())
            if len(block) <= MAX_BLOCK:
                found.update(block)
        return sorted(found)


_WEAK_KEYS = ("family:", "given:")


def build_index(records: Iterable[Mapping[str, Any]], fields: Mapping[str, str] | None = None,
                region: str = "US", blind: bool = False, *,
                split_weak: bool = True) -> Index:
    fields = dict(DEFAULT_FIELDS if fields is None else fields)
    prepared = [prepare(r, fields, key=position, region=region, blind=blind)
                for position, r in enumerate(records)]
    index = Index(prepared, fields, region, {}, blind, split_weak=split_weak)
    for position, record in enumerate(prepared):
        index._add(position, record)
    return index


def add_to_index(index: Index, record: Mapping[str, Any], key: Hashable = None, *,
                 prepared: Prepared | None = None) -> Prepared:
    """Add one record to ``index`` (an import adds each row once it is placed, so a
    later row of the same file finds it). ``prepared``: the record already prepared
    with the index's fields, region and blindness, and its key (not prepared again)."""
    if prepared is None:
        prepared = prepare(record, index.fields,
                           key=len(index.records) if key is None else key,
                           region=index.region, blind=index.blind)
    position = len(index.records)
    index.records.append(prepared)
    index._add(position, prepared)
    return prepared


def candidates(record: Mapping[str, Any], index: Index, *,
               threshold: float | None = THRESHOLD,
               prepared: Prepared | None = None) -> list[ScoredPair]:
    """The records of ``index`` that may be the same person as ``record``, best first
    (``first`` is ``record``'s id, ``second`` the indexed record's). A record in the
    index matches itself. ``threshold=None`` returns every blocked pair. ``prepared``:
    the record already prepared with the index's fields, region and blindness (an
    import compares each row with two indexes and then adds it to one: prepared once).
    ``record`` is taken not to be in ``index``: a contact's other holders are the
    index's (``Index.holders``) less the one compared."""
    if prepared is None:
        prepared = prepare(record, index.fields, key=None, region=index.region,
                           blind=index.blind)
    positions = index.neighbours(prepared) if threshold is None else \
        _promising(prepared, index, threshold)
    found = []
    records = index.records
    holders = index.holders

    def others(value: str) -> int:
        return holders.get(value, 0) - 1
    for position in positions:
        other = records[position]
        if threshold is not None and _upper_bound(prepared, other) < threshold:
            continue  # cannot reach the threshold whatever its names say
        pair = compare(prepared, other, others=others)
        if threshold is None or pair.score >= threshold:
            found.append(pair)
    found.sort(key=lambda p: -p.score)
    return found


def _promising(record: Prepared, index: Index, threshold: float) -> list[int]:
    """``index.neighbours(record)`` less the records sharing only weak keys whose
    fields cannot add up to ``threshold``. A record sharing a phone, an email or a
    street shares that strong key too, so only-weak neighbours disagree on those when
    both have them (unless a strong block was too large to read: then keep them all)."""
    found: set[int] = set()
    weak_keys = []
    exact = True
    for key in blocking_keys(record):
        block = index.blocks.get(key, ())
        if len(block) > MAX_BLOCK:
            exact = exact and key.startswith(_WEAK_KEYS)
        elif key.startswith(_WEAK_KEYS):
            weak_keys.append(key)
        else:
            found.update(block)
    if not index.split_weak:
        found.update(position for key in weak_keys for position in index.blocks[key])
        return sorted(found)
    signature = _signature(record)
    for key in weak_keys:
        for other, members in index.weak.get(key, {}).items():
            if not exact or _weak_bound(signature, other) >= threshold:
                found.update(members)
    return sorted(found)


def _signature(record: Prepared) -> tuple[Any, ...]:
    return (bool(record.given), bool(record.family), bool(record.phones),
            bool(record.emails), bool(record.street), record.birth_year is not None,
            tuple(name for name, _value in record.extra))


@lru_cache(maxsize=4096)
def _weak_bound(a: tuple[Any, ...], b: tuple[Any, ...]) -> float:
    """The most two records with these signatures (``_signature``) score when they
    share no phone, email or street: names and the other fields at their best."""
    best, fixed = _best_weights(), _fixed()
    bound = 0.0
    for position, name in enumerate(("given_name", "family_name")):
        if a[position] and b[position]:
            bound += best[name]
    for position, name in ((2, "phone"), (3, "email"), (4, "address")):
        if a[position] and b[position]:
            bound += fixed[name][DISAGREE]
    if a[5] and b[5]:
        bound += best["birth_year"]
    return bound + sum(best[name] for name in set(a[6]) & set(b[6]))


@cache
def _best_weights() -> dict[str, float]:
    return {name: max(levels.values()) for name, levels in _fixed().items()}


def _upper_bound(a: Prepared, b: Prepared) -> float:
    """The most ``compare(a, b)`` (fixed weights) can score: the exact outcome of the
    fields compared by set or equality (phones, emails, address), each other field
    present on both sides at its best weight. Cheap, so that a record sharing only a
    common name block with many others skips the full comparison of most of them."""
    best = _best_weights()
    fixed = _fixed()
    bound = 0.0
    if a.given and b.given:
        bound += best["given_name"]
    if a.family and b.family:
        bound += best["family_name"]
    if a.phones and b.phones:
        bound += fixed["phone"][AGREE if a.phones & b.phones else DISAGREE]
    if a.emails and b.emails:
        bound += fixed["email"][AGREE if a.emails & b.emails else DISAGREE]
    if a.street and b.street:
        bound += best["address"] if a.street == b.street else fixed["address"][DISAGREE]
    if a.birth_year is not None and b.birth_year is not None:
        bound += best["birth_year"]
    if a.extra and b.extra:
        theirs = b.extra_map
        bound += sum(best[name] for name, _value in a.extra if name in theirs)
    return bound


def _others_within(index: Index) -> Others:
    """Other holders of a contact when both compared records are in ``index``."""
    holders = index.holders

    def others(value: str) -> int:
        return holders.get(value, 0) - 2
    return others


def dedupe(records: Sequence[Mapping[str, Any]], fields: Mapping[str, str] | None = None, *,
           threshold: float | None = THRESHOLD, region: str = "US") -> list[ScoredPair]:
    """Pairs within ``records`` that may be one person, best first. Each pair once, with
    ``first`` the one earlier in ``records``; records are identified by their ``id``
    field, or by their position when it is missing."""
    index = build_index(records, fields, region)
    pairs: list[ScoredPair] = []
    others = _others_within(index)
    for position, record in enumerate(index.records):
        for other in index.neighbours(record):
            if other <= position:
                continue
            pair = compare(record, index.records[other], others=others)
            if threshold is None or pair.score >= threshold:
                pairs.append(pair)
    pairs.sort(key=lambda p: -p.score)
    return pairs
