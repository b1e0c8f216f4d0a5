"""The one formula filter (CSV injection) of every export and import (issue 15): a cell
starting with = + - @ tab or CR is a formula, "-2+3" included; exports make it text with
an apostrophe; no module writes CSV around it."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.core.spreadsheets import SafeWriter, is_formula, neutralize

SRC = Path(__file__).resolve().parents[2] / "src" / "groundswell"


@pytest.mark.parametrize("value", ["=1+1", "+A1", "-2+3", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)",
                                   "\t=1", "\r=1", "  =1", "\u00a0-2+3",
                                   '=HYPERLINK("http://x","y")'])
def test_formulas_are_caught_and_made_text(value):
    assert is_formula(value)
    assert neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["José", "O'Brien-Smith", "", "-", "215-555-0100",
                                   "Rent 2+3", "a=b"])
def test_ordinary_text_is_left_alone(value):
    assert not is_formula(value)
    assert neutralize(value) == value


@given(st.text(max_size=60))
def test_a_neutralized_cell_never_starts_a_formula(text):
    out = neutralize(text)
    assert not is_formula(out)
    assert out.lstrip("'") == re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text).lstrip("'") \
        or out[1:] == re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


@given(st.lists(st.one_of(st.text(max_size=20), st.integers()), max_size=6))
def test_the_safe_writer_writes_no_formula(row):
    """Text cells come out as text; numbers stay numbers (-1 is not a formula)."""
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(row)
    written = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    cells = [c for r in written for c in r]
    if all(isinstance(v, str) and not re.search(r"[\r\n]", v) for v in row):
        assert len(cells) == len(row) or not row
        for cell in cells:
            assert not is_formula(cell)


def test_every_csv_written_goes_through_the_filter():
    """No module of ours calls csv.writer itself (the demo's generated address file
    aside): exports and reports use SafeWriter or neutralize."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "spreadsheets.py" or "demo" in path.parts:
            continue
        if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
