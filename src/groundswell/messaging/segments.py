"""How many SMS segments a text takes, and in which encoding (pure, no Django).

A text is sent in GSM-7 when every character is in the GSM 03.38 basic set or its
extension table (the extension characters ``^{}\\[~]|€`` and form feed take two
septets each); otherwise the whole text is sent in UCS-2 (UTF-16 code units). One
segment holds 160 septets or 70 UCS-2 units; a text longer than that is split into
parts of 153 septets or 67 units (the rest is the concatenation header). A part never
splits an escape sequence or a surrogate pair, as carriers and Twilio count.

Spanish matters here: é, ñ, ¿ and ¡ are in GSM-7, but á, í, ó and ú are not, so one
accented word turns a 160-character text into three 70-character segments.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "\f^{}\\[~]|€"
_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}
_EXTENDED = frozenset(GSM7_EXTENDED)

GSM7 = "GSM-7"
UCS2 = "UCS-2"

SINGLE = {GSM7: 160, UCS2: 70}
MULTI = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # GSM7 or UCS2
    segments: int  # 0 for an empty text
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    per_segment: int  # capacity of one segment at this length
    remaining: int  # units left in the last segment before another is needed
    non_gsm: tuple[str, ...]  # the characters that forced UCS-2, in order of appearance


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENDED for ch in text)


def _units(text: str, encoding: str) -> list[int]:
    """Width of each character in the encoding's units."""
    if encoding == GSM7:
        return [2 if ch in _EXTENDED else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def split(text: str) -> list[str]:
    """The parts the text is sent as (a single part when it fits in one segment)."""
    if not text:
        return []
    encoding = GSM7 if is_gsm7(text) else UCS2
    widths = _units(text, encoding)
    if sum(widths) <= SINGLE[encoding]:
        return [text]
    capacity = MULTI[encoding]
    parts: list[str] = []
    start, used = 0, 0
    for index, width in enumerate(widths):
        if used + width > capacity:
            parts.append(text[start:index])
            start, used = index, 0
        used += width
    parts.append(text[start:])
    return parts


def count(text: str) -> SegmentCount:
    encoding = GSM7 if is_gsm7(text) else UCS2
    units = sum(_units(text, encoding))
    non_gsm: list[str] = []
    if encoding == UCS2:
        for ch in text:
            if ch not in _BASIC and ch not in _EXTENDED and ch not in non_gsm:
                non_gsm.append(ch)
    parts = split(text)
    segments = len(parts)
    if segments <= 1:
        per_segment = SINGLE[encoding]
        remaining = per_segment - units
    else:
        per_segment = MULTI[encoding]
        remaining = per_segment - sum(_units(parts[-1], encoding))
    return SegmentCount(encoding, segments, units, per_segment, remaining, tuple(non_gsm))
