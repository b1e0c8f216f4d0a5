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
``build_index(records, fields=...)`` (``add_to_index`` grows it one record at a time, as
an import does). ``link(left, right, fields=...)`` links two lists and
``dedupe_all(records, fields=...)`` deduplicates one, both with weights estimated from
the compared pairs by EM (``estimate_weights``) unless fixed or given ones are asked
for, returning scored pairs, their ``clusters`` and the weights used. Every pair
carries its explanation: each compared field, its outcome and its weight
(``ScoredPair.reasons``, ``explain()``). Beyond a neighborhood's people, ``EXTRA_FIELDS``
(full birth date, an id number, street number, address lines, city, postal code,
state) let it run on any data set, e.g. FEBRL (benchmarks/matching_febrl4.py).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from groundswell.people.normalize import (
    NormalizationError,
    fold,
    name_parts,
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

#: Further fields for data sets beyond a neighborhood's people (voter files, FEBRL...),
#: each compared by its kind: "date" (digits; one typo or day and month swapped is
#: close), "code" (exact; one typo is close), "text" (folded; Jaro-Winkler >= 0.9 is
#: close). A field maps to one key of the record or to several joined by a space.
EXTRA_FIELDS: dict[str, str] = {
    "birth_date": "date", "national_id": "code", "street_number": "code",
    "address_line_1": "text", "address_line_2": "text", "city": "text",
    "postal_code": "code", "state": "code",
}
ALL_FIELDS = (*FIELD_NAMES, *EXTRA_FIELDS)
_EXTRA_ORDER = {name: position for position, name in enumerate(EXTRA_FIELDS)}
DEFAULT_FIELDS: dict[str, str] = {name: name for name in FIELD_NAMES}

#: What an explanation names, in order.
COMPARED = ("given_name", "family_name", "generation", "phone", "email", "address",
            "birth_year", *EXTRA_FIELDS)

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
    #: Set by hand instead of from m and u, where the two fields of a pair are not
    #: independent of the others (a birth year that differs between namesakes).
    against: float | None = None
    for_: float | None = None

    @property
    def agree(self) -> float:
        return _weight(self.m, self.u)[0] if self.for_ is None else self.for_

    @property
    def disagree(self) -> float:
        return _weight(self.m, self.u)[1] if self.against is None else self.against

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
#: given    0.90  0.010   +6.49   +2.5  -3.31
#: family   0.90  0.005   +7.49   +3.0  -3.31
#: phone    0.80  0.0001  +12.97  —     -2.32
#: email    0.80  0.0001  +12.97  —     -2.32
#: address  0.70  0.001   +9.45   +2.0  -1.74
#: birth yr 0.95  0.020   +5.57   +1.5  -12 (set)
#: ======== ===== ======= ======= ===== ========
#:
#: Phones and emails have a second kind of agreement, "close": the two share a contact
#: that others in the organization hold too (a household's landline or shared email).
#: It says the two live together, not that they are one person: +3, one bit less for
#: each doubling of the others holding it, never under +1 (``shared_contact_weight``).
#: ``generation`` is compared when either name carries a generational suffix (Jr, Sr,
#: II, III, hijo, padre): the same suffix adds nothing, a suffix on one side only
#: (close) -6, two different ones -10. Relatives at one door share an address: with
#: given names only close, a shared address weighs as "close" (+2); with evidence of
#: two people (``two_people``) it weighs nothing and a shared phone as a household's.
WEIGHTS: dict[str, FieldWeights] = {
    "given_name": FieldWeights(m=0.90, u=0.010, close=2.5),
    "family_name": FieldWeights(m=0.90, u=0.005, close=3.0),
    "phone": FieldWeights(m=0.80, u=0.0001, close=3.0),
    "email": FieldWeights(m=0.80, u=0.0001, close=3.0),
    "address": FieldWeights(m=0.70, u=0.001, close=2.0),
    "birth_year": FieldWeights(m=0.95, u=0.020, close=1.5, against=-12.0),
    "generation": FieldWeights(m=0.5, u=0.5, close=-6.0, against=-10.0, for_=0.0),
    # The further fields: set by hand, usually replaced by estimate_weights (EM).
    "birth_date": FieldWeights(m=0.95, u=0.0005, close=4.0),
    "national_id": FieldWeights(m=0.95, u=0.0001, close=5.0),
    "street_number": FieldWeights(m=0.90, u=0.05, close=1.0),
    "address_line_1": FieldWeights(m=0.85, u=0.005, close=3.0),
    "address_line_2": FieldWeights(m=0.80, u=0.01, close=2.0),
    "city": FieldWeights(m=0.90, u=0.01, close=2.5),
    "postal_code": FieldWeights(m=0.90, u=0.01, close=2.0),
    "state": FieldWeights(m=0.95, u=0.20, close=0.5),
}

#: Weights as the scorer uses them: field -> outcome -> log2 weight. ``WEIGHTS`` gives
#: the fixed ones; ``estimate_weights`` estimates them from the data (EM).
Weights = Mapping[str, Mapping[str, float]]


def fixed_weights() -> dict[str, dict[str, float]]:
    return {name: {AGREE: w.agree, CLOSE: w.close, DISAGREE: w.disagree}
            for name, w in WEIGHTS.items()}

#: Pairs scoring at least this are worth a human's look. The same full name alone
#: (+13.98) passes; half of it alone ("José García" and "José García López", +9.49:
#: among a few thousand Spanish-speaking families, mostly two people) does not, nor
#: the same full name with another birth year; a shared phone with another given name
#: but the same family name is a household (+7.18) and does not either.
THRESHOLD = 10.0

#: A blocking key shared by more records than this is skipped.
MAX_BLOCK = 500

# Similarity (Jaro-Winkler, 0..1) at or above which two names are "close".
NAME_CLOSE = 0.90

# --- nicknames ----------------------------------------------------------------------------

#: Names that are the same person's, across English and Spanish. A name may be in
#: several groups ("beto" is both Roberto and Alberto): two given names match as
#: nicknames when they share a group. Folded (no accents), lowercase, with the usual
#: spellings of each short form (Lety, Leti; Paty, Pati).
#:
#: The Spanish short forms (hipocorísticos) come from the list in the Spanish
#: Wikipedia's "Anexo:Hipocorísticos en español", checked against the Academia
#: Mexicana de la Lengua's notes on hipocorísticos (Pepe, Paco, Pancho, Chucho) and
#: chilango.com's "Hipocorísticos raros de la A a la Z" (Mexican usage: Chava, Memo,
#: Tavo, Chente, Lencho), keeping those common among Mexican, Central American and
#: Caribbean families in the United States.
NICKNAME_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "robert bob bobby rob robbie roberto beto",
    "alberto albert al beto",
    "humberto beto",
    "adalberto beto",
    "william bill billy will willie guillermo memo",
    "jose pepe chepe joseph joe joey",
    "josefa pepa chepa josefina fina",
    "jesus chuy chucho chus",
    "francisco pancho paco frank francis frankie kiko quico curro",
    "francisca paquita frances fran pancha paca",
    "juan john johnny jack juanito",
    "juana jane joan janie juanita",
    "antonio tony anthony tono antonito",
    "antonia tona tonia toni",
    "enrique henry kike quique hank",
    "eduardo lalo edward ed eddie",
    "ignacio nacho",
    "manuel manolo manny manu",
    "rafael rafa ralph",
    "ricardo richard rick ricky dick richi",
    "carlos charles charlie chuck carlitos",
    "miguel michael mike mikey migue",
    "santiago james jim jimmy jaime chago",
    "tomas thomas tom tommy",
    "daniel dan danny dani",
    "alejandro alex alejo jando",
    "alexander alex sandro",
    "alejandra alex ale sandra",
    "cristobal christopher chris",
    "cristina christina tina chris",
    "luis louis lucho",
    "pedro peter pete perico",
    "pablo paul",
    "andres andrew andy",
    "esteban steven stephen steve",
    "gregorio gregory greg goyo",
    "jorge george coco",
    "samuel sam sammy",
    "benjamin ben benny benja mincho",
    "nicolas nicholas nick nico",
    "maria mary mari",
    "guadalupe lupe lupita",
    "rosario chayo charo",
    "concepcion conchita concha conchi",
    "dolores lola lolita",
    "mercedes meche merche merce",
    "consuelo chelo",
    "margarita margaret maggie peggy marge mago magos",
    "elizabeth liz beth betty isabel isabela chabela",
    "catalina catherine katherine kate katie cathy cata",
    "patricia patty pati paty",
    "leticia lety leti",
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
    "salvador chava chavo",
    "gustavo tavo gus",
    "octavio tavo",
    "alfonso poncho alfon",
    "vicente chente",
    "lorenzo lencho",
    "sergio checo",
    "alicia licha",
    "refugio cuca cuco cuquita",
    "asuncion chona",
    "sebastian chano",
    "gabriela gaby gabi",
    "gabriel gabe gabo",
    "veronica vero",
    "victoria vicky",
    "yolanda yoli",
    "leopoldo polo",
    "gonzalo chalo",
    "anastasio tacho",
    "candelaria cande",
    "pilar pili",
    "remedios reme",
    "inmaculada inma",
    "domingo mingo",
    "agustin cucho agus",
    "felipe pipe",
    "rebeca becky",
))

