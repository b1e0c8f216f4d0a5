"""The pure matching module: examples of what is and is not one person, and properties
(hypothesis) that hold for any records."""

from __future__ import annotations

import collections
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import linkage  # the benchmark-only linkage beside the matcher
from groundswell.people import matching
from groundswell.people.matching import (
    AGREE,
    CLOSE,
    DISAGREE,
    THRESHOLD,
    build_index,
    candidates,
    compare,
    compare_records,
    dedupe,
    prepare,
)


def outcomes(pair):
    return {r.field: r.outcome for r in pair.reasons}


# --- examples -------------------------------------------------------------------------------


def test_same_name_with_accents_and_phone_formats_is_a_strong_match():
    pair = compare_records(
        {"given_name": "José", "family_name": "Rodríguez", "phone": "(215) 555-0134"},
        {"given_name": "jose", "family_name": "RODRIGUEZ", "phone": "+1 215 555 0134"})
    assert outcomes(pair) == {"given_name": AGREE, "family_name": AGREE, "phone": AGREE}
    assert pair.score > THRESHOLD + 10


@pytest.mark.parametrize("a, b", [
    ("Bob", "Robert"), ("Guillermo", "William"), ("Pepe", "José"), ("Chuy", "Jesús"),
    ("Paco", "Francisco"), ("Lupe", "Guadalupe"), ("Beto", "Alberto"), ("Beto", "Roberto"),
])
def test_nicknames_across_english_and_spanish_agree(a, b):
    pair = compare_records({"given_name": a, "family_name": "Soto"},
                           {"given_name": b, "family_name": "Soto"})
    assert outcomes(pair)["given_name"] == AGREE
    assert pair.score >= THRESHOLD


def test_alberto_and_roberto_are_not_the_same_name():
    pair = compare_records({"given_name": "Alberto"}, {"given_name": "Roberto"})
    assert outcomes(pair)["given_name"] != AGREE


@pytest.mark.parametrize("a, b", [
    ("Rodríguez", "Rodrigues"), ("Rodriguez Garcia", "Rodríguez"), ("Gonzalez", "Gonzales"),
    ("Pérez-Ortiz", "Ortiz"),
])
def test_typos_and_second_surnames_are_close(a, b):
    pair = compare_records({"family_name": a}, {"family_name": b})
    assert outcomes(pair)["family_name"] == CLOSE


def test_preferred_name_is_compared_with_given_name():
    pair = compare_records({"given_name": "María Guadalupe", "preferred_name": "Lupe"},
                           {"given_name": "Lupe"})
    assert outcomes(pair)["given_name"] == AGREE


def test_address_spelled_two_ways_agrees_and_another_unit_is_close():
    a = {"street": "2417 North Front Street", "unit": "2nd floor rear"}
    assert outcomes(compare_records(a, {"street": "2417 N FRONT ST", "unit": "FL 2 REAR"})) \
        == {"address": AGREE}
    assert outcomes(compare_records(a, {"street": "2417 N Front St", "unit": "1st floor"})) \
        == {"address": CLOSE}
    assert outcomes(compare_records(a, {"street": "2419 N Front St"})) == {"address": DISAGREE}


def test_birth_year_off_by_one_is_close_and_far_apart_disagrees():
    assert outcomes(compare_records({"birth_year": 1980}, {"birth_year": "1981"})) == \
        {"birth_year": CLOSE}
    assert outcomes(compare_records({"birth_year": 1980}, {"birth_year": 2004})) == \
        {"birth_year": DISAGREE}


def test_father_and_son_with_one_name_are_not_proposed():
    father = {"given_name": "José", "family_name": "Rodríguez", "birth_year": 1961}
    son = {"given_name": "José", "family_name": "Rodríguez", "birth_year": 1990}
    assert compare_records(father, son).score < THRESHOLD


def test_a_shared_phone_and_family_name_with_another_given_name_is_a_household():
    # Mother and daughter on the family's phone: two people, not a pair to review.
    pair = compare_records({"given_name": "Ana", "family_name": "Cruz", "phone": "2155550134"},
                           {"given_name": "Rosa", "family_name": "Cruz", "phone": "2155550134"})
    assert pair.score < THRESHOLD
    assert matching.household_doubt(pair.outcomes())


def test_emails_are_compared_lowercased_and_invalid_values_are_ignored():
    pair = compare_records({"email": ["Ana@Example.org", "nonsense"], "phone": "12"},
                           {"email": "ana@example.org", "phone": "also nonsense"})
    assert outcomes(pair) == {"email": AGREE}


