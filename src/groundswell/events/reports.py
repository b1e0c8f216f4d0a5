"""Event reports: the people and households reached, new and returning, and what the
organization cares about most, what happened next (arithmetic in ``stats``).

Read-only and aggregate: counts, never names, so the CSV holds no personal data.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from groundswell.core.spreadsheets import SafeWriter
from groundswell.events.models import RSVP, Attendance, Event
from groundswell.events.stats import Figures, conversion_rates
from groundswell.people.models import Consent, Grievance, Interaction, Residence

ACTION_KINDS = (Event.Kind.MEETING, Event.Kind.HEARING, Event.Kind.PICKET)


def figures(event: Event) -> Figures:
    ids = list(Attendance.objects.filter(event=event).values_list("person_id", flat=True))
    if not ids:
        rsvps = RSVP.objects.filter(event=event, cancelled_at__isnull=True).count()
        return Figures(rsvps=rsvps)
    after = event.ends_at
    day = timezone.localtime(event.starts_at).date()
    households = (Residence.objects.filter(person_id__in=ids, ended_on__isnull=True)
                  .values("household_id").distinct().count())
    rsvp_ids = set(RSVP.objects.filter(event=event, cancelled_at__isnull=True)
                   .values_list("person_id", flat=True))
    visited = (Interaction.objects.filter(person_id__in=ids, kind=Interaction.Kind.DOOR_VISIT,
                                          occurred_at__gt=after)
               .values("person_id").distinct().count())
    grievance = (Grievance.objects.filter(person_id__in=ids, raised_on__gte=day)
                 .values("person_id").distinct().count())
    action = (Attendance.objects.filter(person_id__in=ids, event__kind__in=ACTION_KINDS,
                                        event__starts_at__gt=after)
              .exclude(event=event).values("person_id").distinct().count())
    rapid = (Consent.objects.filter(person_id__in=ids, purpose=Consent.Purpose.RAPID_RESPONSE,
                                    withdrawn_at__isnull=True, granted_at__gte=event.starts_at)
             .values("person_id").distinct().count())
    return Figures(
        reached=len(ids), households=households,
        new=Attendance.objects.filter(event=event, new_person=True).count(),
        rsvps=len(rsvp_ids), rsvp_came=len(rsvp_ids & set(ids)), later_visited=visited,
        later_grievance=grievance, later_action=action, joined_rapid_response=rapid)


def events_between(start, end) -> QuerySet[Event]:  # type: ignore[no-untyped-def]
    return (Event.objects.filter(starts_at__date__gte=start, starts_at__date__lte=end,
                                 cancelled_at__isnull=True)
            .order_by("starts_at", "pk"))



def overview(events: Iterable[Event]) -> list[tuple[Event, Figures]]:
    return [(event, figures(event)) for event in events]


CSV_COLUMNS = ("date", "event", "type", "reached", "households", "new", "returning",
               "rsvps", "rsvp_came", "later_visited", "later_grievance", "later_action",
               "joined_rapid_response", "visited_pct", "grievance_pct", "action_pct",
               "rapid_response_pct")


def to_csv(rows: list[tuple[Event, Figures]]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(CSV_COLUMNS)
    for event, f in rows:
        rates = conversion_rates(f)
        writer.writerow([
            timezone.localtime(event.starts_at).date().isoformat(), event.title,
            event.kind, f.reached, f.households, f.new, f.returning, f.rsvps, f.rsvp_came,
            f.later_visited, f.later_grievance, f.later_action, f.joined_rapid_response,
            rates["later_visited"], rates["later_grievance"], rates["later_action"],
            rates["joined_rapid_response"]])
    return "\ufeff" + out.getvalue()
