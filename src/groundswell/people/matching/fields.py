"""The matcher's fields, what each outcome weighs (``WEIGHTS``, documented there) and the
thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

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
