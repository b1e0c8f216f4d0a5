"""A record prepared once for comparison (folded names, canonical nicknames, E.164
phones, streets abbreviated) and the blocking keys it is indexed and looked up under."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from groundswell.people.matching.fields import (
    _EXTRA_ORDER,
    ALL_FIELDS,
    DEFAULT_FIELDS,
    EXTRA_FIELDS,
)
from groundswell.people.matching.names import (
    _GIVEN_ABBREVIATIONS,
    canonical_street,
    nickname_groups,
)
from groundswell.people.normalize import (
    NormalizationError,
    fold,
    name_parts,
    normalize_email,
    normalize_phone,
    normalize_unit,
)

# --- prepared records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A record normalized once for blocking and comparison."""

    key: Hashable
    given: tuple[str, ...] = ()  # folded given and preferred names, each in full
    family: str = ""  # folded surnames, without particles or a generational suffix
    phones: frozenset[str] = frozenset()  # E.164
    emails: frozenset[str] = frozenset()
    street: str = ""  # canonical_street
    unit: str = ""  # normalize_unit
    birth_year: int | None = None
    extra: tuple[tuple[str, str], ...] = ()  # (EXTRA_FIELDS name, normalized value)
    generation: int = 0  # from a suffix (normalize.GENERATION_SUFFIXES); 0 when none

    @cached_property
    def extra_map(self) -> dict[str, str]:
        return dict(self.extra)

    @cached_property
    def block_keys(self) -> frozenset[str]:
        """``blocking_keys(self)``, worked out once: a record is looked up in and added
        to several indexes (an import row: the people here, the file's earlier rows)."""
        return _blocking_keys(self)

    @property
    def family_words(self) -> tuple[str, ...]:
        return tuple(self.family.split())

    def present(self) -> frozenset[str]:
        """The compared fields this record has a value for."""
        has = {"given_name": bool(self.given), "family_name": bool(self.family),
               "phone": bool(self.phones), "email": bool(self.emails),
               "address": bool(self.street), "birth_year": self.birth_year is not None,
               "generation": bool(self.generation)}
        return frozenset(name for name, present in has.items() if present) | frozenset(
            name for name, _value in self.extra)


