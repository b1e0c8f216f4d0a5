"""Links from a person's timeline to the walk list of a door visit (people.timeline)."""

from __future__ import annotations

from django.urls import reverse

from groundswell.canvass.models import DoorVisit
from groundswell.core.models import Membership
from groundswell.core.permissions import can


def door_visit_links(membership: Membership, ids: list[str]) -> dict[str, tuple[str, str]]:
    if not can(membership, "canvass.view"):
        return {}
    slug = membership.organization.slug
    visits = DoorVisit.objects.filter(pk__in=[i for i in ids if i.isdigit()]) \
        .select_related("walk_list")
    return {str(v.pk): (reverse("walklist", args=[slug, v.walk_list_id]), v.walk_list.name)
            for v in visits if v.walk_list_id}
