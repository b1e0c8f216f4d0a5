"""Property tests for the pure normalization module: what residents and spreadsheets
type must either come out in one canonical spelling or be refused with
NormalizationError, never crash."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from groundswell.people.normalize import (
    NormalizationError,
    StreetAddress,
    clean_name,
    fold,
    normalize_phone,
    normalize_street_address,
    normalize_unit,
)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")

# --- phones ---------------------------------------------------------------------------------

# Area codes in service in the places Groundswell's groups work (and a few others).
AREA_CODES = ["215", "267", "445", "484", "610", "212", "718", "917", "347", "646",
              "305", "786", "713", "832", "213", "323", "312", "773", "404", "617",
              "202", "301", "571", "703", "856", "609", "973", "201"]


@st.composite
def us_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    area = draw(st.sampled_from(AREA_CODES))
    exchange = draw(st.from_regex(r"[2-9][0-9]{2}", fullmatch=True))
    line = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    number = phonenumbers.parse(f"+1{area}{exchange}{line}", None)
    assume(phonenumbers.is_valid_number(number))
    return area, exchange, line


WRITTEN_FORMS = [
    "({a}) {e}-{l}", "{a}-{e}-{l}", "{a}.{e}.{l}", "{a}{e}{l}", "{a} {e} {l}",
    "+1 {a} {e} {l}", "+1 ({a}) {e}-{l}", "1-{a}-{e}-{l}", "1 {a} {e} {l}",
    "+1{a}{e}{l}", "({a}){e}-{l}", "  {a}  {e}  {l}  ", "{a}/{e}-{l}", "+1-{a}-{e}-{l}",
    "1 ({a}) {e} {l}", "tel: {a}-{e}-{l}",
]


@given(us_numbers(), st.sampled_from(WRITTEN_FORMS))
@example(("215", "555", "0134"), "({a}) {e}-{l}")
def test_a_valid_us_number_in_any_written_form_comes_back_as_e164(parts, form):
    area, exchange, line = parts
    written = form.format(a=area, e=exchange, l=line)
    assert normalize_phone(written) == f"+1{area}{exchange}{line}"


@given(us_numbers())
def test_normalizing_an_e164_number_again_changes_nothing(parts):
    e164 = "+1" + "".join(parts)
    assert normalize_phone(normalize_phone(e164)) == e164


@given(st.text(max_size=60))
@example("")
@example("555-01")
@example("+")
@example("+999999999999999999")
@example("(215) 555-0134 ext. 12")
@example("٢١٥٥٥٥٠١٣٤")  # Arabic-Indic digits
@example("x" * 41)
def test_any_text_is_a_valid_e164_number_or_a_normalization_error(text):
    try:
        result = normalize_phone(text)
    except NormalizationError:
        return
    assert E164.match(result)
    assert phonenumbers.is_valid_number(phonenumbers.parse(result, None))


@given(st.text(max_size=30), st.sampled_from(["US", "MX", "GT", "SV", "HN", "DO", "PR"]))
def test_any_text_in_any_default_region_never_crashes(text, region):
    try:
        assert E164.match(normalize_phone(text, region))
    except NormalizationError:
        pass


# --- units --------------------------------------------------------------------------------

UNIT_WORDS = ["apt", "apartment", "unit", "#", "no", "floor", "fl", "piso", "suite", "rear",
              "back", "front", "basement", "sótano", "upper", "lower", "room", "atrás",
              "frente", "first", "second", "third", "primer", "segundo", "1st", "2nd", "3rd",
              "4th", "2o", "3er", "b", "2", "12", "3b", "-", ".", "'"]
unit_like = st.lists(st.sampled_from(UNIT_WORDS), max_size=6).map(" ".join)


@given(st.one_of(unit_like, st.text(max_size=80)))
@example("2nd floor rear")
@example("apt. 3b")
@example("#5")
@example("segundo piso atrás")
def test_normalize_unit_is_idempotent_and_never_crashes(raw):
    try:
        unit = normalize_unit(raw)
    except NormalizationError:
        return
    assert normalize_unit(unit) == unit
    assert unit == unit.strip()


@pytest.mark.parametrize("raw, unit", [
    ("2nd floor rear", "FL 2 REAR"), ("second floor rear", "FL 2 REAR"),
    ("Fl 2 Rear", "FL 2 REAR"), ("apt. 3b", "APT 3B"), ("#5", "#5"), ("", ""),
    ("segundo piso", "FL 2"), ("basement", "BSMT"),
])
def test_normalize_unit_examples(raw, unit):
    assert normalize_unit(raw) == unit


# --- street addresses --------------------------------------------------------------------------

STREET_WORDS = ["north", "n", "south", "s", "east", "w", "front", "lehigh", "kensington",
                "2nd", "second", "street", "st", "avenue", "ave", "road", "apt", "2",
                "unit", "#3", "floor", "rear", "calle", "de", "la", "o'neill", "martin",
                "luther", "king", "jr", "blvd", "b", ",", "-"]
street_like = st.builds(
    lambda number, words: f"{number} {' '.join(words)}",
    st.one_of(st.integers(min_value=0, max_value=99999).map(str),
              st.from_regex(r"[0-9]{1,5}[A-Za-z]?(-[0-9]{1,3})?", fullmatch=True)),
    st.lists(st.sampled_from(STREET_WORDS), min_size=0, max_size=6))


@settings(max_examples=150, deadline=None)
@given(st.one_of(street_like, st.text(max_size=120)),
       st.sampled_from(["", "Philadelphia"]), st.sampled_from(["", "PA", "pa"]),
       st.sampled_from(["", "19133", "19133-1234", "x"]))
@example("2417 north front street", "Philadelphia", "PA", "19133")
@example("2417 N Front St Apt 2", "", "", "")
@example("somewhere near the park", "", "", "")
@example("1 " + "a" * 300, "", "", "")
def test_normalize_street_address_never_fails_but_with_normalization_error(
        street, city, state, postal_code):
    try:
        address = normalize_street_address(street, city, state, postal_code)
    except NormalizationError:
        return
    assert isinstance(address, StreetAddress)
    assert address.street and address.street == address.street.strip()
    assert address.street == address.street.upper()
    assert len(address.postal_code) <= 5


def test_street_address_spellings_meet_in_one_form():
    spellings = ["2417 north front street", "2417 N Front St", "2417 n. front st.",
                 "2417 North Front St"]
    assert {normalize_street_address(s).street for s in spellings} == {"2417 N FRONT ST"}


# --- fold --------------------------------------------------------------------------------------


def _latin(char: str) -> bool:
    """Basic Latin and the Latin letters of names (Latin-1, Extended-A, Vietnamese)."""
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return True
    in_blocks = 0xC0 <= code < 0x180 or 0x1E00 <= code < 0x1F00
    return in_blocks and "LATIN" in unicodedata.name(char, "")


latin_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x1EFF).filter(_latin),
    max_size=40)


@given(st.text(max_size=60))
@example("  José  Rodríguez ")
@example("ǅemal")
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(latin_text)
@example("Đặng Thị Hương")
@example("Łukasz Wiśniewski")
@example("Søren Ærø Straße")
@example("Nguyễn Văn Bảo")
def test_fold_gives_ascii_for_latin_text(text):
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower() and "  " not in folded and folded == folded.strip()


@pytest.mark.parametrize("raw, folded", [
    ("  José  Rodríguez", "jose rodriguez"), ("MUÑOZ", "munoz"), ("Đặng", "dang"),
    ("O'Brien-Díaz", "o'brien-diaz"), ("Ángel, Jr.", "angel jr"),
])
def test_fold_examples(raw, folded):
    assert fold(raw) == folded


@given(st.text())
@example(" \x1c José\u2028\u2028Rodríguez\x85 ")
def test_clean_name_trims_and_collapses_every_kind_of_space(raw):
    assert clean_name(raw) == re.sub(r"\s+", " ", raw.strip())
