"""Reading an uploaded spreadsheet: what kind of file it is, its text encoding, its
delimiter, its sheets, its header and its rows. Pure Python (no Django), typed; the
import services call it on the bytes stored under MEDIA_ROOT.

The file's content decides, never its name: an XLSX is a ZIP holding
``xl/workbook.xml``; an old binary Excel file (OLE2) and anything holding NUL bytes or
a known binary signature (PDF, PNG, JPEG, GIF, ZIP) is refused with a message saying
what to do. Text is UTF-8 (with or without a byte-order mark), else Windows-1252 when a
byte in 0x80–0x9F reads as one of its printable characters (curly quotes, the euro
sign), else Latin-1 (ISO-8859-1, where those bytes are control characters).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

#: Limits of one upload; an upload over them is refused whole, with a message.
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 100
#: A cell longer than this is an error on its row (the row is not imported).
MAX_CELL = 1_000

ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with byte-order mark)",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
    "xlsx": "Excel (XLSX)",
}


class UnreadableFile(ValueError):
    """A file that cannot be imported. ``code`` names the reason (for tests and for
    the translated message the service shows)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class Table:
    """A spreadsheet's header and rows, every cell a stripped string."""

    headers: list[str]
    rows: list[list[str]]
    encoding: str  # a key of ENCODINGS
    kind: str  # "csv" or "xlsx"
    sheets: list[str] = field(default_factory=list)  # XLSX: every sheet's name
    sheet: str = ""  # XLSX: the sheet read
    delimiter: str = ","


_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_kind(data: bytes) -> str:
    """``"xlsx"`` or ``"csv"`` from the bytes; raises UnreadableFile otherwise."""
    if not data.strip():
        raise UnreadableFile("empty")
    if data.startswith(_OLE2):
        raise UnreadableFile("old_excel")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise UnreadableFile("not_spreadsheet") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise UnreadableFile("not_spreadsheet")
    if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data[:65536]:
        raise UnreadableFile("not_spreadsheet")
    return "csv"


_C1 = re.compile(rb"[\x80-\x9f]")


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was written in (a key of ENCODINGS)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _C1.search(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "latin-1"


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Drop wholly empty rows and the empty columns at the right."""
    kept = [row for row in rows if any(row)]
    width = max((_used_width(row) for row in kept), default=0)
    return [row if len(row) == width else (row + [""] * width)[:width] for row in kept]


def _used_width(row: list[str]) -> int:
    """1 + the index of the row's last non-empty cell (0 when it has none)."""
    for i in range(len(row) - 1, -1, -1):
        if row[i]:
            return i + 1
    return 0


def _split(rows: list[list[str]], *, encoding: str, kind: str, max_rows: int,
           **extra: object) -> Table:
    rows = _trim(rows)
    if not rows:
        raise UnreadableFile("empty")
    headers, body = rows[0], rows[1:]
    if len(headers) > MAX_COLUMNS:
        raise UnreadableFile("too_many_columns", str(len(headers)))
    if not body:
        raise UnreadableFile("no_rows")
    if len(body) > max_rows:
        raise UnreadableFile("too_many_rows", str(len(body)))
    headers = [h or f"#{i + 1}" for i, h in enumerate(headers)]
    return Table(headers=headers, rows=body, encoding=encoding, kind=kind, **extra)  # type: ignore[arg-type]


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = decode(data)
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(max(MAX_BYTES, 131072))
    try:
        # A CSV cell is always text: _clean's text case, without its type checks.
        rows = [[cell.replace("\r\n", "\n").strip() for cell in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise UnreadableFile("bad_csv", str(exc)) from None
    return _split(rows, encoding=encoding, kind="csv", max_rows=max_rows, delimiter=delimiter)


def xlsx_sheets(data: bytes) -> list[str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise UnreadableFile("not_spreadsheet") from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_xlsx(data: bytes, max_rows: int, sheet: str | None) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise UnreadableFile("not_spreadsheet") from None
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise UnreadableFile("no_sheet", sheet)
        chosen = [sheet] if sheet is not None else names
        last: UnreadableFile | None = None
        for name in chosen:
            rows: list[list[str]] = []
            for values in book[name].iter_rows(values_only=True):
                if len(rows) > max_rows + 1:
                    break
                rows.append([_clean(v) for v in values[:MAX_COLUMNS + 1]])
            try:
                return _split(rows, encoding="xlsx", kind="xlsx", max_rows=max_rows,
                              sheets=names, sheet=name)
            except UnreadableFile as exc:
                if exc.code != "empty" or sheet is not None:
                    raise
                last = exc  # an empty sheet: try the next one
        raise last or UnreadableFile("empty")
    finally:
        book.close()


def read_table(data: bytes, *, sheet: str | None = None, max_rows: int = MAX_ROWS) -> Table:
    """Read a whole upload. ``sheet`` names an XLSX sheet (default: the first one that
    holds anything). Raises UnreadableFile with a code: empty, no_rows, old_excel,
    not_spreadsheet, too_big, too_many_rows, too_many_columns, no_sheet, bad_csv."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile("too_big", str(len(data)))
    kind = detect_kind(data)
    if kind == "xlsx":
        return _read_xlsx(data, max_rows, sheet)
    return _read_csv(data, max_rows)


def row_dicts(table: Table) -> list[dict[str, str]]:
    return [dict(zip(table.headers, row, strict=False)) for row in table.rows]


def column_values(table: Table, column: int, limit: int = 3) -> Sequence[str]:
    """A few example values of a column, for the mapping screen."""
    return [row[column] for row in table.rows if column < len(row) and row[column]][:limit]


__all__ = ["ENCODINGS", "MAX_BYTES", "MAX_CELL", "MAX_COLUMNS", "MAX_ROWS", "Table",
           "UnreadableFile", "column_values", "decode", "detect_kind", "read_table",
           "row_dicts", "xlsx_sheets"]
