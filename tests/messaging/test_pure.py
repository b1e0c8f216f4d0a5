"""Property tests of the pure modules: segment counting, keywords, quiet hours and
merge fields."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import given
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
    monkeypatch.setattr(providers.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    pool = providers.SenderPool(providers.parse_senders(["+12155550100:1", "+12155550101:1",
                                                         "+12155550199:10"]))
    sent: dict[str, list[float]] = {}
    for _ in range(600):
        number = pool.acquire()
        sent.setdefault(number, []).append(clock[0])
        clock[0] += 0.001
    for number, cap in (("+12155550100", 1), ("+12155550101", 1), ("+12155550199", 10)):
        times = sent[number]
        for i, at in enumerate(times):
            assert sum(1 for t in times[i:] if t < at + 1.0) <= cap
    elapsed = clock[0] - 1000.0
    assert 600 / elapsed >= 0.95 * 12
