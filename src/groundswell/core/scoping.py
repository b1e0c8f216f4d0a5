"""The organization scoping helpers: the only places that step outside a scope.

Inside a request under ``/o/<slug>/`` the OrganizationMiddleware has entered the
scope of that organization, so every ScopedManager query is limited to it and an
id from another organization simply is not found (404). Outside a scope those
queries raise, loudly.
"""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled

from groundswell.core.models import Membership


def memberships_for_user(user: Any) -> list[Membership]:
    """Every organization a user belongs to (for the switcher): the one query that
    legitimately crosses organizations, and only for the user's own rows."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():
        return list(Membership.objects.filter(user=user).select_related("organization")
                    .order_by("organization__name"))


def membership_in(user: Any, slug: str) -> Membership | None:
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (Membership.objects.filter(user=user, organization__slug=slug)
                .select_related("organization", "user").first())


def user_requires_second_factor(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(m.requires_second_factor for m in memberships_for_user(user))