def _values(raw: Any) -> list[str]:
    """A field may hold one value or several (a person's phones)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, Iterable):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _phones(raw: Any, region: str) -> frozenset[str]:
    found = set()
    for value in _values(raw):
        try:
            found.add(normalize_phone(value, region))
        except NormalizationError:
            continue
    return frozenset(found)


def _emails(raw: Any) -> frozenset[str]:
    found = set()
    for value in _values(raw):
        try:
            found.add(normalize_email(value))
        except NormalizationError:
            continue
    return frozenset(found)


def _birth_year(raw: Any) -> int | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        year = int(str(raw).strip()[:4])
    except ValueError:
        return None
    return year if 1850 <= year <= 2200 else None


def _unit(raw: str) -> str:
    try:
        return normalize_unit(raw)
    except NormalizationError:
        return fold(raw).upper()


_fold = lru_cache(maxsize=1 << 16)(fold)  # names, towns and states repeat a lot


def _extra_value(kind: str, raw: Any) -> str:
    if raw is None:
        return ""
    text = str(raw)
    if kind == "date":
        return text if text.isdigit() else re.sub(r"\D", "", text)
    if kind == "code":
        return _fold(text).replace(" ", "")
    return _fold(text)


@lru_cache(maxsize=64)
def _extras_of(fields: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, str, Any], ...]:
    """The further fields a mapping uses, in EXTRA_FIELDS order, with their kind and
    source (worked out once per mapping, not once per record); refuses unknown names."""
    unknown = {name for name, _source in fields} - set(ALL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown matcher fields: {', '.join(sorted(unknown))}")
    extras = [(name, EXTRA_FIELDS[name], source) for name, source in fields
              if name in EXTRA_FIELDS]
    return tuple(sorted(extras, key=lambda item: _EXTRA_ORDER[item[0]]))


def prepare(record: Mapping[str, Any], fields: Mapping[str, Any] | None = None,
            key: Hashable = None, region: str = "US", blind: bool = False) -> Prepared:
    """Normalize one record. ``fields`` maps matcher field names to the record's keys
    (default: the same names), or to a tuple of keys whose values are joined by a
    space; fields it does not map are not used. ``blind``: phones and emails are
    already opaque tokens (a blind index of the normalized value), compared as given,
    so a database's contacts need not be decrypted to be matched."""
    fields = DEFAULT_FIELDS if fields is None else fields
    extras = _extras_of(tuple(fields.items()))

    def get(name: str) -> Any:
        source = fields.get(name)
        if isinstance(source, tuple):
            parts = [record.get(k) for k in source]
            joined = " ".join(str(p) for p in parts if p not in (None, ""))
            return joined or None
        return record.get(source) if source is not None else None

    def text(name: str) -> str:
        value = get(name)
        return _fold(str(value)) if value is not None else ""

    family, generation = _family_of(text("family_name"))
    given_names = []
    for name in ("given_name", "preferred_name"):
        value, suffix = _given_of(text(name))
        generation = generation or suffix
        if value:
            given_names.append(value)
    given = tuple(dict.fromkeys(given_names))
    street = canonical_street(str(get("street") or "")) if "street" in fields else ""
    record_key = get("id") if fields.get("id") in record else None
    extra = []
    for name, kind, source in extras:
        raw = get(name) if isinstance(source, tuple) else record.get(source)
        value = _extra_value(kind, raw)
        if value:
            extra.append((name, value))
    return Prepared(
        key=record_key if record_key is not None else key,
        given=given,
        family=family,
        phones=(frozenset(v for v in _values(get("phone")) if v) if blind
                else _phones(get("phone"), region)) if "phone" in fields else frozenset(),
        emails=(frozenset(v for v in _values(get("email")) if v) if blind
                else _emails(get("email"))) if "email" in fields else frozenset(),
        street=street,
        unit=_unit(str(get("unit") or "")) if street else "",
        birth_year=_birth_year(get("birth_year")) if "birth_year" in fields else None,
        extra=tuple(extra),
        generation=generation,
    )


@lru_cache(maxsize=1 << 16)
def _family_of(folded: str) -> tuple[str, int]:
    """Surnames as compared: particles and hyphens out, the suffix apart."""
    words, generation = name_parts(folded)
    return " ".join(words), generation


@lru_cache(maxsize=1 << 16)
def _given_of(folded: str) -> tuple[str, int]:
    """Given names as compared: particles out ("María de los Ángeles"), "Ma." read as
    María, the suffix apart ("José Luis Jr")."""
    words, generation = name_parts(folded)
    words = tuple(_GIVEN_ABBREVIATIONS.get(w, w) for w in words) if len(words) > 1 \
        else words
    return " ".join(words), generation


# --- blocking -----------------------------------------------------------------------------


def blocking_keys(record: Prepared) -> frozenset[str]:
    """The keys under which ``record`` is indexed and looked up: a family-name prefix,
    each phone's last four, each email, the street, given name (or its nickname groups)
    with the family initial, and the extra fields that identify."""
    return record.block_keys


def _blocking_keys(record: Prepared) -> frozenset[str]:
    keys: set[str] = set()
    for word in record.family_words:
        if len(word) >= 2:
            keys.add("family:" + word[:3])
    for phone in record.phones:
        keys.add("phone:" + phone[-4:])
    for email in record.emails:
        keys.add("email:" + email)
    if record.street:
        keys.add("street:" + record.street)
    initial = record.family[:1]
    for given in record.given:
        first = given.split()[0] if given.split() else ""
        groups = nickname_groups(first)
        names = [f"#{g}" for g in sorted(groups)] if groups else [first]
        keys.update(f"given:{name}:{initial}" for name in names if name)
    extra = record.extra_map
    for name in ("birth_date", "national_id"):
        if extra.get(name):
            keys.add(f"{name}:{extra[name]}")
    if extra.get("postal_code") and extra.get("address_line_1"):
        keys.add(f"place:{extra['postal_code']}:{extra['address_line_1'][:3]}")
    return frozenset(keys)
