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
an import does). Every pair carries its explanation: each compared field, its outcome and its weight
(``ScoredPair.reasons``, ``explain()``). Beyond a neighborhood's people, ``EXTRA_FIELDS``
(full birth date, an id number, street number, address lines, city, postal code,
state) let it run on any data set, e.g. FEBRL (benchmarks/matching_febrl4.py; linking
two lists with weights estimated by EM, which only that benchmark uses, is in
benchmarks/linkage.py).

The modules: fields.py (fields, weights, thresholds), names.py (nickname and street
tables), prepared.py (a record prepared once, its blocking keys), outcomes.py (field by
field), rules.py (one person or two, household doubt), scoring.py (``compare``) and
blocking.py (``Index``, ``candidates``, ``dedupe``). The public names are here.
"""

from groundswell.people.matching.blocking import (
    Index,
    add_to_index,
    build_index,
    candidates,
    dedupe,
)
from groundswell.people.matching.fields import (
    AGREE,
    ALL_FIELDS,
    CLOSE,
    COMPARED,
    DEFAULT_FIELDS,
    DISAGREE,
    EXTRA_FIELDS,
    FIELD_NAMES,
    MAX_BLOCK,
    THRESHOLD,
    WEIGHTS,
    Weights,
    fixed_weights,
)
from groundswell.people.matching.names import (
    NICKNAME_GROUPS,
    canonical_street,
    nickname_groups,
)
from groundswell.people.matching.outcomes import (
    FieldResult,
    Others,
    ScoredPair,
    _word_level,  # noqa: F401 - a test reads it
    compare_extra,
    compare_family,
    compare_given,
    outcomes_of,
)
from groundswell.people.matching.prepared import (
    Prepared,
    blocking_keys,
    prepare,
)
from groundswell.people.matching.rules import (
    UPDATE_SCORE,
    household_doubt,
    one_person,
    resident_plausible,
    shared_contact_weight,
    sure_resident,
    sure_update,
    two_people,
)
from groundswell.people.matching.scoring import (
    compare,
    compare_records,
)

__all__ = [
    "AGREE",
    "ALL_FIELDS",
    "CLOSE",
    "COMPARED",
    "DEFAULT_FIELDS",
    "DISAGREE",
    "EXTRA_FIELDS",
    "FIELD_NAMES",
    "MAX_BLOCK",
    "NICKNAME_GROUPS",
    "THRESHOLD",
    "WEIGHTS",
    "FieldResult",
    "Index",
    "Others",
    "Prepared",
    "ScoredPair",
    "Weights",
    "add_to_index",
    "blocking_keys",
    "build_index",
    "candidates",
    "canonical_street",
    "compare",
    "compare_extra",
    "compare_family",
    "compare_given",
    "compare_records",
    "dedupe",
    "fixed_weights",
    "household_doubt",
    "nickname_groups",
    "one_person",
    "outcomes_of",
    "prepare",
    "resident_plausible",
    "shared_contact_weight",
    "sure_resident",
    "sure_update",
    "two_people",
    "UPDATE_SCORE",
]
