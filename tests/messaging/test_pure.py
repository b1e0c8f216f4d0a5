"""Property tests of the pure modules: segment counting, keywords, quiet hours and
merge fields."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.messaging import keywords, merge, quiet, segments

gsm_text = st.text(alphabet=st.sampled_from(sorted(set(segments.GSM7_BASIC) - {"\x1b"})
                                            + list(segments.GSM7_EXTENDED)), max_size=800)
any_text = st.text(max_size=800)


def test_the_usual_sizes():
    assert segments.count("").segments == 0
    assert segments.count("a" * 160).segments == 1
    assert segments.count("a" * 161).segments == 2
    assert segments.count("a" * 306).segments == 2 and segments.count("a" * 307).segments == 3
    assert segments.count("{" * 80).segments == 1 and segments.count("{" * 81).segments == 2
    ucs = segments.count("Reunión " + "a" * 62)
    assert ucs.encoding == segments.UCS2 and ucs.segments == 1 and ucs.non_gsm == ("ó",)
    assert segments.count("Reunión " + "a" * 63).segments == 2
    assert segments.count("¿Dónde?").encoding == segments.UCS2
    assert segments.count("¿Qué pasó?").non_gsm == ("ó",)  # ¿ and é are GSM-7
    assert segments.count("😀" * 35).segments == 1 and segments.count("😀" * 36).segments == 2


@given(any_text)
def test_parts_join_back_to_the_text(text):
    assert "".join(segments.split(text)) == text


@given(any_text)
def test_every_part_fits_its_segment(text):
    counted = segments.count(text)
    parts = segments.split(text)
    assert len(parts) == counted.segments
    limit = (segments.SINGLE if counted.segments <= 1 else segments.MULTI)[counted.encoding]
    for part in parts:
        assert sum(segments._units(part, counted.encoding)) <= limit
    if counted.segments:
        assert 0 <= counted.remaining < counted.per_segment or counted.remaining == 0


@given(gsm_text)
def test_gsm_text_stays_gsm_and_counts_septets(text):
    counted = segments.count(text)
    assert counted.encoding == segments.GSM7
    assert counted.units == len(text) + sum(ch in segments.GSM7_EXTENDED for ch in text)


@given(gsm_text, st.sampled_from("áíóúÁÍÓÚ€😀"))
def test_one_non_gsm_character_switches_everything_to_ucs2(text, extra):
    counted = segments.count(text + extra)
    if extra == "€":
        assert counted.encoding == segments.GSM7
    else:
        assert counted.encoding == segments.UCS2 and extra in counted.non_gsm


@given(any_text, any_text)
def test_more_text_never_needs_fewer_segments_in_one_encoding(a, b):
    if segments.is_gsm7(a) == segments.is_gsm7(a + b):
        assert segments.count(a + b).segments >= segments.count(a).segments


@given(st.sampled_from(sorted(w for words in keywords.KEYWORDS.values() for w in words)),
       st.sampled_from(["", " ", ".", "!", "\n"]), st.booleans())
def test_keywords_in_any_case_with_punctuation(word, around, lower):
    kind = next(k for k, words in keywords.KEYWORDS.items() if word in words)
    text = word.lower() if lower else word
    assert keywords.classify(f"{around}{text}{around}") == kind


def test_keywords_are_single_words():
    assert keywords.classify("stop the luxury complex") == ""
    assert keywords.classify("No quiero parar") == ""
    assert keywords.classify("¡ALTO!") == keywords.STOP
    assert keywords.classify("Sí") == keywords.START
    assert keywords.classify("1") == "" and keywords.classify("") == ""
    assert keywords.language_of("ayuda") == "es" and keywords.language_of("HELP") == ""


@given(st.times(), st.times(), st.times())
def test_release_time_is_never_inside_quiet_hours(now, start, end):
    local = datetime.combine(datetime(2026, 5, 1), now)
    released = quiet.release_time(local, start, end)
    assert released >= local
    assert released - local <= timedelta(days=1)
    if start != end and released != local:
        assert not quiet.in_quiet_hours(released.time(), start, end)
        assert released.time() == end


def test_quiet_hours_across_midnight():
    start, end = time(21), time(8)
    assert quiet.in_quiet_hours(time(23), start, end)
    assert quiet.in_quiet_hours(time(7, 59), start, end)
    assert not quiet.in_quiet_hours(time(8), start, end)
    assert quiet.release_time(datetime(2026, 1, 1, 22), start, end) == datetime(2026, 1, 2, 8)
    assert quiet.release_time(datetime(2026, 1, 2, 3), start, end) == datetime(2026, 1, 2, 8)
    assert quiet.release_time(datetime(2026, 1, 2, 12), start, end) == datetime(2026, 1, 2, 12)


@given(st.text(max_size=40), st.text(max_size=40))
def test_merge_replaces_only_known_fields(first, org):
    values = {"first_name": first, "name": first, "organization": org}
    assert merge.render("Hi {first_name} from {organization} {other}", values) == \
        f"Hi {first} from {org} {{other}}"
    assert merge.unknown_fields("Hi {first_name} {other} {x}") == ["other", "x"]


def test_the_sender_pool_never_exceeds_a_cap_in_any_window(monkeypatch):
    from groundswell.messaging import providers

    clock = [1000.0]
    monkeypatch.setattr(providers.time, "monotonic", lambda: clock[0])
    pool = providers.SenderPool(providers.parse_senders(["+12155550100:1", "+12155550101:1",
                                                         "+12155550199:10"]))
    monkeypatch.setattr(pool, "_wait", lambda s: clock.__setitem__(0, clock[0] + s))
    sent: dict[str, list[float]] = {}
    for _ in range(600):
        number = pool.acquire()
        sent.setdefault(number, []).append(clock[0])
        clock[0] += 0.001
        pool.release(number)
    for number, cap in (("+12155550100", 1), ("+12155550101", 1), ("+12155550199", 10)):
        times = sent[number]
        for i, at in enumerate(times):
            assert sum(1 for t in times[i:] if t < at + 1.0) <= cap
    elapsed = clock[0] - 1000.0
    assert 600 / elapsed >= 0.95 * 12


@given(st.integers(1, 16), st.lists(st.tuples(st.floats(0, 0.6), st.floats(0, 0.6)),
                                    min_size=1, max_size=60),
       st.sampled_from([["+12155550100:1", "+12155550101:1"], ["+12155550199:10"],
                        ["+12155550100:1", "+12155550199:5", "+12155550198:2.5"]]))
@settings(max_examples=150, deadline=None)
def test_late_texts_never_put_a_number_over_its_cap(threads, delays, senders):
    """Issue 15: a busy machine delays a text between choosing its number and reaching
    the provider, and again before its request is over. Simulated (one clock, up to 16
    texts in flight, each with its own two delays), the provider never counts more than
    a number's cap in any second, as the local gateway counts."""
    import heapq

    from groundswell.messaging import providers

    clock = [1000.0]
    events: list[tuple[float, int, str]] = []  # (time, order, number) of each release
    order = [0]
    pool = providers.SenderPool(providers.parse_senders(senders))
    original = providers.time.monotonic
    providers.time.monotonic = lambda: clock[0]

    def advance(to: float) -> None:
        while events and events[0][0] <= to:
            at, _n, number = heapq.heappop(events)
            clock[0] = max(clock[0], at)
            pool.release(number)
        clock[0] = max(clock[0], to)

    def wait(seconds: float) -> None:  # a blocked acquire: time passes, requests end
        advance(events[0][0] if seconds == float("inf") else clock[0] + seconds)

    pool._wait = wait
    arrivals: dict[str, list[float]] = {}
    try:
        for i in range(len(delays) * 4):
            to_provider, to_answer = delays[i % len(delays)]
            while len(events) >= threads:  # every thread busy: wait for one to finish
                advance(events[0][0])
            number = pool.acquire()
            arrived = clock[0] + to_provider
            arrivals.setdefault(number, []).append(arrived)
            order[0] += 1
            heapq.heappush(events, (arrived + to_answer, order[0], number))
    finally:
        providers.time.monotonic = original
    caps = {s.number: s.per_second for s in providers.parse_senders(senders)}
    for number, times in arrivals.items():
        window: list[float] = []
        for at in sorted(times):
            window = [t for t in window if t > at - 1.0]
            assert len(window) < caps[number], (number, at, window)
            window.append(at)