#: Short forms of two given names at once: compared as the two names.
COMPOUND_NICKNAMES: dict[str, tuple[str, ...]] = {
    "chema": ("jose", "maria"), "josema": ("jose", "maria"), "juanjo": ("juan", "jose"),
    "juanma": ("juan", "manuel"), "luismi": ("luis", "miguel"),
    "maite": ("maria", "teresa"), "marite": ("maria", "teresa"),
    "marichuy": ("maria", "jesus"), "maricarmen": ("maria", "carmen"),
    "mariajo": ("maria", "jose"), "malena": ("maria", "elena"),
    "maru": ("maria", "eugenia"), "marisol": ("maria", "soledad"),
    "mayte": ("maria", "teresa"),
}

#: Abbreviations of the first of two given names ("Ma. Guadalupe", "Ma Elena").
_GIVEN_ABBREVIATIONS = {"ma": "maria", "mª": "maria", "ma.": "maria"}

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
    if not street:
        return ""
    words = fold(street.replace(".", " ")).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words)


# --- prepared records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A record normalized once for blocking and comparison."""

    key: Hashable
    given: tuple[str, ...] = ()  # folded given and preferred names, each in full
    family: str = ""  # folded surnames, without particles or a generational suffix
    phones: frozenset[str] = frozenset()  # E.164
    emails: frozenset[str] = frozenset()
    street: str = ""  # canonical_street
    unit: str = ""  # normalize_unit
    birth_year: int | None = None
    extra: tuple[tuple[str, str], ...] = ()  # (EXTRA_FIELDS name, normalized value)
    generation: int = 0  # from a suffix (normalize.GENERATION_SUFFIXES); 0 when none

    @cached_property
    def extra_map(self) -> dict[str, str]:
        return dict(self.extra)

    @cached_property
    def block_keys(self) -> frozenset[str]:
        """``blocking_keys(self)``, worked out once: a record is looked up in and added
        to several indexes (an import row: the people here, the file's earlier rows)."""
        return _blocking_keys(self)

    @property
    def family_words(self) -> tuple[str, ...]:
        return tuple(self.family.split())

    def present(self) -> frozenset[str]:
        """The compared fields this record has a value for."""
        has = {"given_name": bool(self.given), "family_name": bool(self.family),
               "phone": bool(self.phones), "email": bool(self.emails),
               "address": bool(self.street), "birth_year": self.birth_year is not None,
               "generation": bool(self.generation)}
        return frozenset(name for name, present in has.items() if present) | frozenset(
            name for name, _value in self.extra)


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


