"""Reading an uploaded spreadsheet: what kind of file it is, its text encoding, its
delimiter, its sheets, its header and its rows. Pure Python (no Django), typed; the
import services call it on the bytes stored under MEDIA_ROOT.

The file's content decides, never its name: an XLSX is a ZIP holding
``xl/workbook.xml``; an old binary Excel file (OLE2) and anything holding NUL bytes or
a known binary signature (PDF, PNG, JPEG, GIF, ZIP) is refused with a message saying
what to do. Text is UTF-8 (with or without a byte-order mark), else Windows-1252 when a
byte in 0x80–0x9F reads as one of its printable characters (curly quotes, the euro
sign), else Latin-1 (ISO-8859-1, where those bytes are control characters). A file that
is UTF-8 in places and not in others is refused, naming the lines (see ``decode``).
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
#: An XLSX is a ZIP: what its parts declare they expand to is checked before anything is
#: expanded (a 613 KB file that expands to 600 MB held a worker at 1 GB). Python's zipfile
#: never yields more than a part declares, so the declared sizes are the real bound.
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
#: Spreadsheet XML compresses about 5-30 times; far beyond that a part is padding.
MAX_RATIO = 200

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
                parts = archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise UnreadableFile("not_spreadsheet") from None
        if "xl/workbook.xml" not in {p.filename for p in parts}:
            raise UnreadableFile("not_spreadsheet")
        check_expansion(parts)
        return "xlsx"
    if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data[:65536]:
        raise UnreadableFile("not_spreadsheet")
    return "csv"


def check_expansion(parts: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP whose parts would expand past MAX_EXPANDED_BYTES in all, or one part
    MAX_RATIO times its compressed size (past a megabyte), from the sizes it declares."""
    total = sum(p.file_size for p in parts)
    if total > MAX_EXPANDED_BYTES:
        raise UnreadableFile("too_expanded", str(total))
    for part in parts:
        if part.file_size > 1024 * 1024 and \
                part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise UnreadableFile("too_expanded", part.filename)


_C1 = re.compile(rb"[\x80-\x9f]")


# A well-formed UTF-8 sequence of two to four bytes (RFC 3629): a legacy single-byte
# file almost never holds one by chance ("Ã©" is the usual way one appears).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}"
    rb"|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
MAX_LINES_NAMED = 10


def bad_utf8_lines(data: bytes) -> list[tuple[int, int]]:
    """(line number, byte offset in the file) of each line holding bytes that are not
    UTF-8, for the importer's message."""
    found = []
    offset = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append((number, offset + exc.start))
        offset += len(line) + 1
    return found


def _bad_utf8(data: bytes) -> UnreadableFile:
    lines = bad_utf8_lines(data)
    named = ", ".join(f"{n} (byte {b + 1})" for n, b in lines[:MAX_LINES_NAMED])
    if len(lines) > MAX_LINES_NAMED:
        named += f" … (+{len(lines) - MAX_LINES_NAMED})"
    return UnreadableFile("bad_utf8", named)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was written in (a key of ENCODINGS). A file that is
    UTF-8 except for some bytes (two files pasted together, a damaged save) is refused
    naming its lines (``bad_utf8``), never read as mojibake; a file with no UTF-8 in it
    at all is an older single-byte one (Windows-1252 or Latin-1), and the importer is
    told which was used."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if body is not data else "utf-8"
    if body is not data or _UTF8_MULTIBYTE.search(data):
        raise _bad_utf8(data)
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

    detect_kind(data)
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
    not_spreadsheet, too_big, too_expanded, too_many_rows, too_many_columns, no_sheet,
    bad_csv, bad_utf8 (its detail names the lines)."""
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


__all__ = ["ENCODINGS", "MAX_BYTES", "MAX_CELL", "MAX_COLUMNS", "MAX_EXPANDED_BYTES",
           "MAX_ROWS", "Table", "UnreadableFile", "bad_utf8_lines", "check_expansion",
           "column_values",
           "decode", "detect_kind", "read_table",
           "row_dicts", "xlsx_sheets"]