def test_field_mapping_reads_other_keys_and_ignores_unmapped_ones():
    fields = {"id": "row", "given_name": "First", "family_name": "Last", "phone": "Cell"}
    records = [{"row": 7, "First": "Ana", "Last": "Cruz", "Cell": "215-555-0134",
                "email": "ana@example.org"},
               {"row": 9, "First": "Ana", "Last": "Cruz", "Cell": "(215) 555 0134",
                "email": "someone@example.org"}]
    [pair] = dedupe(records, fields)
    assert (pair.first, pair.second) == (7, 9)
    assert set(outcomes(pair)) == {"given_name", "family_name", "phone"}


def test_unknown_field_names_are_refused():
    with pytest.raises(ValueError, match="Unknown matcher fields"):
        dedupe([{}], {"shoe_size": "shoes"})


def test_dedupe_finds_the_duplicates_and_not_the_strangers():
    records = [
        {"id": 1, "given_name": "José", "family_name": "Rodríguez", "phone": "2155550134"},
        {"id": 2, "given_name": "Pepe", "family_name": "Rodriguez", "street": "100 W Oak St"},
        {"id": 3, "given_name": "Ana", "family_name": "Cruz", "email": "ana@example.org"},
        {"id": 4, "given_name": "Ana", "family_name": "Cruz", "email": "ANA@example.org"},
        {"id": 5, "given_name": "Keisha", "family_name": "Brown"},
        {"id": 6, "given_name": "Wei", "family_name": "Chen", "phone": "2155550134"},
    ]
    pairs = dedupe(records)
    assert {(p.first, p.second) for p in pairs} == {(1, 2), (3, 4)}
    assert pairs[0].score >= pairs[1].score
    assert pairs[0].agreed()


