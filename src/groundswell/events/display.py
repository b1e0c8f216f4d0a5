"""What a kiosk may show of a person: enough to pick yourself, nothing more.

Pure Python, no Django import. A kiosk at the door is seen by everyone in the line, so
a result shows a first name, the family name's initial and the block of the street
("2400 block of N Front St"), never a phone number, a house number or a unit.
"""

from __future__ import annotations

import re

_HOUSE_NUMBER = re.compile(r"^\s*(\d+)[A-Za-z]?(?:-\d+)?\s+(.+)$")


def short_name(given_name: str, family_name: str, preferred_name: str = "") -> str:
    """ "Ana María" "Rodríguez" -> "Ana María R." """
    first = (preferred_name or given_name).strip()
    family = family_name.strip()
    initial = family[:1].upper() + "." if family else ""
    return f"{first} {initial}".strip()


def street_block(street: str) -> tuple[int, str] | None:
    """ "2417 N Front St" -> (2400, "N Front St"); None when there is no house number."""
    match = _HOUSE_NUMBER.match(street)
    if not match:
        return None
    number = int(match.group(1))
    return number - number % 100, match.group(2).strip()


def initials(given_name: str, family_name: str, preferred_name: str = "") -> str:
    """ "Ana María" "Rodríguez" -> "A. R." (for someone the event does not know)."""
    parts = [(preferred_name or given_name).strip(), family_name.strip()]
    return " ".join(p[:1].upper() + "." for p in parts if p)


# What a kiosk search may be. The tablet is in a public line with no login behind it:
# a whole phone number, or at least three letters of a name; never the last digits of
# a phone (they named a person in the probe) nor one or two letters (an enumeration).
KIOSK_PHONE = "phone"
KIOSK_NAME = "name"
KIOSK_TOO_SHORT = "too_short"
KIOSK_PARTIAL_PHONE = "partial_phone"
MIN_NAME_LETTERS = 3
MIN_PHONE_DIGITS = 10


def kiosk_query(query: str) -> str:
    """What kind of search ``query`` is at a kiosk (one of the KIOSK_ constants)."""
    text = query.strip()
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if digits:
        if letters or digits < MIN_PHONE_DIGITS or any(
                not (ch.isdigit() or ch in " +-().") for ch in text):
            return KIOSK_PARTIAL_PHONE
        return KIOSK_PHONE
    return KIOSK_NAME if letters >= MIN_NAME_LETTERS else KIOSK_TOO_SHORT


__all__ = ["initials", "kiosk_query", "short_name", "street_block"]
