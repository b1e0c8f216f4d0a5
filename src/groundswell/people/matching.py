"""Record matching: is this row the same person as that one?

A first version of the matcher that duplicate review uses today and the import wizard
will extend. Pure Python (no Django), typed, property-tested
(tests/people/test_matching.py).

Records are plain dicts; ``fields`` maps the matcher's field names to the keys of the
dicts, so a spreadsheet row ("First", "Last", "Cell") and a person read from the
database compare alike. Each field is normalized once (accents folded, nicknames made
canonical, phones to E.164, streets to their USPS abbreviations), then:

1. **Blocking.** Only records that share a blocking key are compared, never all pairs:
   the first three letters of a family-name word, the last four digits of a phone, an
   email, a street, or a canonical given name with the family name's initial. Blocks
   larger than ``MAX_BLOCK`` are skipped (a key so common says nothing).
2. **Comparison.** Each field compared on both sides gives an outcome: ``agree``,
   ``close`` (a typo, a nickname, one of two surnames, the same building but another
   unit, a birth year off by one) or ``disagree``. A field missing on either side is
   not compared and does not appear in the explanation.
3. **Scoring** in the style of Fellegi and Sunter: the score is the sum of fixed
   log2 weights, log2(m/u) for agreement and log2((1-m)/(1-u)) for disagreement, where
   m is the chance the field agrees when two records are the same person and u the
   chance it agrees by coincidence. The values are in ``WEIGHTS`` and documented there.

Public functions: ``dedupe(records, fields=...)`` for the pairs within one list, and
``candidates(record, index)`` for the matches of one record in an ``Index`` built with
``build_index(records, fields=...)``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import JaroWinkler

from groundswell.people.normalize import (
    NormalizationError,
    fold,
    normalize_email,
    normalize_phone,
    normalize_unit,
)

# --- the fields and their weights ---------------------------------------------------------

#: The matcher's field names. ``id`` identifies a record in results (its position in the
#: list when absent); ``preferred_name`` is compared together with ``given_name``;
#: ``unit`` together with ``street`` (as ``address``).
FIELD_NAMES = ("id", "given_name", "preferred_name", "family_name", "phone", "email",
               "street", "unit", "birth_year")
DEFAULT_FIELDS: dict[str, str] = {name: name for name in FIELD_NAMES}

#: What an explanation names, in order.
COMPARED = ("given_name", "family_name", "phone", "email", "address", "birth_year")

AGREE, CLOSE, DISAGREE = "agree", "close", "disagree"


def _weight(m: float, u: float) -> tuple[float, float]:
    return math.log2(m / u), math.log2((1 - m) / (1 - u))


@dataclass(frozen=True)
class FieldWeights:
    """Log2 weights of one field. ``close`` is set by hand between the two: a close
    match is evidence, but weaker than an exact one."""

    m: float
    u: float
    close: float

    @property
    def agree(self) -> float:
        return _weight(self.m, self.u)[0]

    @property
    def disagree(self) -> float:
        return _weight(self.m, self.u)[1]

    def of(self, outcome: str) -> float:
        return {AGREE: self.agree, CLOSE: self.close, DISAGREE: self.disagree}[outcome]


#: Fixed weights (m, u, close). Roughly: among a neighborhood's few thousand people, two
#: strangers share a given name 1 time in 100 and a family name 1 in 200; the same
#: person's records show the same given and family name 9 times in 10 (typos, nicknames
#: and dropped second surnames are "close"). Phones and emails almost never agree by
#: chance (u = 1/10,000) but the same person often has another one (m = 0.8), so a
#: different phone is weak evidence against. People move, so a different address is
#: weak evidence too; the same building with another unit is "close". A birth year
#: agrees by chance 1 time in 50 and differs for the same person rarely (typos: off by
#: one is "close").
#:
#: ======== ===== ======= ======= ===== ========
#: field    m     u       agree   close disagree
#: ======== ===== ======= ======= ===== ========
#: given    0.90  0.010   +6.49   +3.5  -3.31
#: family   0.90  0.005   +7.49   +4.0  -3.31
#: phone    0.80  0.0001  +12.97  —     -2.32
#: email    0.80  0.0001  +12.97  —     -2.32
#: address  0.70  0.001   +9.45   +2.0  -1.74
#: birth yr 0.95  0.020   +5.57   +1.5  -4.29
#: ======== ===== ======= ======= ===== ========
WEIGHTS: dict[str, FieldWeights] = {
    "given_name": FieldWeights(m=0.90, u=0.010, close=3.5),
    "family_name": FieldWeights(m=0.90, u=0.005, close=4.0),
    "phone": FieldWeights(m=0.80, u=0.0001, close=0.0),
    "email": FieldWeights(m=0.80, u=0.0001, close=0.0),
    "address": FieldWeights(m=0.70, u=0.001, close=2.0),
    "birth_year": FieldWeights(m=0.95, u=0.020, close=1.5),
}

#: Pairs scoring at least this are worth a human's look. The same full name alone
#: (+13.98) passes; the same full name with another birth year (+9.69) does not; a
#: shared phone with another given name but the same family name (+17.15) does.
THRESHOLD = 10.0

#: A blocking key shared by more records than this is skipped.
MAX_BLOCK = 500

# Similarity (Jaro-Winkler, 0..1) at or above which two names are "close".
NAME_CLOSE = 0.90

# --- nicknames ----------------------------------------------------------------------------

#: Names that are the same person's, across English and Spanish. A name may be in
#: several groups ("beto" is both Roberto and Alberto): two given names match as
#: nicknames when they share a group. Folded (no accents), lowercase.
NICKNAME_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "robert bob bobby rob robbie roberto beto",
    "alberto albert al beto",
    "william bill billy will willie guillermo memo",
    "jose pepe chepe joseph joe joey",
    "jesus chuy chucho",
    "francisco pancho paco frank francis frankie",
    "francisca paquita frances fran",
    "juan john johnny jack",
    "juana jane joan janie",
    "antonio tony anthony tono",
    "enrique henry kike hank",
    "eduardo lalo edward ed eddie",
    "ignacio nacho",
    "manuel manolo manny",
    "rafael rafa ralph",
    "ricardo richard rick ricky dick",
    "carlos charles charlie chuck",
    "miguel michael mike mikey",
    "santiago james jim jimmy jaime",
    "tomas thomas tom tommy",
    "daniel dan danny dani",
    "alejandro alex alejo",
    "alexander alex sandro",
    "alejandra alex ale sandra",
    "cristobal christopher chris",
    "cristina christina tina chris",
    "luis louis lucho",
    "pedro peter pete",
    "pablo paul",
    "andres andrew andy",
    "esteban steven stephen steve",
    "gregorio gregory greg goyo",
    "jorge george coco",
    "samuel sam sammy",
    "benjamin ben benny benja",
    "nicolas nicholas nick nico",
    "maria mary mari",
    "guadalupe lupe lupita",
    "rosario chayo charo",
    "concepcion conchita concha",
    "dolores lola lolita",
    "mercedes meche",
    "consuelo chelo",
    "margarita margaret maggie peggy marge",
    "elizabeth liz beth betty isabel isabela chabela",
    "catalina catherine katherine kate katie cathy",
    "patricia patty pati",
    "jennifer jen jenny",
    "susana susan sue susie",
    "teresa theresa tere terry",
    "ana anne ann annie anita",
    "graciela gracie chela",
    "ernesto ernest neto",
    "rodolfo rudolph rudy fito",
    "adolfo fito",
    "gerardo gerald jerry lalo",
    "fernando fer nando",
    "federico fede fred",
    "armando mando",
    "ramon moncho",
))

_NICKNAMES: dict[str, frozenset[int]] = {}
for _index, _group in enumerate(NICKNAME_GROUPS):
    for _name in _group:
        _NICKNAMES[_name] = _NICKNAMES.get(_name, frozenset()) | {_index}


def nickname_groups(name: str) -> frozenset[int]:
    """The groups a folded given-name word belongs to (empty when none)."""
    return _NICKNAMES.get(name, frozenset())


# --- streets ------------------------------------------------------------------------------

_STREET_WORDS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "street": "st", "avenue": "ave",
    "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "place": "pl", "court": "ct", "terrace": "ter", "parkway": "pkwy", "highway": "hwy",
    "square": "sq", "circle": "cir", "alley": "aly", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw",
}


def canonical_street(street: str) -> str:
    """``"2417 North Front Street"`` and ``"2417 N FRONT ST"`` -> ``"2417 n front st"``:
    the USPS abbreviations, enough to compare what people type with what the address
    normalizer stored."""
    words = fold(street.replace(".", " ")).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words)


# --- prepared records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A record normalized once for blocking and comparison."""

    key: Hashable
    given: tuple[str, ...] = ()  # folded given and preferred names, each in full
    family: str = ""  # folded
    phones: frozenset[str] = frozenset()  # E.164
    emails: frozenset[str] = frozenset()
    street: str = ""  # canonical_street
    unit: str = ""  # normalize_unit
    birth_year: int | None = None

    @property
    def family_words(self) -> tuple[str, ...]:
        return tuple(re.split(r"[\s-]+", self.family)) if self.family else ()

    def present(self) -> frozenset[str]:
        """The compared fields this record has a value for."""
        has = {"given_name": bool(self.given), "family_name": bool(self.family),
               "phone": bool(self.phones), "email": bool(self.emails),
               "address": bool(self.street), "birth_year": self.birth_year is not None}
        return frozenset(name for name, present in has.items() if present)


