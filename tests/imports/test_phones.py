"""``rows.read_phone`` (the import's phone reader: a shortcut for numbers written the
North American way, each distinct value read once a file) gives exactly what
``normalize_phone`` gives: the same number, or the same error."""

from __future__ import annotations

import phonenumbers
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from groundswell.imports.rows import _valid_national, check_row, read_phone
from groundswell.people.normalize import NormalizationError, normalize_phone

DIGITS = st.text("0123456789", min_size=3, max_size=3)


@st.composite
def written(draw) -> str:
    area, exchange = draw(DIGITS), draw(DIGITS)
    line = draw(st.text("0123456789", min_size=4, max_size=4))
    form = draw(st.sampled_from(["({a}) {e}-{l}", "({a}){e}-{l}", "{a}-{e}-{l}",
                                 "{a}.{e}.{l}", "{a} {e} {l}", "{a}{e}{l}", "({a} {e}-{l}",
                                 "{a}) {e}-{l}", "1 {a} {e} {l}", "+1 ({a}) {e}-{l}",
                                 " ({a}) {e}-{l} ", "{a}{e}{l} x12", "011{a}{e}{l}"]))
    return form.format(a=area, e=exchange, l=line)


def outcome(reader, value, region):
    try:
        return reader(value, region)
    except NormalizationError as exc:
        return ("error", str(exc))


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(written(), st.text("0123456789()-. +x", max_size=18)),
       region=st.sampled_from(["US", "CA", "PR", "MX", "GB"]))
@example(value="(267) 200-0001", region="US")
@example(value="(416) 555-0134", region="US")
@example(value="(268) 464-1234", region="US")
@example(value="(555) 555-0134", region="US")
@example(value="(211) 200-0001", region="US")
@example(value="(800) 200-0001", region="CA")
def test_read_phone_is_normalize_phone(value, region):
    expected = outcome(normalize_phone, value, region)
    assert outcome(read_phone, value, region) == expected
    known: dict = {}
    assert outcome(lambda v, r: read_phone(v, r, known), value, region) == expected
    assert outcome(lambda v, r: read_phone(v, r, known), value, region) == expected  # kept


@settings(max_examples=600, deadline=None)
@given(national=st.one_of(st.text("0123456789", min_size=10, max_size=10),
                          st.text("0123456789", min_size=1, max_size=13)),
       region=st.sampled_from(["US", "CA", "PR", "MX", "GB", "DE", "SV", "GT"]))
@example(national="2672000001", region="US")
@example(national="8002000001", region="US")
@example(national="9002000001", region="US")
def test_valid_national_is_phonenumbers_validity_for_the_region(national, region):
    """The shortcut's validity (common kinds of number first) is phonenumbers' own."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    number = phonenumbers.PhoneNumber(country_code=metadata.country_code,
                                      national_number=int(national))
    assume(phonenumbers.national_significant_number(number) == national)
    assert _valid_national(national, metadata) == \
        phonenumbers.is_valid_number_for_region(number, region)


def test_check_row_reads_each_phone_once_with_the_same_result():
    known: dict = {}
    headers, mapping = ["Nombre", "Teléfono"], {0: "given_name", 1: "phone"}
    first = check_row(2, ["Ana", "(215) 555-0134"], headers, mapping, "US", known)
    again = check_row(3, ["Eva", "(215) 555-0134"], headers, mapping, "US", known)
    bad = check_row(4, ["Luz", "(555) 555-0134"], headers, mapping, "US", known)
    bad_again = check_row(5, ["Rosa", "(555) 555-0134"], headers, mapping, "US", known)
    assert first.values["phone"] == again.values["phone"] == "+12155550134"
    assert [e.code for e in bad.errors] == [e.code for e in bad_again.errors] == ["bad_phone"]
    assert list(known) == ["(215) 555-0134", "(555) 555-0134"]


def _fingerprint_folding_everything(row):
    from groundswell.people.normalize import fold

    return (tuple(sorted((k, fold(v)) for k, v in row.values.items())),
            tuple(sorted(fold(t) for t in row.tags)), tuple(sorted(row.consents)),
            row.birth_year)


CELLS = st.lists(st.sampled_from(["Ana", "ANA", "Ána", "Eva", "(215) 555-0134",
                                  "215.555.0134", "(267) 200-0001", "+1 215 555 0134",
                                  "a@b.org", "A@B.org", "x", "sí", "no", ""]),
                 min_size=4, max_size=4)


@settings(max_examples=300, deadline=None)
@given(a=CELLS, b=CELLS)
def test_fingerprints_kept_for_a_file_tell_rows_apart_as_before(a, b):
    """Folded values kept for the file, and phones left unfolded (E.164 already), make
    the same rows equal as folding everything did."""
    headers = ["Nombre", "Teléfono", "Correo", "SMS"]
    mapping = {0: "given_name", 1: "phone", 2: "email", 3: "consent_sms"}
    known: dict = {}
    rows = [check_row(n, cells, headers, mapping) for n, cells in ((2, a), (3, b))]
    assert (rows[0].fingerprint(known) == rows[1].fingerprint(known)) == \
        (_fingerprint_folding_everything(rows[0]) == _fingerprint_folding_everything(rows[1]))