_fold = lru_cache(maxsize=1 << 16)(fold)  # names, towns and states repeat a lot


def _extra_value(kind: str, raw: Any) -> str:
    if raw is None:
        return ""
    text = str(raw)
    if kind == "date":
        return text if text.isdigit() else re.sub(r"\D", "", text)
    if kind == "code":
        return _fold(text).replace(" ", "")
    return _fold(text)


@lru_cache(maxsize=64)
def _extras_of(fields: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, str, Any], ...]:
    """The further fields a mapping uses, in EXTRA_FIELDS order, with their kind and
    source (worked out once per mapping, not once per record); refuses unknown names."""
    unknown = {name for name, _source in fields} - set(ALL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown matcher fields: {', '.join(sorted(unknown))}")
    extras = [(name, EXTRA_FIELDS[name], source) for name, source in fields
              if name in EXTRA_FIELDS]
    return tuple(sorted(extras, key=lambda item: _EXTRA_ORDER[item[0]]))


def prepare(record: Mapping[str, Any], fields: Mapping[str, Any] | None = None,
            key: Hashable = None, region: str = "US", blind: bool = False) -> Prepared:
    """Normalize one record. ``fields`` maps matcher field names to the record's keys
    (default: the same names), or to a tuple of keys whose values are joined by a
    space; fields it does not map are not used. ``blind``: phones and emails are
    already opaque tokens (a blind index of the normalized value), compared as given,
    so a database's contacts need not be decrypted to be matched."""
    fields = DEFAULT_FIELDS if fields is None else fields
    extras = _extras_of(tuple(fields.items()))

    def get(name: str) -> Any:
        source = fields.get(name)
        if isinstance(source, tuple):
            parts = [record.get(k) for k in source]
            joined = " ".join(str(p) for p in parts if p not in (None, ""))
            return joined or None
        return record.get(source) if source is not None else None

    def text(name: str) -> str:
        value = get(name)
        return _fold(str(value)) if value is not None else ""

    family, generation = _family_of(text("family_name"))
    given_names = []
    for name in ("given_name", "preferred_name"):
        value, suffix = _given_of(text(name))
        generation = generation or suffix
        if value:
            given_names.append(value)
    given = tuple(dict.fromkeys(given_names))
    street = canonical_street(str(get("street") or "")) if "street" in fields else ""
    record_key = get("id") if fields.get("id") in record else None
    extra = []
    for name, kind, source in extras:
        raw = get(name) if isinstance(source, tuple) else record.get(source)
        value = _extra_value(kind, raw)
        if value:
            extra.append((name, value))
    return Prepared(
        key=record_key if record_key is not None else key,
        given=given,
        family=family,
        phones=(frozenset(v for v in _values(get("phone")) if v) if blind
                else _phones(get("phone"), region)) if "phone" in fields else frozenset(),
        emails=(frozenset(v for v in _values(get("email")) if v) if blind
                else _emails(get("email"))) if "email" in fields else frozenset(),
        street=street,
        unit=_unit(str(get("unit") or "")) if street else "",
        birth_year=_birth_year(get("birth_year")) if "birth_year" in fields else None,
        extra=tuple(extra),
        generation=generation,
    )


@lru_cache(maxsize=1 << 16)
def _family_of(folded: str) -> tuple[str, int]:
    """Surnames as compared: particles and hyphens out, the suffix apart."""
    words, generation = name_parts(folded)
    return " ".join(words), generation


@lru_cache(maxsize=1 << 16)
def _given_of(folded: str) -> tuple[str, int]:
    """Given names as compared: particles out ("María de los Ángeles"), "Ma." read as
    María, the suffix apart ("José Luis Jr")."""
    words, generation = name_parts(folded)
    words = tuple(_GIVEN_ABBREVIATIONS.get(w, w) for w in words) if len(words) > 1 \
        else words
    return " ".join(words), generation


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

    def outcomes(self) -> dict[str, str]:
        return {r.field: r.outcome for r in self.reasons}

    def explain(self) -> str:
        """In words: ``"given_name agree +6.5, phone disagree -2.3 = 4.2"``."""
        parts = [f"{r.field} {r.outcome} {r.weight:+.1f}" for r in self.reasons]
        return ", ".join(parts) + f" = {self.score:.1f}"


def similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity, the same whichever side is first."""
    return max(JaroWinkler.normalized_similarity(a, b),
               JaroWinkler.normalized_similarity(b, a))


def _given_words(name: str) -> tuple[str, ...]:
    words = name.split()
    if len(words) == 1 and words[0] in COMPOUND_NICKNAMES:
        return COMPOUND_NICKNAMES[words[0]]
    return tuple(words)


def _word_level(a: str, b: str) -> int:
    """2: one name (the same, or nicknames of one name); 1: a typo; 0: two names."""
    if a == b or nickname_groups(a) & nickname_groups(b):
        return 2
    if similarity(a, b) >= NAME_CLOSE:
        return 1
    # One letter wrong in a short name ("Luis", "Luiz") falls under Jaro-Winkler's 0.9.
    return 1 if min(len(a), len(b)) >= 4 and _close_code(a, b) else 0


def _in_order(short: Sequence[str], long: Sequence[str]) -> tuple[list[int], list[str]] | None:
    """The levels at which each word of ``short`` matches a word of ``long``, in order
    (each at its best), and the words of ``long`` left over; None when one is missing."""
    levels: list[int] = []
    left: list[str] = []
    start = 0
    for word in short:
        for position in range(start, len(long)):
            level = _word_level(word, long[position])
            if level:
                levels.append(level)
                left.extend(long[start:position])
                start = position + 1
                break
        else:
            return None
    left.extend(long[start:])
    return levels, left


#: A first given name so often followed by the one a person goes by ("María
#: Guadalupe" is Lupe) that leaving it out is no disagreement.
_DEVOTIONAL = frozenset({"maria"})


@lru_cache(maxsize=1 << 16)
def _one_given(a: str, b: str) -> str:
    """Two given names, each possibly compound ("José Luis"): the same name, nicknames
    of it (Lupe, Guadalupe) or "María Guadalupe" and "Guadalupe" agree; a typo or a
    second name left out ("José Luis" and "José") is close; a second name that differs
    ("José Luis" and "José Antonio", brothers) disagrees."""
    if a == b:
        return AGREE
    words_a, words_b = _given_words(a), _given_words(b)
    if words_a == words_b or "".join(words_a) == "".join(words_b):
        return AGREE
    if not words_a or not words_b:
        return DISAGREE
    if len(words_a) == len(words_b):
        levels = [_word_level(x, y) for x, y in zip(words_a, words_b, strict=True)]
        if min(levels) == 2:
            return AGREE
        if min(levels) == 1 or sorted(words_a) == sorted(words_b):
            return CLOSE
        return DISAGREE
    short, long = (words_a, words_b) if len(words_a) < len(words_b) else (words_b, words_a)
    found = _in_order(short, long)
    if found is None:
        return DISAGREE
    levels, left = found
    if min(levels) == 2 and long[0] in _DEVOTIONAL and left == [long[0]]:
        return AGREE
    return CLOSE


_RANK = {AGREE: 2, CLOSE: 1, DISAGREE: 0}


def compare_given(a: Sequence[str], b: Sequence[str]) -> str:
    """The best outcome over each side's given and preferred names."""
    if len(a) == 1 and len(b) == 1:
        return _one_given(a[0], b[0])
    return max((_one_given(x, y) for x in a for y in b), key=_RANK.__getitem__)


def _surname_level(a: str, b: str) -> int:
    if a == b:
        return 2
    return 1 if similarity(a, b) >= NAME_CLOSE else 0


@lru_cache(maxsize=1 << 16)
def compare_family(a: str, b: str) -> str:
    """Surnames (as ``prepare`` leaves them: particles, hyphens and accents out), each
    possibly paternal + maternal. The same agree; a typo, a dropped second surname
    ("García López" and "García") or the two swapped is close; a different second
    surname ("García López" and "García Ramírez": cousins, half-siblings) disagrees."""
    if a == b:
        return AGREE
    words_a, words_b = a.split(), b.split()
    if "".join(words_a) == "".join(words_b):
        return AGREE
    if not words_a or not words_b:
        return DISAGREE
    if len(words_a) == len(words_b):
        levels = [_surname_level(x, y) for x, y in zip(words_a, words_b, strict=True)]
        if min(levels) >= 1 or sorted(words_a) == sorted(words_b):
            return CLOSE
        return DISAGREE
    short, long = (words_a, words_b) if len(words_a) < len(words_b) else (words_b, words_a)
    if all(any(_surname_level(x, y) for y in long) for x in short):
        return CLOSE  # one of two surnames: "Rodríguez García" and "Rodríguez"
    return CLOSE if similarity(a, b) >= NAME_CLOSE else DISAGREE


def _close_code(a: str, b: str) -> bool:
    return DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1


def compare_extra(kind: str, a: str, b: str) -> str:
    if a == b:
        return AGREE
    if kind == "date":
        swapped = len(a) == 8 and len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:8] \
            and a[6:8] == b[4:6]
        return CLOSE if swapped or _close_code(a, b) else DISAGREE
    if kind == "code":
        return CLOSE if len(a) > 2 and _close_code(a, b) else DISAGREE
    return CLOSE if similarity(a, b) >= NAME_CLOSE else DISAGREE