def _values(raw: Any) -> list[str]:
    """A field may hold one value or several (a person's phones)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, Iterable):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _phones(raw: Any, region: str) -> frozenset[str]:
    found = set()
    for value in _values(raw):
        try:
            found.add(normalize_phone(value, region))
        except NormalizationError:
            continue
    return frozenset(found)


def _emails(raw: Any) -> frozenset[str]:
    found = set()
    for value in _values(raw):
        try:
            found.add(normalize_email(value))
        except NormalizationError:
            continue
    return frozenset(found)


def _birth_year(raw: Any) -> int | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        year = int(str(raw).strip()[:4])
    except ValueError:
        return None
    return year if 1850 <= year <= 2200 else None


def _unit(raw: str) -> str:
    try:
        return normalize_unit(raw)
    except NormalizationError:
        return fold(raw).upper()


def prepare(record: Mapping[str, Any], fields: Mapping[str, str] | None = None,
            key: Hashable = None, region: str = "US") -> Prepared:
    """Normalize one record. ``fields`` maps matcher field names to the record's keys
    (default: the same names); fields it does not map are not used."""
    fields = DEFAULT_FIELDS if fields is None else fields
    unknown = set(fields) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"Unknown matcher fields: {', '.join(sorted(unknown))}")

    def get(name: str) -> Any:
        source = fields.get(name)
        return record.get(source) if source is not None else None

    def text(name: str) -> str:
        value = get(name)
        return fold(str(value)) if value is not None else ""

    given = tuple(dict.fromkeys(v for v in (text("given_name"), text("preferred_name")) if v))
    street = canonical_street(str(get("street") or ""))
    record_key = get("id") if fields.get("id") in record else None
    return Prepared(
        key=record_key if record_key is not None else key,
        given=given,
        family=text("family_name"),
        phones=_phones(get("phone"), region),
        emails=_emails(get("email")),
        street=street,
        unit=_unit(str(get("unit") or "")) if street else "",
        birth_year=_birth_year(get("birth_year")),
    )


# --- comparison ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldResult:
    field: str
    outcome: str  # agree, close, disagree
    weight: float


@dataclass(frozen=True)
class ScoredPair:
    """Two records and why they may be one person. In ``dedupe`` results ``first`` is
    the record that comes first in the input."""

    first: Hashable
    second: Hashable
    score: float
    reasons: tuple[FieldResult, ...] = field(default_factory=tuple)

    def agreed(self) -> list[str]:
        return [r.field for r in self.reasons if r.outcome in (AGREE, CLOSE)]


def similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity, the same whichever side is first."""
    return max(JaroWinkler.normalized_similarity(a, b),
               JaroWinkler.normalized_similarity(b, a))


