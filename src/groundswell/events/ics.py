"""iCalendar (RFC 5545) text for events: one event to download, or a feed.

Pure Python, no Django import: the views turn events into ``IcsEvent`` values. Text
values are escaped (backslash, semicolon, comma, newline) and every content line is
folded at 75 octets of UTF-8 without splitting a character, as section 3.1 requires;
lines end with CRLF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

LINE_OCTETS = 75


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    title: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    stamp: datetime  # aware: when this version of the event was written
    description: str = ""
    location: str = ""
    url: str = ""
    latitude: float | None = None
    longitude: float | None = None
    cancelled: bool = False


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11). CR LF and lone CR become a newline."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def unescape_text(value: str) -> str:
    """The inverse of ``escape_text`` (for tests and for reading our own feeds)."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in ("n", "N") else nxt)
        else:
            out.append(char)
    return "".join(out)


def fold(line: str) -> str:
    """Fold one content line: at most 75 octets per physical line, continuation
    lines start with a space, never inside a multi-byte character."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = char, width
            limit = LINE_OCTETS - 1  # the leading space of a continuation counts
        else:
            current += char
            size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def unfold(text: str) -> list[str]:
    """Content lines of a calendar text (RFC 5545 3.1 unfolding)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: IcsEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_utc(event.stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.title)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.latitude is not None and event.longitude is not None:
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[IcsEvent], *, name: str = "",
             product: str = "-//Groundswell//Events//EN") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{product}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(_event_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


__all__ = ["IcsEvent", "calendar", "escape_text", "fold", "unescape_text", "unfold"]
