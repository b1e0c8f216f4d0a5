"""Property tests for the events area's pure modules: ICS text, the kiosk's display
of a person, and report arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from groundswell.events import display, ics
from groundswell.events.display import short_name, street_block
from groundswell.events.stats import Figures, consistent, conversion_rates, percent

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@given(TEXT)
def test_escape_round_trips(value):
    normalized = value.replace("\r\n", "\n").replace("\r", "\n")
    assert ics.unescape_text(ics.escape_text(value)) == normalized
    escaped = ics.escape_text(value)
    assert "\n" not in escaped and "\r" not in escaped


@given(TEXT)
def test_folded_lines_are_at_most_75_octets_and_unfold_back(value):
    line = "SUMMARY:" + ics.escape_text(value)
    folded = ics.fold(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert ics.unfold(folded) == [line]


@given(TEXT, TEXT, st.integers(min_value=0, max_value=10**6))
def test_calendar_is_well_formed(title, description, minutes):
    start = datetime(2026, 6, 1, 16, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    event = ics.IcsEvent(uid="abc@groundswell", title=title, description=description,
                         starts_at=start, ends_at=start + timedelta(hours=2), stamp=start,
                         location="Lot, 2417 N Front St", latitude=39.99, longitude=-75.13)
    text = ics.calendar([event], name="Casa; del, Pueblo")
    assert text.endswith("\r\n")
    lines = ics.unfold(text.removesuffix("\r\n"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert ics.unescape_text(summary.removeprefix("SUMMARY:")) == \
        title.replace("\r\n", "\n").replace("\r", "\n")
    assert "X-WR-CALNAME:Casa\\; del\\, Pueblo" in lines
    assert "GEO:39.990000;-75.130000" in lines


def test_times_are_utc_and_must_be_aware():
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    text = ics.calendar([ics.IcsEvent("u", "t", start, start + timedelta(hours=1), start,
                                      cancelled=True)])
    assert "DTSTART:20260601T120000Z" in text and "STATUS:CANCELLED" in text
    try:
        ics.calendar([ics.IcsEvent("u", "t", start.replace(tzinfo=None), start, start)])
    except ValueError:
        pass
    else:
        raise AssertionError("a naive datetime must be refused")


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "ñ" * 100 + "🎉" * 20
    for piece in ics.fold(line).split("\r\n"):
        piece.encode("utf-8").decode("utf-8")
        assert len(piece.encode("utf-8")) <= 75


@given(st.text(min_size=1, max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_short_name_shows_at_most_an_initial(given_name, family, preferred):
    shown = short_name(given_name, family, preferred)
    rest = family.strip()[1:]
    if len(rest) >= 2 and rest not in (preferred or given_name):
        assert rest not in shown


def test_short_name_examples():
    assert short_name("Ana María", "Rodríguez") == "Ana María R."
    assert short_name("José", "Díaz", "Pepe") == "Pepe D."
    assert short_name("Luis", "") == "Luis"


@given(st.integers(min_value=0, max_value=99999), st.sampled_from(["N Front St", "W Somerset St"]))
def test_street_block_hides_the_house_number(number, street):
    block, name = street_block(f"{number} {street}")
    assert block <= number < block + 100 and block % 100 == 0 and name == street


def test_street_block_without_a_number():
    assert street_block("Front St") is None
    assert street_block("2417A N Front St") == (2400, "N Front St")


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_percent_is_a_bounded_rounded_share(a, b):
    part, whole = min(a, b), max(a, b)
    value = percent(part, whole)
    assert 0 <= value <= 100
    if whole:
        assert abs(value - 100 * part / whole) <= 0.5
    assert percent(whole, whole) == (100 if whole else 0)


@st.composite
def figures(draw):
    reached = draw(st.integers(min_value=0, max_value=1000))
    sub = st.integers(min_value=0, max_value=reached)
    rsvps = draw(st.integers(min_value=0, max_value=1000))
    return Figures(reached=reached, households=draw(sub), new=draw(sub), rsvps=rsvps,
                   rsvp_came=draw(st.integers(min_value=0, max_value=min(reached, rsvps))),
                   later_visited=draw(sub), later_grievance=draw(sub),
                   later_action=draw(sub), joined_rapid_response=draw(sub))


@given(figures(), figures())
def test_sums_of_consistent_figures_stay_consistent(a, b):
    assert consistent(a) and consistent(b) and consistent(a + b)
    assert all(0 <= rate <= 100 for rate in conversion_rates(a + b).values())
    assert (a + b).returning == a.returning + b.returning


# --- what a kiosk may search ------------------------------------------------------------------

@given(st.text(alphabet="0123456789 -().+", max_size=30))
def test_a_kiosk_never_searches_fewer_digits_than_a_whole_phone_number(text):
    digits = sum(ch.isdigit() for ch in text)
    kind = display.kiosk_query(text)
    if digits:
        assert kind == (display.KIOSK_PHONE if digits >= 10 else display.KIOSK_PARTIAL_PHONE)


@given(st.text(max_size=40))
def test_a_kiosk_name_search_has_three_letters_and_no_digits(text):
    kind = display.kiosk_query(text)
    assert kind in (display.KIOSK_PHONE, display.KIOSK_NAME, display.KIOSK_TOO_SHORT,
                    display.KIOSK_PARTIAL_PHONE)
    if kind == display.KIOSK_NAME:
        assert sum(ch.isalpha() for ch in text) >= 3
        assert not any(ch.isdigit() for ch in text)


def test_kiosk_queries_and_initials():
    assert display.kiosk_query("ros") == display.KIOSK_NAME
    assert display.kiosk_query("ro") == display.KIOSK_TOO_SHORT
    assert display.kiosk_query("0142") == display.KIOSK_PARTIAL_PHONE
    assert display.kiosk_query("(215) 555-0142") == display.KIOSK_PHONE
    assert display.kiosk_query("+1 215 555 0142") == display.KIOSK_PHONE
    assert display.kiosk_query("Rosa 2155550142") == display.KIOSK_PARTIAL_PHONE
    assert display.initials("Ana María", "Rodríguez") == "A. R."
    assert display.initials("Ana", "", "Anita") == "A."
