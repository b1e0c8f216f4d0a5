"""matching.candidates skips a neighbour whose score cannot reach the threshold
(_upper_bound): property-tested against the full comparison of every neighbour, with
phones and emails as plain values and as blind tokens."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.people import matching

NAMES = st.sampled_from(["Ana", "Ana María", "Roberto", "Bob", "Rosa", "Luz", ""])
FAMILIES = st.sampled_from(["Torres", "Torres Peña", "Rodríguez", "Rodrigues", "Vega", ""])
PHONES = st.lists(st.sampled_from(["+12155550100", "+12155550101", "+12675550100"]),
                  max_size=2)
EMAILS = st.lists(st.sampled_from(["a@example.org", "b@example.org"]), max_size=1)
STREETS = st.sampled_from(["", "2417 N Front St", "2417 North Front Street", "5 E Oxford St"])
RECORDS = st.fixed_dictionaries({
    "given_name": NAMES, "preferred_name": st.sampled_from(["", "Lupe"]),
    "family_name": FAMILIES, "phone": PHONES, "email": EMAILS, "street": STREETS,
    "unit": st.sampled_from(["", "2", "1"]),
    "birth_year": st.one_of(st.none(), st.integers(1960, 1962))})


@settings(max_examples=200, deadline=None)
@given(st.lists(RECORDS, min_size=1, max_size=12), RECORDS,
       st.sampled_from([None, 5.0, 10.0, 12.0, 20.0]), st.booleans())
def test_pruned_candidates_are_exactly_those_at_or_above_the_threshold(
        people, record, threshold, blind):
    people = [{**p, "id": i} for i, p in enumerate(people)]
    index = matching.build_index(people, blind=blind)
    everyone = matching.candidates(record, index, threshold=None)
    expected = [p for p in everyone if threshold is None or p.score >= threshold]
    found = matching.candidates(record, index, threshold=threshold)
    assert [(p.second, p.score) for p in found] == [(p.second, p.score) for p in expected]


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORDS, min_size=1, max_size=8), RECORDS, st.booleans())
def test_a_record_prepared_once_matches_and_joins_as_before(people, record, blind):
    """candidates and add_to_index given the record already prepared (the import
    prepares each row once for its two indexes) give what they give preparing it."""
    people = [{**p, "id": f"row:{i}"} for i, p in enumerate(people)]
    record = {**record, "id": "row:99"}
    plain = matching.build_index(people, blind=blind)
    once = matching.build_index(people, blind=blind)
    prepared = matching.prepare(record, once.fields, region=once.region, blind=blind)
    for threshold in (None, 12.0):
        assert [(p.second, p.score, p.reasons) for p in matching.candidates(
            record, plain, threshold=threshold)] == [
            (p.second, p.score, p.reasons) for p in matching.candidates(
                record, once, threshold=threshold, prepared=prepared)]
    assert matching.add_to_index(plain, record) == \
        matching.add_to_index(once, record, prepared=prepared)
    assert plain.blocks == once.blocks and plain.weak == once.weak