#: How many other records (besides the two compared) hold a phone or an email: the
#: index's count of its holders less the compared records it holds.
Others = Callable[[str], int]


def _contact(mine: frozenset[str], theirs: frozenset[str], others: Others | None
             ) -> tuple[str, int]:
    """A phone (email) outcome: agree on one only these two hold, close on one others
    hold too (a household's: with how many others), else disagree."""
    shared = mine & theirs
    if not shared:
        return DISAGREE, 0
    if others is None:
        return AGREE, 0
    fewest = min(others(value) for value in shared)
    return (AGREE, 0) if fewest <= 0 else (CLOSE, fewest)


def _outcomes(a: Prepared, b: Prepared, others: Others | None = None
              ) -> tuple[dict[str, str], dict[str, int]]:
    outcomes: dict[str, str] = {}
    holders: dict[str, int] = {}
    if a.given and b.given:
        outcomes["given_name"] = compare_given(a.given, b.given)
    if a.family and b.family:
        outcomes["family_name"] = compare_family(a.family, b.family)
    if a.generation or b.generation:
        outcomes["generation"] = AGREE if a.generation == b.generation else \
            CLOSE if not (a.generation and b.generation) else DISAGREE
    if a.phones and b.phones:
        outcomes["phone"], holders["phone"] = _contact(a.phones, b.phones, others)
    if a.emails and b.emails:
        outcomes["email"], holders["email"] = _contact(a.emails, b.emails, others)
    if a.street and b.street:
        if a.street != b.street:
            outcomes["address"] = DISAGREE
        else:
            outcomes["address"] = AGREE if a.unit == b.unit else CLOSE
    if a.birth_year is not None and b.birth_year is not None:
        gap = abs(a.birth_year - b.birth_year)
        outcomes["birth_year"] = AGREE if gap == 0 else CLOSE if gap == 1 else DISAGREE
    if a.extra and b.extra:
        theirs = b.extra_map
        for name, value in a.extra:
            other = theirs.get(name)
            if other is not None:
                outcomes[name] = AGREE if value == other else \
                    compare_extra(EXTRA_FIELDS[name], value, other)
    return outcomes, holders