def _one_given(a: str, b: str) -> str:
    if a == b:
        return AGREE
    words_a, words_b = a.split(), b.split()
    if nickname_groups(a) & nickname_groups(b):
        return AGREE  # "Bob" and "Robert" are one name
    if words_a and words_b and words_a[0] == words_b[0]:
        return CLOSE  # "María José" and "María"
    if any(nickname_groups(x) & nickname_groups(y) for x in words_a for y in words_b):
        return CLOSE
    if similarity(a, b) >= NAME_CLOSE:
        return CLOSE
    return DISAGREE


_RANK = {AGREE: 2, CLOSE: 1, DISAGREE: 0}


def compare_given(a: Sequence[str], b: Sequence[str]) -> str:
    """The best outcome over each side's given and preferred names."""
    return max((_one_given(x, y) for x in a for y in b), key=_RANK.__getitem__)


def compare_family(a: str, b: str) -> str:
    if a == b:
        return AGREE
    words_a = {w for w in re.split(r"[\s-]+", a) if len(w) >= 3}
    words_b = {w for w in re.split(r"[\s-]+", b) if len(w) >= 3}
    if words_a & words_b:
        return CLOSE  # one of two surnames: "Rodríguez García" and "Rodríguez"
    if similarity(a, b) >= NAME_CLOSE:
        return CLOSE  # "Rodriguez" and "Rodrigues"
    return DISAGREE


