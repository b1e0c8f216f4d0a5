"""Comparing two prepared records field by field: each compared field's outcome
(agree, close, disagree) and the scored pair that carries them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from groundswell.people.matching.fields import (
    AGREE,
    CLOSE,
    DISAGREE,
    EXTRA_FIELDS,
    NAME_CLOSE,
    fixed_weights,
)
from groundswell.people.matching.names import COMPOUND_NICKNAMES, nickname_groups
from groundswell.people.matching.prepared import Prepared

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
