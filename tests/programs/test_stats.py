"""Property tests of the pure counting module (programs/stats.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.programs import stats

ids = st.integers(min_value=1, max_value=30)
quantities = st.integers(min_value=1, max_value=50)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@settings(deadline=None)  # a loaded CI machine must not fail a timing
@given(st.dictionaries(ids, st.integers(min_value=-5, max_value=60)),
       st.dictionaries(ids, quantities))
def test_shortages_are_exactly_what_would_go_below_zero(on_hand, wanted):
    missing = stats.shortages(on_hand, wanted)
    for item, quantity in wanted.items():
        have = on_hand.get(item, 0)
        if quantity <= have:
            assert item not in missing
        else:
            assert missing[item] == quantity - max(have, 0)
            assert have - quantity < 0


def test_shortages_refuse_non_positive_quantities():
    with pytest.raises(ValueError):
        stats.shortages({1: 5}, {1: 0})
    with pytest.raises(ValueError):
        stats.shortages({1: 5}, {1: -2})


@settings(deadline=None)  # a loaded CI machine must not fail a timing
@given(st.dictionaries(ids, st.integers(min_value=0, max_value=100)),
       st.dictionaries(ids, st.integers(min_value=0, max_value=100)))
def test_low_stock_is_at_or_below_the_threshold(on_hand, thresholds):
    low = stats.low_stock(on_hand, thresholds)
    for item, have in on_hand.items():
        assert (item in low) == (have <= thresholds.get(item, 0))


@settings(deadline=None)  # a loaded CI machine must not fail a timing
@given(st.lists(st.sampled_from(["present", "late", "absent"]), max_size=60))
def test_roll_call_counts_and_rate(statuses):
    counts = stats.roll_call(statuses)
    assert counts.marked == len(statuses)
    assert counts.came == statuses.count("present") + statuses.count("late")
    rate = counts.rate_percent()
    if not statuses:
        assert rate is None
    else:
        assert 0 <= rate <= 100
        assert abs(rate - 100 * counts.came / counts.marked) <= 0.5


def test_roll_call_refuses_unknown_statuses():
    with pytest.raises(ValueError):
        stats.roll_call(["present", "asleep"])


@settings(deadline=None)  # a loaded CI machine must not fail a timing
@given(st.lists(st.tuples(ids, st.one_of(st.none(), ids)), max_size=40),
       st.dictionaries(ids, days), days)
def test_reach_counts_distinct_people_and_households(contacts, first_seen, since):
    result = stats.reach(contacts, first_seen, since)
    people = {p for p, _h in contacts}
    assert result.people == len(people)
    assert result.new_people + result.returning_people == result.people
    households = {("h", h) if h is not None else ("p", p) for p, h in contacts}
    assert result.households == len(households)
    assert result.new_people == sum(1 for p in people if first_seen.get(p, since) >= since)


@settings(deadline=None)  # a loaded CI machine must not fail a timing
@given(st.dictionaries(ids, days), st.lists(st.tuples(ids, days), max_size=40))
def test_converted_means_something_on_or_after_first_reach(first, later):
    result = stats.converted(first, later)
    for person in result:
        assert any(p == person and d >= first[person] for p, d in later)
    for person, day in later:
        if person in first and day >= first[person]:
            assert person in result


def test_converted_ignores_what_happened_before():
    start = date(2026, 5, 1)
    assert stats.converted({1: start}, [(1, start - timedelta(days=1))]) == set()
    assert stats.converted({1: start}, [(1, start)]) == {1}
    assert stats.converted({1: start}, [(2, start)]) == set()