def compare(a: Prepared, b: Prepared) -> ScoredPair:
    """Score a pair. Symmetric: compare(a, b) and compare(b, a) have the same score and
    reasons. Only fields present on both sides are compared and explained."""
    both = a.present() & b.present()
    outcomes: dict[str, str] = {}
    if "given_name" in both:
        outcomes["given_name"] = compare_given(a.given, b.given)
    if "family_name" in both:
        outcomes["family_name"] = compare_family(a.family, b.family)
    if "phone" in both:
        outcomes["phone"] = AGREE if a.phones & b.phones else DISAGREE
    if "email" in both:
        outcomes["email"] = AGREE if a.emails & b.emails else DISAGREE
    if "address" in both:
        if a.street != b.street:
            outcomes["address"] = DISAGREE
        else:
            outcomes["address"] = AGREE if a.unit == b.unit else CLOSE
    if "birth_year" in both:
        assert a.birth_year is not None and b.birth_year is not None
        gap = abs(a.birth_year - b.birth_year)
        outcomes["birth_year"] = AGREE if gap == 0 else CLOSE if gap == 1 else DISAGREE
    weights = {name: WEIGHTS[name].of(outcome) for name, outcome in outcomes.items()}
    if outcomes.get("given_name") == DISAGREE and outcomes.get("address") in (AGREE, CLOSE):
        # Relatives at one door share a family name and an address: the two agree
        # together far more often than the independent weights assume. With given
        # names that disagree, a shared address is what another member of the household
        # looks like, so it counts for nothing (a shared phone or email still does).
        weights["address"] = 0.0
    reasons = tuple(FieldResult(name, outcomes[name], weights[name])
                    for name in COMPARED if name in outcomes)
    score = math.fsum(r.weight for r in reasons)
    return ScoredPair(a.key, b.key, score, reasons)


def compare_records(a: Mapping[str, Any], b: Mapping[str, Any],
                    fields: Mapping[str, str] | None = None, region: str = "US") -> ScoredPair:
    return compare(prepare(a, fields, key=0, region=region),
                   prepare(b, fields, key=1, region=region))


# --- blocking -----------------------------------------------------------------------------


