"""Spreadsheet formulas in cells people typed (CSV injection): the one filter every
export and every import uses. Pure Python, no Django.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (``-2+3``
and ``+A1`` as much as ``=HYPERLINK(...)``), and some also one that starts with a tab
or a carriage return; leading spaces do not hide one (some spreadsheets trim them). A
lone ``-`` (a common "nothing here") cannot compute anything. Exports put an
apostrophe first, so the cell is text; imports refuse such a cell in any column whose
value is kept as typed (a phone column is read as a number, never kept as typed).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters no XLSX file may hold (openpyxl refuses them); a name pasted from
# somewhere odd must not turn an export into an error page.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula(value: str) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula."""
    text = value.lstrip(" \u00a0")
    return text.startswith(FORMULA_STARTS) and text != "-"


def neutralize(value: str) -> str:
    """``"=HYPERLINK(...)"`` -> ``"'=HYPERLINK(...)"``: text, not a formula. Control
    characters are dropped."""
    value = _CONTROL.sub("", value)
    return "'" + value if is_formula(value) else value


def safe_cells(row: Iterable[Any]) -> list[Any]:
    """A row with every text cell neutralized (numbers and dates stay as they are)."""
    return [neutralize(cell) if isinstance(cell, str) else cell for cell in row]


class SafeWriter:
    """``csv.writer`` whose text cells cannot start a formula."""

    def __init__(self, out: Any, **options: Any) -> None:
        self.writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self.writer.writerow(safe_cells(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


__all__ = ["FORMULA_STARTS", "SafeWriter", "is_formula", "neutralize", "safe_cells"]
