"""Merge fields in message templates (pure, no Django): ``{first_name}``, ``{name}``,
``{organization}``. Unknown fields are reported, never guessed."""

from __future__ import annotations

import re
from collections.abc import Mapping

FIELDS = ("first_name", "name", "organization")
_FIELD = re.compile(r"\{([a-z_]+)\}")


def unknown_fields(template: str) -> list[str]:
    return sorted({name for name in _FIELD.findall(template) if name not in FIELDS})


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace each known ``{field}`` by its value; anything else stays as written."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0))
                      if m.group(1) in FIELDS else m.group(0), template)


def longest(template: str, lengths: Mapping[str, int]) -> str:
    """The template with each field replaced by the longest value it can take (for the
    segment count of the worst case), written in a character that stays GSM-7."""
    return _FIELD.sub(lambda m: "x" * lengths.get(m.group(1), 0)
                      if m.group(1) in FIELDS else m.group(0), template)