def test_blocking_does_not_compare_every_pair(monkeypatch):
    calls = []
    real = matching.compare

    def counting(a, b, weights=None, **kwargs):
        calls.append((a.key, b.key))
        return real(a, b, weights, **kwargs)

    monkeypatch.setattr(matching.blocking, "compare", counting)  # where dedupe reads it
    records = [{"given_name": f"Person{i}", "family_name": name}
               for i, name in enumerate(["Smith", "Jones", "Nguyen", "Lopez", "Okafor"] * 20)]
    dedupe(records, threshold=None)
    assert len(calls) == 5 * (20 * 19 // 2)  # within each family name only
    assert len(calls) < len(records) * (len(records) - 1) // 2


def test_candidates_of_a_new_row_against_an_index():
    index = build_index([
        {"id": 10, "given_name": "Guillermo", "family_name": "Santos", "phone": "2155550199"},
        {"id": 11, "given_name": "Maria", "family_name": "Santos"},
    ])
    found = candidates({"given_name": "William", "family_name": "Santos",
                        "phone": "215.555.0199"}, index)
    assert [p.second for p in found] == [10]


# --- properties -------------------------------------------------------------------------------

NAMES = ["José", "Jose", "Pepe", "Joseph", "Ana", "Anita", "Robert", "Bob", "Guillermo",
         "William", "Chuy", "Jesús", "María", "Lupe", "Keisha", "Wei", "Nguyễn", ""]
FAMILIES = ["Rodríguez", "Rodrigues", "Rodríguez García", "Cruz", "Brown", "Chen",
            "Pérez-Ortiz", "O'Brien", ""]
PHONES = ["2155550134", "(215) 555-0199", "+1 267 555 0101", "555", ""]
STREETS = ["2417 N Front St", "2417 North Front Street", "100 W Oak St", ""]

records = st.fixed_dictionaries({}, optional={
    "given_name": st.one_of(st.sampled_from(NAMES), st.text(max_size=12)),
    "preferred_name": st.sampled_from(NAMES),
    "family_name": st.one_of(st.sampled_from(FAMILIES), st.text(max_size=12)),
    "phone": st.one_of(st.sampled_from(PHONES), st.lists(st.sampled_from(PHONES), max_size=2)),
    "email": st.sampled_from(["ana@example.org", "ANA@example.org", "x@y.org", "bad", ""]),
    "street": st.sampled_from(STREETS),
    "unit": st.sampled_from(["", "Apt 2", "2nd floor rear", "FL 2 REAR"]),
    "birth_year": st.one_of(st.none(), st.integers(1900, 2030)),
})
field_subsets = st.sets(st.sampled_from(["given_name", "preferred_name", "family_name",
                                         "phone", "email", "street", "unit", "birth_year"]))


@settings(max_examples=300, deadline=None)
@given(records, records)
def test_scores_are_symmetric(a, b):
    ab = compare_records(a, b)
    ba = compare_records(b, a)
    assert ab.score == ba.score
    assert ab.reasons == ba.reasons


@settings(max_examples=300, deadline=None)
@given(records)
def test_a_record_always_matches_itself(a):
    pair = compare_records(a, dict(a))
    assert all(r.outcome == AGREE for r in pair.reasons)
    assert pair.score >= 0
    assert {r.field for r in pair.reasons} == prepare(a).present()


@settings(max_examples=300, deadline=None)
@given(records, records)
def test_nothing_scores_higher_with_a_record_than_the_record_itself(a, b):
    assert compare_records(a, b).score <= compare_records(a, a).score


@settings(max_examples=200, deadline=None)
@given(records)
def test_a_record_is_a_candidate_of_an_index_holding_it(a):
    index = build_index([{"id": "me", **a}])
    found = candidates({"id": "me", **a}, index, threshold=None)
    if matching.blocking_keys(index.records[0]):
        assert [p.second for p in found] == ["me"]
        assert found[0].score == compare_records(a, a).score
    else:
        assert found == []  # nothing to block on: nothing to find it by


@settings(max_examples=300, deadline=None)
@given(records, records, field_subsets)
def test_the_explanation_lists_only_fields_compared(a, b, mapped):
    fields = {name: name for name in mapped}
    pair = compare_records(a, b, fields)
    explained = {r.field for r in pair.reasons}
    allowed = {"given_name": {"given_name", "preferred_name"}, "family_name": {"family_name"},
               "phone": {"phone"}, "email": {"email"}, "address": {"street"},
               "birth_year": {"birth_year"}}
    for name in explained:
        assert allowed[name] & mapped, f"{name} explained though not mapped"
    assert explained == prepare(a, fields).present() & prepare(b, fields).present()
    assert pair.score == pytest.approx(sum(r.weight for r in pair.reasons))
    outcomes = {r.field: r.outcome for r in pair.reasons}
    two = matching.two_people(outcomes)
    for r in pair.reasons:
        if two and r.field == "address" and r.outcome != "disagree":
            assert r.weight == 0.0  # what another member of the household looks like
        elif two and r.field in ("phone", "email") and r.outcome == "agree":
            assert r.weight == matching.WEIGHTS[r.field].close  # a household's contact
        else:
            assert r.weight == matching.WEIGHTS[r.field].of(r.outcome)


@settings(max_examples=100, deadline=None)
@given(st.lists(records, max_size=8))
def test_dedupe_equals_comparing_every_blocked_pair_and_each_pair_once(rows):
    rows = [{"id": i, **row} for i, row in enumerate(rows)]
    pairs = dedupe(rows, threshold=None)
    seen = [(p.first, p.second) for p in pairs]
    assert len(seen) == len(set(seen))
    assert all(first < second for first, second in seen)
    prepared = [prepare(r) for r in rows]
    expected = {(a.key, b.key) for a, b in itertools.combinations(prepared, 2)
                if matching.blocking_keys(a) & matching.blocking_keys(b)}
    assert set(seen) == expected
    holders = collections.Counter(v for r in prepared for v in r.phones | r.emails)
    for p in pairs:
        # A contact a third record holds too is a household's (close, weighs little).
        assert p.score == compare(prepared[p.first], prepared[p.second],
                                  others=lambda v: holders[v] - 2).score


def test_members_of_one_household_are_not_proposed():
    home = {"family_name": "Cruz", "street": "2417 N Front St", "unit": "Fl 2"}
    mother = home | {"given_name": "Ana", "phone": "2155550134"}
    son = home | {"given_name": "Luis", "phone": "2155550177"}
    daughter = home | {"given_name": "Rosa"}
    assert compare_records(mother, son).score < THRESHOLD
    assert compare_records(mother, daughter).score < THRESHOLD
    # the same person typed twice at that door still is
    assert compare_records(mother, home | {"given_name": "Ana"}).score >= THRESHOLD


# --- linking two lists, EM weights, clusters (issue 5) ---------------------------------------

LEFT = [
    {"id": "a1", "given_name": "José", "family_name": "Rodríguez", "birth_date": "1984-03-02",
     "postal_code": "19133", "national_id": "123456"},
    {"id": "a2", "given_name": "Ana", "family_name": "Torres", "birth_date": "1990-11-20",
     "postal_code": "19134", "national_id": "222333"},
    {"id": "a3", "given_name": "Luz", "family_name": "Mejía", "birth_date": "1975-01-05",
     "postal_code": "19125", "national_id": "987654"},
]
RIGHT = [
    {"id": "b1", "given_name": "Pepe", "family_name": "Rodrigues", "birth_date": "19840302",
     "postal_code": "19133", "national_id": "123465"},  # nickname, typo, transposed id
    {"id": "b2", "given_name": "Anna", "family_name": "Torres", "birth_date": "1990-20-11",
     "postal_code": "19134", "national_id": "222333"},  # day and month swapped
    {"id": "b3", "given_name": "Pat", "family_name": "Kim", "birth_date": "1962-07-07",
     "postal_code": "19106", "national_id": "555111"},
]
EXTRA = {name: name for name in ("id", "given_name", "family_name", "birth_date",
                                 "postal_code", "national_id")}


def test_link_finds_the_true_pairs_and_explains_each():
    result = linkage.link(LEFT, RIGHT, EXTRA, weights=None, threshold=10.0, one_to_one=True)
    assert {(p.first, p.second) for p in result.pairs} == {("a1", "b1"), ("a2", "b2")}
    for pair in result.pairs:
        assert pair.reasons and pair.explain().endswith(f"= {pair.score:.1f}")
        assert {r.field for r in pair.reasons} == set(EXTRA) - {"id"}
    a1 = next(p for p in result.pairs if p.first == "a1").outcomes()
    assert a1["national_id"] == CLOSE and a1["given_name"] == AGREE
    assert next(p for p in result.pairs if p.first == "a2").outcomes()["birth_date"] == CLOSE
    assert result.clusters == [frozenset({"a1", "b1"}), frozenset({"a2", "b2"})] or \
        sorted(map(sorted, result.clusters)) == [["a1", "b1"], ["a2", "b2"]]


def test_fields_may_join_several_keys():
    record = {"number": "12", "street": "Front St"}
    prepared = prepare(record, {"address_line_1": ("number", "street")})
    assert dict(prepared.extra) == {"address_line_1": "12 front st"}


def test_em_learns_that_agreement_is_evidence():
    import random
    rng = random.Random(4)
    patterns = []
    for _ in range(300):  # matches: mostly agree
        patterns.append({f: AGREE if rng.random() < 0.9 else DISAGREE
                         for f in ("given_name", "family_name", "birth_date")})
    for _ in range(3000):  # non-matches: mostly disagree
        patterns.append({f: AGREE if rng.random() < 0.05 else DISAGREE
                         for f in ("given_name", "family_name", "birth_date")})
    estimate = linkage.estimate_weights(patterns)
    assert 0.05 < estimate.match_share < 0.15
    for field in ("given_name", "family_name", "birth_date"):
        assert estimate.weights[field][AGREE] > 2 > 0 > estimate.weights[field][DISAGREE]
        assert estimate.m[field][AGREE] == pytest.approx(0.9, abs=0.05)
        assert estimate.u[field][AGREE] == pytest.approx(0.05, abs=0.02)


def test_link_with_em_weights_on_generated_lists():
    import random
    rng = random.Random(7)
    given = ["ana", "luz", "jose", "pedro", "maria", "carlos", "rosa", "juan", "lucia", "pablo"]
    family = ["torres", "mejia", "cruz", "vega", "ruiz", "soto", "diaz", "lopez", "perez"]
    left, right, truth = [], [], set()
    for i in range(400):
        person = {"given_name": rng.choice(given), "family_name": rng.choice(family),
                  "birth_date": f"19{rng.randint(40, 99)}{rng.randint(1, 12):02d}"
                                f"{rng.randint(1, 28):02d}",
                  "national_id": str(rng.randint(100000, 999999))}
        left.append({"id": f"l{i}", **person})
        if i % 2 == 0:
            copy = dict(person)
            if i % 4 == 0:
                copy["family_name"] = copy["family_name"][:-1] + "x"  # a typo
            right.append({"id": f"r{i}", **copy})
            truth.add((f"l{i}", f"r{i}"))
    for i in range(200):
        right.append({"id": f"s{i}", "given_name": rng.choice(given),
                      "family_name": rng.choice(family),
                      "birth_date": f"19{rng.randint(40, 99)}0101",
                      "national_id": str(rng.randint(100000, 999999))})
    result = linkage.link(left, right, EXTRA, one_to_one=True)
    found = {(p.first, p.second) for p in result.pairs}
    assert result.estimate is not None
    assert len(found & truth) / len(truth) > 0.97
    assert len(found & truth) / len(found) > 0.97


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=20))
def test_clusters_are_the_connected_components(edges):
    pairs = [matching.ScoredPair(a, b, 1.0) for a, b in edges if a != b]
    groups = linkage.clusters(pairs)
    seen = [x for g in groups for x in g]
    assert len(seen) == len(set(seen))  # disjoint
    for pair in pairs:
        assert any(pair.first in g and pair.second in g for g in groups)
    assert all(len(g) >= 2 for g in groups)


@settings(max_examples=200, deadline=None)
@given(records, records)
def test_every_pair_is_explained_with_any_weights(a, b):
    pa, pb = prepare(a, key=0), prepare(b, key=1)
    fixed = compare(pa, pb)
    given_weights = compare(pa, pb, matching.fixed_weights())
    assert fixed == given_weights
    assert {r.field for r in fixed.reasons} == set(matching.outcomes_of(pa, pb))