def blocking_keys(record: Prepared) -> frozenset[str]:
    keys: set[str] = set()
    for word in record.family_words:
        if len(word) >= 2:
            keys.add("family:" + word[:3])
    for phone in record.phones:
        keys.add("phone:" + phone[-4:])
    for email in record.emails:
        keys.add("email:" + email)
    if record.street:
        keys.add("street:" + record.street)
    initial = record.family[:1]
    for given in record.given:
        first = given.split()[0] if given.split() else ""
        groups = nickname_groups(first)
        names = [f"#{g}" for g in sorted(groups)] if groups else [first]
        keys.update(f"given:{name}:{initial}" for name in names if name)
    return frozenset(keys)


@dataclass
class Index:
    """Prepared records by blocking key, for ``candidates``."""

    records: list[Prepared]
    fields: Mapping[str, str]
    region: str = "US"
    blocks: dict[str, list[int]] = field(default_factory=dict)

    def neighbours(self, record: Prepared) -> list[int]:
        """Positions of the records sharing a (not too common) blocking key."""
        found: set[int] = set()
        for key in blocking_keys(record):
            block = self.blocks.get(key, ())
            if len(block) <= MAX_BLOCK:
                found.update(block)
        return sorted(found)


def build_index(records: Iterable[Mapping[str, Any]], fields: Mapping[str, str] | None = None,
                region: str = "US") -> Index:
    fields = dict(DEFAULT_FIELDS if fields is None else fields)
    prepared = [prepare(r, fields, key=position, region=region)
                for position, r in enumerate(records)]
    blocks: dict[str, list[int]] = defaultdict(list)
    for position, record in enumerate(prepared):
        for key in blocking_keys(record):
            blocks[key].append(position)
    return Index(prepared, fields, region, dict(blocks))


def add_to_index(index: Index, record: Mapping[str, Any], key: Hashable = None) -> Prepared:
    """Add one record to ``index`` (an import adds each row once it is placed, so a
    later row of the same file finds it)."""
    prepared = prepare(record, index.fields, key=len(index.records) if key is None else key,
                       region=index.region)
    position = len(index.records)
    index.records.append(prepared)
    for block in blocking_keys(prepared):
        index.blocks.setdefault(block, []).append(position)
    return prepared


def candidates(record: Mapping[str, Any], index: Index, *,
               threshold: float | None = THRESHOLD) -> list[ScoredPair]:
    """The records of ``index`` that may be the same person as ``record``, best first
    (``first`` is ``record``'s id, ``second`` the indexed record's). A record in the
    index matches itself. ``threshold=None`` returns every blocked pair."""
    prepared = prepare(record, index.fields, key=None, region=index.region)
    found = []
    for position in index.neighbours(prepared):
        pair = compare(prepared, index.records[position])
        if threshold is None or pair.score >= threshold:
            found.append(pair)
    found.sort(key=lambda p: -p.score)
    return found


def dedupe(records: Sequence[Mapping[str, Any]], fields: Mapping[str, str] | None = None, *,
           threshold: float | None = THRESHOLD, region: str = "US") -> list[ScoredPair]:
    """Pairs within ``records`` that may be one person, best first. Each pair once, with
    ``first`` the one earlier in ``records``; records are identified by their ``id``
    field, or by their position when it is missing."""
    index = build_index(records, fields, region)
    pairs: list[ScoredPair] = []
    for position, record in enumerate(index.records):
        for other in index.neighbours(record):
            if other <= position:
                continue
            pair = compare(record, index.records[other])
            if threshold is None or pair.score >= threshold:
                pairs.append(pair)
    pairs.sort(key=lambda p: -p.score)
    return pairs


__all__ = [
    "AGREE", "CLOSE", "COMPARED", "DEFAULT_FIELDS", "DISAGREE", "FIELD_NAMES", "MAX_BLOCK",
    "NICKNAME_GROUPS", "THRESHOLD", "WEIGHTS", "FieldResult", "Index", "Prepared",
    "ScoredPair", "add_to_index", "blocking_keys", "build_index", "candidates", "canonical_street",
    "compare", "compare_records", "dedupe", "nickname_groups", "prepare",
]
