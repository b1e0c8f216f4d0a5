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


__all__ = ["short_name", "street_block"]
