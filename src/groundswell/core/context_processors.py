from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from groundswell.core.permissions import CAPABILITIES, can
from groundswell.core.scoping import memberships_for_user


class _Capabilities:
    """Lets templates write ``{% if perms_org.members_manage %}``."""

    def __init__(self, membership: Any) -> None:
        self._membership = membership

    def __getattr__(self, name: str) -> bool:
        capability = name.replace("_", ".", 1)
        return capability in CAPABILITIES and can(self._membership, capability)


def organization(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        "perms_org": _Capabilities(membership),
        "my_memberships": (lambda: memberships_for_user(user)) if user is not None else list,
        # For the map component (web/static/groundswell/map.js).
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_ATTRIBUTION,
    }
