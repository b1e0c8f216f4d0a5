"""The pure reading and row-checking modules (no database): encodings, sniffing,
header guessing in English and Spanish, and property tests of the row normalizers."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.imports import reading, rows


def _csv(table, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("latin-1", "latin-1"),
    ("cp1252", "cp1252")])
def test_encodings(encoding, expected):
    name = "Peña “Chepe”" if encoding == "cp1252" else "Peña Ñúñez"
    table = reading.read_table(_csv([["Nombre", "Teléfono"], [name, "1"]], encoding))
    assert table.encoding == expected
    assert table.headers == ["Nombre", "Teléfono"] and table.rows == [[name, "1"]]


@pytest.mark.parametrize("data,code", [
    (b"", "empty"), (b" \r\n ", "empty"), (b"a,b\n", "no_rows"), (b",,\n,,\n", "empty"),
    (b"%PDF-1.7", "not_spreadsheet"), (b"GIF89a", "not_spreadsheet"),
    (b"a,b\n\x00\x01", "not_spreadsheet"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old_excel"),
    (b"x" * (reading.MAX_BYTES + 1), "too_big"),
    (",".join(f"c{i}" for i in range(101)).encode() + b"\n1", "too_many_columns"),
])
def test_unreadable(data, code):
    with pytest.raises(reading.UnreadableFile) as caught:
        reading.read_table(data)
    assert caught.value.code == code


def test_tab_and_semicolon_delimiters():
    for delimiter in "\t;|":
        data = f"Nombre{delimiter}Apellido\nAna{delimiter}Torres\n".encode()
        table = reading.read_table(data)
        assert table.delimiter == delimiter and table.rows == [["Ana", "Torres"]]


@pytest.mark.parametrize("header,target", [
    ("Nombre", "given_name"), ("NOMBRE ", "given_name"), ("First Name", "given_name"),
    ("Apellidos", "family_name"), ("last_name", "family_name"), ("Teléfono", "phone"),
    ("Celular", "phone"), ("Correo electrónico", "email"), ("E-mail", "email"),
    ("Dirección", "street"), ("Apto.", "unit"), ("Código postal", "postal_code"),
    ("ZIP", "postal_code"), ("Idioma", "language"), ("Fecha de nacimiento", "birth_year"),
    ("Nombre completo", "full_name"), ("Etiquetas", "tags"),
    ("Acepta mensajes de texto", "consent_sms"), ("Favorite color", ""),
])
def test_header_guesses(header, target):
    assert rows.guess_target(header) == target


def test_guess_mapping_prefers_split_names_and_first_of_each():
    mapping = rows.guess_mapping(["Name", "Nombre", "Apellido", "Teléfono", "Celular"])
    assert mapping == {1: "given_name", 2: "family_name", 3: "phone"}


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_row_check_never_crashes_and_is_deterministic(text):
    headers = ["Nombre", "Apellido", "Teléfono", "Correo", "Idioma", "Año", "SMS", "Tags"]
    mapping = dict(enumerate(["given_name", "family_name", "phone", "email", "language",
                              "birth_year", "consent_sms", "tags"]))
    cells = [text] * len(headers)
    first = rows.check_row(2, cells, headers, mapping)
    again = rows.check_row(2, cells, headers, mapping)
    assert first == again
    assert first.ok or first.errors
    if first.ok:
        assert first.values.get("given_name") or first.values.get("family_name")


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
@settings(max_examples=300, deadline=None)
def test_formula_detection(text):
    flagged = rows.looks_like_formula(text)
    stripped = text.lstrip(" \u00a0")
    if stripped.startswith(("=", "@", "+", "\t", "\r")) or (
            stripped.startswith("-") and stripped != "-"):
        assert flagged  # "-2+3" as much as "=SUM(A1)" (issue 15)
    if not stripped or stripped[0] not in "=@+-\t\r" or stripped == "-":
        assert not flagged


@given(st.integers(min_value=1900, max_value=2100), st.integers(1, 12), st.integers(1, 28))
def test_birth_year_from_dates(year, month, day):
    for text in (str(year), f"{year}-{month:02d}-{day:02d}", f"{month}/{day}/{year}"):
        assert rows.parse_birth_year(text) == year


@given(st.sampled_from(["sí", "Si", "YES", "x", "1", "true", " Sí "]))
def test_yes_words(word):
    assert rows.parse_yes(word) is True


@given(st.lists(st.text(alphabet="abcdefghijklmnñopqrstuvwxyzáéíóú", min_size=1, max_size=12),
                min_size=2, max_size=4))
def test_full_name_split_keeps_every_word(words):
    given_name, family = rows.split_full_name(" ".join(words))
    assert given_name == words[0] and family == " ".join(words[1:])
    assert rows.split_full_name(f"{family}, {given_name}") == (given_name, family)


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_bytes_read_or_refused_with_a_code(data):
    try:
        table = reading.read_table(data)
    except reading.UnreadableFile as exc:
        assert exc.code in ("empty", "no_rows", "old_excel", "not_spreadsheet", "bad_csv",
                            "bad_utf8", "too_many_columns", "too_expanded")
    else:
        assert table.headers and table.rows
        assert all(len(r) == len(table.headers) for r in table.rows)


# --- issue 15: bad UTF-8 is reported, zip bombs refused before expanding ---------------------


def test_a_utf8_file_with_some_other_bytes_is_refused_naming_the_lines():
    good = "Nombre,Apellido\nJosé,Peña\n".encode()
    data = good + "María,Ibáñez\n".encode("latin-1") + "Ana,Núñez\n".encode() + b"Luis,R\xe9\n"
    with pytest.raises(reading.UnreadableFile) as caught:
        reading.read_table(data)
    assert caught.value.code == "bad_utf8"
    assert caught.value.detail.startswith("3 (byte ") and ", 5 (byte " in caught.value.detail
    assert [n for n, _b in reading.bad_utf8_lines(data)] == [3, 5]
    offset = reading.bad_utf8_lines(data)[0][1]
    assert data[offset:offset + 1] == "í".encode("latin-1")


def test_a_byte_order_mark_then_bad_bytes_is_refused_not_replaced():
    with pytest.raises(reading.UnreadableFile) as caught:
        reading.read_table(b"\xef\xbb\xbfNombre\nJos\xe9\n")
    assert caught.value.code == "bad_utf8" and caught.value.detail.startswith("2 ")


@given(st.lists(st.text(alphabet="abcñáéíóúüÑÁÉ ,.", min_size=1, max_size=12),
                min_size=1, max_size=8))
def test_a_whole_latin1_or_windows_file_is_still_read(names):
    table = [["Nombre"], *[[n.strip() or "x"] for n in names]]
    for encoding in ("latin-1", "cp1252"):
        data = _csv(table, encoding)
        try:
            read = reading.read_table(data)
        except reading.UnreadableFile as exc:
            assert exc.code in ("no_rows", "empty")
            continue
        assert read.encoding in ("utf-8", "latin-1", "cp1252")
        assert [r[0] for r in read.rows] == [c for [c] in table[1:] if c][:len(read.rows)]


def _xlsx_with(part: bytes, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(name, part)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_expanded(monkeypatch):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open it")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    bomb = _xlsx_with(b" " * (20 * 1024 * 1024))  # 20 MB of nothing in ~20 KB
    assert len(bomb) < 100_000
    for read in (reading.read_table, reading.xlsx_sheets):
        with pytest.raises(reading.UnreadableFile) as caught:
            read(bomb)
        assert caught.value.code == "too_expanded"


def test_the_declared_total_is_capped_too(monkeypatch):
    monkeypatch.setattr(reading, "MAX_EXPANDED_BYTES", 1000)
    with pytest.raises(reading.UnreadableFile) as caught:
        reading.detect_kind(_xlsx_with(bytes(range(256)) * 8))
    assert caught.value.code == "too_expanded"