def outcomes_of(a: Prepared, b: Prepared, others: Others | None = None) -> dict[str, str]:
    """Each field present on both sides and its outcome (agree, close, disagree).
    ``others``: how many other records hold a phone or an email (see ``_contact``);
    without it every shared contact agrees."""
    return _outcomes(a, b, others)[0]


@cache
def _fixed() -> dict[str, dict[str, float]]:
    return fixed_weights()


def shared_contact_weight(close: float, others: int) -> float:
    """A contact the two share with ``others`` more people: ``close`` (3), a bit less
    for each doubling of the others, never under 1."""
    return max(1.0, close - math.log2(others)) if others > 1 else close


def two_people(outcomes: Mapping[str, str]) -> bool:
    """The pair carries evidence of two people: given or family names that disagree
    (a father and the son with his mother's surname), birth years more than one apart,
    or generational suffixes that differ."""
    return outcomes.get("given_name") == DISAGREE or outcomes.get("birth_year") == DISAGREE \
        or outcomes.get("family_name") == DISAGREE \
        or outcomes.get("generation") in (CLOSE, DISAGREE)


def one_person(outcomes: Mapping[str, str]) -> bool:
    """Something only one person has settles it: the same given name (nicknames of
    it count), no family name or suffix against it, and either a birth year within one
    or, with the same family name (or none given), a phone or email nobody else
    holds."""
    if outcomes.get("given_name") != AGREE or outcomes.get("family_name") == DISAGREE \
            or outcomes.get("generation", AGREE) != AGREE:
        return False
    year = outcomes.get("birth_year")
    if year is not None:
        return year != DISAGREE
    # Without a birth year, a contact settles it only with the whole family name (or
    # none to compare): "Sofía Martínez" and "Sofía Martínez Molina" on one phone may
    # be two sisters (Sofía Ana and Sofía Isabel) who each gave one given name.
    return outcomes.get("family_name", AGREE) == AGREE and (
        outcomes.get("phone") == AGREE or outcomes.get("email") == AGREE)


def household_doubt(outcomes: Mapping[str, str]) -> bool:
    """The two records could be two members of one household: they share what a
    household shares (an address, a contact, a family name) and nothing settles that
    they are one person (``one_person``). No automatic rule merges such a pair: it
    goes to review, or the kiosk asks."""
    shares = any(outcomes.get(name) in (AGREE, CLOSE)
                 for name in ("address", "phone", "email", "family_name"))
    return shares and not one_person(outcomes)


#: The automatic rules: decisions taken without a person's look. Each refuses a pair
#: that could be two members of one household (``household_doubt``).
UPDATE_SCORE = 20.0


