"""The people list's filters that other areas add (geo: "in this turf").

People filters by what it keeps itself (tag, stage, language, base, consent, phone,
last contact). A higher area that can say something about a person registers a
``PersonFilter`` from its AppConfig.ready(); the people list, saved lists, the
broadcast composer and exports all see it, and people never imports that area.
A filter's value travels as a GET parameter and in saved lists: ids and codes only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet

from groundswell.core.models import Membership

BUILT_IN_KEYS = ("tag", "stage", "language", "base", "consent", "has_phone",
                 "contacted_after", "contacted_before")


@dataclass(frozen=True)
class PersonFilter:
    key: str
    make_field: Callable[[Membership], forms.Field]  # optional (required=False)
    apply: Callable[[QuerySet, Any], QuerySet]  # the people queryset and the cleaned value


_ADDED: dict[str, PersonFilter] = {}


def register_person_filter(person_filter: PersonFilter) -> None:
    if person_filter.key in BUILT_IN_KEYS or person_filter.key in _ADDED:
        raise ValueError(f"People filter registered twice: {person_filter.key!r}")
    _ADDED[person_filter.key] = person_filter


def added_filters() -> list[PersonFilter]:
    return list(_ADDED.values())


def list_filter_keys() -> tuple[str, ...]:
    """Every filter a people list (and a saved list) may hold, in the form's order."""
    return BUILT_IN_KEYS + tuple(_ADDED)
