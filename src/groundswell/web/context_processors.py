from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from groundswell.web import navigation


def navigation_links(request: HttpRequest) -> dict[str, Any]:
    """Lazily: most templates that render outside an organization never ask."""
    membership = getattr(request, "membership", None)
    return {
        "main_areas": lambda: navigation.main_areas(membership, request.path),
        "top_tasks": lambda: navigation.top_tasks(membership),
    }
