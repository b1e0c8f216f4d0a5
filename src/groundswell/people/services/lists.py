"""Saved lists: a name for a set of people-list filters (never a search text, which is
usually a name), so an organizer can open "Tenants on Somerset who said yes to texts"
again next week and see who is on it now.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.people.filters import list_filter_keys
from groundswell.people.models import SavedList
from groundswell.people.normalize import clean_name

MAX_FILTER_VALUE = 40


def clean_filters(filters: Mapping[str, object]) -> dict[str, str]:
    """The filters as stored: known keys, short string values, empty ones dropped."""
    clean: dict[str, str] = {}
    for key, value in filters.items():
        if key not in list_filter_keys() or not isinstance(value, str) \
                or len(value) > MAX_FILTER_VALUE:
            raise InvalidInput("filters", _("Those filters cannot be saved."))
        if value.strip():
            clean[key] = value.strip()
    return clean


def save_list(actor: Membership, *, name: str, filters: Mapping[str, object]) -> SavedList:
    """Save ``filters`` under ``name``; saving again under the same name replaces the
    filters of that list."""
    require(actor, "people.edit")
    name = clean_name(name)
    if not name:
        raise InvalidInput("name", _("Give the list a name."))
    if len(name) > 100:
        raise InvalidInput("name", _("That name is too long (100 characters at most)."))
    clean = clean_filters(filters)
    org = actor.organization
    with transaction.atomic():
        saved = SavedList.objects.filter(organization=org, name=name).first()
        if saved is None:
            saved = SavedList.objects.create(organization=org, name=name, filters=clean,
                                             created_by=actor.user)
        else:
            saved.filters = clean
            saved.save(update_fields=["filters"])
        audit.record("people.list.saved", by=actor, obj=saved,
                     data={"filters": sorted(clean)})
    return saved


__all__ = ["clean_filters", "save_list"]
