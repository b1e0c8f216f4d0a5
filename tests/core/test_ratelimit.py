from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.core import ratelimit

MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_attempt_past_the_limit_is_refused_and_others_are_counted_apart():
    assert not any(ratelimit.exceeded("ip", "10.0.0.1", limit=3, window=MINUTE)
                   for _ in range(3))
    assert ratelimit.exceeded("ip", "10.0.0.1", limit=3, window=MINUTE)
    assert not ratelimit.exceeded("ip", "10.0.0.2", limit=3, window=MINUTE)
    assert not ratelimit.exceeded("network", "10.0.0.1", limit=3, window=MINUTE)
    assert ratelimit.attempts("ip", "10.0.0.1") == 4


def test_the_window_runs_from_the_first_attempt_and_then_counting_starts_again():
    with time_machine.travel("2026-12-07 12:00:00", tick=False) as clock:
        for _ in range(3):
            ratelimit.exceeded("ip", "10.0.0.1", limit=2, window=MINUTE)
        assert ratelimit.exceeded("ip", "10.0.0.1", limit=2, window=MINUTE)
        clock.shift(timedelta(seconds=61))
        assert not ratelimit.exceeded("ip", "10.0.0.1", limit=2, window=MINUTE)


def test_forget_clears_the_count():
    for _ in range(5):
        ratelimit.exceeded("kiosk-pin", "7", limit=5, window=MINUTE)
    ratelimit.forget("kiosk-pin", "7")
    assert ratelimit.attempts("kiosk-pin", "7") == 0


def test_the_client_address_is_never_stored_in_the_cache():
    ratelimit.exceeded("ip", "203.0.113.77", limit=3, window=MINUTE)
    keys = list(cache._cache)  # the tests' local-memory cache
    assert keys and not any("203.0.113.77" in key for key in keys)


@settings(max_examples=30, deadline=None)
@given(limit=st.integers(min_value=0, max_value=6), tries=st.integers(min_value=1, max_value=10))
def test_exactly_the_attempts_past_the_limit_are_refused(limit, tries):
    cache.clear()
    refused = [ratelimit.exceeded("p", "k", limit=limit, window=MINUTE) for _ in range(tries)]
    assert refused == [i >= limit for i in range(tries)]