def sure_update(pair: ScoredPair, threshold: float = UPDATE_SCORE) -> bool:
    """The import's rule for updating a person already here with a row: a strong score
    with a phone, an email or an address agreeing, the given names not disagreeing,
    and no household doubt."""
    outcomes = pair.outcomes()
    return pair.score >= threshold and outcomes.get("given_name") != DISAGREE \
        and any(outcomes.get(f) == AGREE for f in ("phone", "email", "address")) \
        and not household_doubt(outcomes)


def sure_resident(pair: ScoredPair, threshold: float = THRESHOLD) -> bool:
    """The kiosk's and the public RSVP form's rule for taking a resident to be someone
    already here: the phone or email they gave is that person's (or the household's),
    the names do not disagree, and no household doubt."""
    outcomes = pair.outcomes()
    return resident_plausible(pair, threshold) and not household_doubt(outcomes)


def resident_plausible(pair: ScoredPair, threshold: float = THRESHOLD) -> bool:
    """``sure_resident`` but for the household doubt: when only that stops it, the
    kiosk asks the resident's year of birth."""
    outcomes = pair.outcomes()
    return pair.score >= threshold \
        and any(outcomes.get(f) in (AGREE, CLOSE) for f in ("phone", "email")) \
        and outcomes.get("given_name") != DISAGREE \
        and outcomes.get("family_name") != DISAGREE


def _reasons(outcomes: Mapping[str, str], weights: Weights | None,
             holders: Mapping[str, int] | None = None
             ) -> tuple[tuple[FieldResult, ...], float]:
    table = weights if weights is not None else _fixed()
    household = two_people(outcomes)
    sibling = outcomes.get("given_name") == CLOSE
    reasons = []
    for name in COMPARED:
        outcome = outcomes.get(name)
        if outcome is None:
            continue
        levels = table.get(name)
        weight = levels[outcome] if levels is not None else WEIGHTS[name].of(outcome)
        if name in ("phone", "email") and outcome == CLOSE and holders:
            weight = shared_contact_weight(weight, holders.get(name, 0))
        if household:
            # Relatives at one door share a family name, an address and often a phone:
            # these agree together far more often than the independent weights assume.
            # With evidence of two people (given names, birth years or suffixes that
            # differ), a shared address counts for nothing and a shared contact as a
            # household's.
            if name == "address" and outcome != DISAGREE:
                weight = 0.0
            elif name in ("phone", "email") and outcome == AGREE:
                weight = shared_contact_weight(
                    (levels or {}).get(CLOSE, WEIGHTS[name].close), 0)
        elif sibling and name == "address" and outcome == AGREE:
            # Given names only close ("José" and "José Luis") at one door: as often a
            # brother (José Antonio) as the same man; the door says little more than
            # that they live together.
            weight = min(weight, (levels or {}).get(CLOSE, WEIGHTS[name].close))
        reasons.append(FieldResult(name, outcome, weight))
    return tuple(reasons), math.fsum(r.weight for r in reasons)


def compare(a: Prepared, b: Prepared, weights: Weights | None = None, *,
            others: Others | None = None) -> ScoredPair:
    """Score a pair, with the fixed weights or the given ones (e.g. from
    estimate_weights). Symmetric: compare(a, b) and compare(b, a) have the same score
    and reasons. Only fields present on both sides are compared and explained.
    ``others``: how many records besides these two hold a phone or an email (a
    household's contact weighs little; see ``_contact``)."""
    outcomes, holders = _outcomes(a, b, others)
    if weights is None:
        # Pairs repeat a few patterns of outcomes: each scored once.
        reasons, score = _fixed_reasons((*outcomes.items(), *holders.items()))
    else:
        reasons, score = _reasons(outcomes, weights, holders)
    return ScoredPair(a.key, b.key, score, reasons)


@lru_cache(maxsize=1 << 14)
def _fixed_reasons(pattern: tuple[tuple[str, Any], ...]
                   ) -> tuple[tuple[FieldResult, ...], float]:
    outcomes = {name: value for name, value in pattern if isinstance(value, str)}
    holders = {name: value for name, value in pattern if isinstance(value, int)}
    return _reasons(outcomes, None, holders)


def compare_records(a: Mapping[str, Any], b: Mapping[str, Any],
                    fields: Mapping[str, str] | None = None, region: str = "US") -> ScoredPair:
    return compare(prepare(a, fields, key=0, region=region),
                   prepare(b, fields, key=1, region=region))


# --- blocking -----------------------------------------------------------------------------


def blocking_keys(record: Prepared) -> frozenset[str]:
    """The keys under which ``record`` is indexed and looked up: a family-name prefix,
    each phone's last four, each email, the street, given name (or its nickname groups)
    with the family initial, and the extra fields that identify."""
    return record.block_keys


def _blocking_keys(record: Prepared) -> frozenset[str]:
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
    extra = record.extra_map
    for name in ("birth_date", "national_id"):
        if extra.get(name):
            keys.add(f"{name}:{extra[name]}")
    if extra.get("postal_code") and extra.get("address_line_1"):
        keys.add(f"place:{extra['postal_code']}:{extra['address_line_1'][:3]}")
    return frozenset(keys)


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

    def strict_neighbours(self, record: Prepared) -> list[int]:
        """Like ``neighbours``, but a record sharing only weak keys (a family-name
        prefix, a given name with an initial) must share two of them: what ``link``
        compares, where lists are large and a lone common surname says little."""
        strong: set[int] = set()
        weak: dict[int, int] = defaultdict(int)
        for key in blocking_keys(record):
            block = self.blocks.get(key, ())
            if len(block) > MAX_BLOCK:
                continue
            if key.startswith(_WEAK_KEYS):
                for position in block:
                    weak[position] += 1
            else:
                strong.update(block)
        strong.update(position for position, count in weak.items() if count >= 2)
        return sorted(strong)


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


