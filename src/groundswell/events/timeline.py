"""Links from a person's timeline to the event they came to (people.timeline)."""

from __future__ import annotations

from django.urls import reverse

from groundswell.core.models import Membership
from groundswell.core.permissions import can
from groundswell.events.models import Attendance


def attendance_links(membership: Membership, ids: list[str]) -> dict[str, tuple[str, str]]:
    if not can(membership, "events.view"):
        return {}
    slug = membership.organization.slug
    attended = Attendance.objects.filter(pk__in=[i for i in ids if i.isdigit()]) \
        .select_related("event")
    return {str(a.pk): (reverse("event", args=[slug, a.event_id]), a.event.title)
            for a in attended}