# --- weights from the data (EM) -----------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """What ``estimate_weights`` learned: the weights, the share of compared pairs that
    are matches, and the per-field m and u probabilities of each outcome."""

    weights: dict[str, dict[str, float]]
    match_share: float
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    iterations: int

    @property
    def threshold(self) -> float:
        """The score at which a pair is as likely a match as not."""
        p = min(max(self.match_share, 1e-9), 1 - 1e-9)
        return math.log2((1 - p) / p)


_LEVELS = (AGREE, CLOSE, DISAGREE)


def estimate_weights(patterns: Iterable[Mapping[str, str]], *, max_iterations: int = 100,
                     tolerance: float = 1e-6, match_share: float = 0.1) -> Estimate:
    """Fellegi-Sunter m and u probabilities by expectation-maximisation over the
    outcomes of the compared pairs (each pattern: field -> agree/close/disagree; a
    field missing from a pattern was not compared and counts for neither side).
    Patterns that repeat are counted once with their number, so a few hundred thousand
    pairs take a few milliseconds per iteration. Starts from the fixed weights' m and
    u; probabilities are kept away from 0 so that every weight is finite."""
    counts: dict[tuple[tuple[str, str], ...], int] = defaultdict(int)
    for pattern in patterns:
        counts[tuple(sorted(pattern.items()))] += 1
    fields = sorted({name for pattern in counts for name, _ in pattern})
    eps = 1e-6
    m: dict[str, dict[str, float]] = {}
    u: dict[str, dict[str, float]] = {}
    for name in fields:
        base = WEIGHTS.get(name, FieldWeights(0.9, 0.05, 1.0))
        m[name] = {AGREE: base.m * 0.9, CLOSE: base.m * 0.1, DISAGREE: 1 - base.m}
        u[name] = {AGREE: base.u, CLOSE: min(0.05, base.u * 5), DISAGREE: 0.0}
        u[name][DISAGREE] = max(eps, 1 - u[name][AGREE] - u[name][CLOSE])
    p = match_share
    items = list(counts.items())
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported)
        m_sum = {n: dict.fromkeys(_LEVELS, 0.0) for n in fields}
        u_sum = {n: dict.fromkeys(_LEVELS, 0.0) for n in fields}
        matched = total = 0.0
        lm = {(n, o): math.log(v) for n in fields for o, v in m[n].items()}
        lu = {(n, o): math.log(v) for n in fields for o, v in u[n].items()}
        log_p, log_q = math.log(p), math.log(1 - p)
        for pattern, count in items:
            log_m = log_p + sum(lm[entry] for entry in pattern)
            log_u = log_q + sum(lu[entry] for entry in pattern)
            top = max(log_m, log_u)
            g = math.exp(log_m - top) / (math.exp(log_m - top) + math.exp(log_u - top))
            matched += g * count
            total += count
            for n, o in pattern:
                m_sum[n][o] += g * count
                u_sum[n][o] += (1 - g) * count
        new_p = min(max(matched / total, eps), 1 - eps) if total else p
        change = abs(new_p - p)
        for n in fields:
            for sums, probs in ((m_sum, m), (u_sum, u)):
                level_total = sum(sums[n].values())
                if level_total <= 0:
                    continue
                for level in _LEVELS:
                    value = max(eps, sums[n][level] / level_total)
                    change = max(change, abs(value - probs[n][level]))
                    probs[n][level] = value
        p = new_p
        if change < tolerance:
            break
    weights = {n: {level: math.log2(m[n][level] / u[n][level]) for level in _LEVELS}
               for n in fields}
    return Estimate(weights, p, m, u, iterations)


# --- linking two lists, deduplicating one, clusters -----------------------------------------


@dataclass(frozen=True)
class Linkage:
    """Scored pairs (best first, each with its explanation), the clusters they form, and
    the weights and threshold they were scored with."""

    pairs: list[ScoredPair]
    clusters: list[frozenset[Hashable]]
    weights: dict[str, dict[str, float]]
    threshold: float
    estimate: Estimate | None = None


def clusters(pairs: Iterable[ScoredPair]) -> list[frozenset[Hashable]]:
    """Connected groups of records joined by ``pairs`` (union-find); groups of two or
    more, largest first."""
    parent: dict[Hashable, Hashable] = {}

    def root(x: Hashable) -> Hashable:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = root(pair.first), root(pair.second)
        if a != b:
            parent[b] = a
    groups: dict[Hashable, set[Hashable]] = defaultdict(set)
    for x in parent:
        groups[root(x)].add(x)
    found = [frozenset(g) for g in groups.values() if len(g) > 1]
    found.sort(key=lambda g: (-len(g), sorted(map(str, g))))
    return found


def _resolve_weights(weights: Weights | str | None, patterns: list[dict[str, str]],
                     threshold: float | None) -> tuple[dict[str, dict[str, float]], float,
                                                       Estimate | None]:
    if weights == "em":
        estimate = estimate_weights(patterns)
        return estimate.weights, estimate.threshold if threshold is None else threshold, \
            estimate
    if weights is None:
        return fixed_weights(), THRESHOLD if threshold is None else threshold, None
    if isinstance(weights, str):
        raise ValueError("weights must be None, 'em' or a mapping")
    chosen = {name: dict(levels) for name, levels in weights.items()}
    return chosen, THRESHOLD if threshold is None else threshold, None


def _one_to_one(pairs: list[ScoredPair]) -> list[ScoredPair]:
    """Each record in at most one pair, best scores first (for linking two lists that
    each hold a person once)."""
    used_left: set[Hashable] = set()
    used_right: set[Hashable] = set()
    kept = []
    for pair in pairs:
        if pair.first in used_left or pair.second in used_right:
            continue
        used_left.add(pair.first)
        used_right.add(pair.second)
        kept.append(pair)
    return kept


def link(left: Sequence[Mapping[str, Any]], right: Sequence[Mapping[str, Any]],
         fields: Mapping[str, Any] | None = None, *, weights: Weights | str | None = "em",
         threshold: float | None = None, one_to_one: bool = False,
         region: str = "US") -> Linkage:
    """Pairs (left record, right record) that may be one person. ``fields`` maps matcher
    field names to keys of the records (both lists alike); records are identified by
    their ``id`` field, else by their position. ``weights``: ``"em"`` estimates them
    from the compared pairs (the default), None uses the fixed ones, or give a mapping
    field -> outcome -> weight. ``threshold`` defaults to the estimate's (where a pair
    is as likely a match as not) or THRESHOLD. ``one_to_one`` keeps each record in one
    pair at most (best first). Blocking: pairs sharing a strong key (phone, email,
    street, full birth date, id number, postal code with the street's first letters) or
    two weak ones (family-name prefix, given name with the family initial)."""
    fields = dict(DEFAULT_FIELDS if fields is None else fields)
    index = build_index(right, fields, region, split_weak=False)
    prepared_left = [prepare(r, fields, key=position, region=region)
                     for position, r in enumerate(left)]
    compared: list[tuple[Prepared, Prepared]] = []
    for record in prepared_left:
        for other in index.strict_neighbours(record):
            compared.append((record, index.records[other]))
    holders = index.holders

    def others(value: str) -> int:
        return holders.get(value, 0) - 1
    return _score(compared, weights, threshold, one_to_one, others)


def _score(compared: list[tuple[Prepared, Prepared]], weights: Weights | str | None,
           threshold: float | None, one_to_one: bool,
           others: Others | None = None) -> Linkage:
    found = [_outcomes(a, b, others) for a, b in compared]
    patterns = [pattern for pattern, _holders in found]
    chosen, cut, estimate = _resolve_weights(weights, patterns, threshold)
    # Many pairs share a pattern of outcomes: score each pattern once.
    scored: dict[tuple[Any, ...], tuple[tuple[FieldResult, ...], float]] = {}
    pairs = []
    for (a, b), (pattern, holders) in zip(compared, found, strict=True):
        key = (*pattern.items(), *holders.items())
        if key not in scored:
            scored[key] = _reasons(pattern, chosen, holders)
        reasons, score = scored[key]
        if score >= cut:
            pairs.append(ScoredPair(a.key, b.key, score, reasons))
    pairs.sort(key=lambda p: (-p.score, str(p.first), str(p.second)))
    if one_to_one:
        pairs = _one_to_one(pairs)
    return Linkage(pairs, clusters(pairs), chosen, cut, estimate)


def dedupe_all(records: Sequence[Mapping[str, Any]], fields: Mapping[str, Any] | None = None,
               *, weights: Weights | str | None = "em", threshold: float | None = None,
               region: str = "US") -> Linkage:
    """``dedupe`` with estimated (or given) weights, returning clusters as well."""
    index = build_index(records, fields, region, split_weak=False)
    compared = []
    for position, record in enumerate(index.records):
        for other in index.neighbours(record):
            if other > position:
                compared.append((record, index.records[other]))
    return _score(compared, weights, threshold, one_to_one=False,
                  others=_others_within(index))


__all__ = [
    "AGREE", "ALL_FIELDS", "CLOSE", "COMPARED", "DEFAULT_FIELDS", "DISAGREE", "EXTRA_FIELDS",
    "FIELD_NAMES", "MAX_BLOCK", "NICKNAME_GROUPS", "THRESHOLD", "WEIGHTS", "Estimate",
    "FieldResult", "Index", "Linkage", "Others", "Prepared", "ScoredPair", "Weights",
    "add_to_index", "blocking_keys", "build_index", "candidates", "canonical_street",
    "clusters", "compare", "compare_extra", "compare_family", "compare_given",
    "compare_records", "dedupe", "dedupe_all", "estimate_weights", "fixed_weights",
    "household_doubt", "link", "nickname_groups", "one_person", "outcomes_of", "prepare",
    "resident_plausible", "shared_contact_weight", "sure_resident", "sure_update",
    "two_people",
]
