"""Reach and conversion of programs and distributions, read from the database and
counted by ``stats``. Only counts leave here: no names, and nothing about a child.

Conversion: of the people reached (guardians of enrolled children; people served at a
distribution), how many afterwards were visited at the door, raised a grievance,
attended a campaign action (a hearing or a picket, from the events area when it is
installed), or joined the rapid-response list (a consent with that purpose).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Count, Min, Sum
from django.utils import timezone

from groundswell.people.models import Consent, Grievance, Interaction, Person
from groundswell.programs import stats
from groundswell.programs.models import (
    Attendance,
    Enrollment,
    Program,
    Service,
    ServiceItem,
    Session,
)

CAMPAIGN_ACTION_KINDS = ("hearing", "picket")


@dataclass
class Conversion:
    reached: int
    visited: int
    grievance: int
    campaign_action: int | None  # None: the events area is not installed
    rapid_response: int

    def rows(self) -> list[tuple[str, int | None]]:
        return [("visited", self.visited), ("grievance", self.grievance),
                ("campaign_action", self.campaign_action),
                ("rapid_response", self.rapid_response)]


def _day(value: Any) -> date:
    return timezone.localdate(value) if hasattr(value, "tzinfo") and value.tzinfo else value


def _campaign_actions(ids: list[int]) -> list[tuple[int, date]] | None:
    try:
        model = apps.get_model("events", "Attendance")
        event_model = apps.get_model("events", "Event")
    except LookupError:
        return None
    fields = {f.name for f in model._meta.get_fields()}
    if "event" not in fields or "person" not in fields \
            or "kind" not in {f.name for f in event_model._meta.get_fields()}:
        return None
    rows = model.objects.filter(person_id__in=ids, event__kind__in=CAMPAIGN_ACTION_KINDS
                                ).values_list("person_id", "event__starts_at")
    return [(person, _day(at)) for person, at in rows]


def conversion(first_reached: dict[int, date]) -> Conversion:
    """For each person reached on a day, whether something happened on or after it."""
    ids = list(first_reached)
    visits = [(p, _day(at)) for p, at in Interaction.objects.filter(
        person_id__in=ids, kind=Interaction.Kind.DOOR_VISIT).values_list("person_id",
                                                                          "occurred_at")]
    grievances = list(Grievance.objects.filter(person_id__in=ids).values_list(
        "person_id", "raised_on"))
    consents = [(p, _day(at)) for p, at in Consent.objects.filter(
        person_id__in=ids, purpose=Consent.Purpose.RAPID_RESPONSE,
        withdrawn_at__isnull=True).values_list("person_id", "granted_at")]
    actions = _campaign_actions(ids)
    return Conversion(
        reached=len(ids),
        visited=len(stats.converted(first_reached, visits)),
        grievance=len(stats.converted(first_reached, grievances)),
        campaign_action=None if actions is None else len(stats.converted(first_reached,
                                                                         actions)),
        rapid_response=len(stats.converted(first_reached, consents)))


def _first_seen(ids: set[int]) -> dict[int, date]:
    return {pk: _day(created) for pk, created in Person.objects.filter(
        pk__in=list(ids)).values_list("pk", "created_at")}


@dataclass
class DistributionReport:
    since: date
    until: date
    reach: stats.Reach
    services: int
    items: list[tuple[str, int]]
    by_day: list[tuple[date, int]]
    conversion: Conversion
    distributions: int = 0


def distribution_report(since: date, until: date, language: str = "en") -> DistributionReport:
    services = Service.objects.filter(served_on__gte=since, served_on__lte=until)
    contacts = list(services.values_list("person_id", "household_id"))
    people = {person for person, _household in contacts}
    reached = stats.reach(contacts, _first_seen(people), since)
    items = [(row["item__name_es"] if language == "es" and row["item__name_es"]
              else row["item__name"], row["total"])
             for row in ServiceItem.objects.filter(service__in=services)
             .values("item__name", "item__name_es").annotate(total=Sum("quantity"))
             .order_by("-total", "item__name")]
    by_day = [(row["served_on"], row["count"]) for row in services.values("served_on")
              .annotate(count=Count("pk")).order_by("served_on")]
    first = {row["person_id"]: row["first"] for row in services.values("person_id")
             .annotate(first=Min("served_on"))}
    return DistributionReport(
        since=since, until=until, reach=reached, services=len(contacts), items=items,
        by_day=by_day, conversion=conversion(first),
        distributions=services.values("distribution_id").distinct().count())


@dataclass
class ProgramReport:
    program: Program
    enrolled: int
    waitlisted: int
    withdrawn: int
    guardians: stats.Reach
    sessions: int
    roll_call: stats.RollCall
    per_session: list[tuple[date, int | None]] = field(default_factory=list)
    conversion: Conversion | None = None


def program_report(program: Program, since: date, until: date) -> ProgramReport:
    """Counts only: children are counted, never listed."""
    counts: dict[str, int] = defaultdict(int)
    for status, n in program.enrollments.values_list("status").annotate(n=Count("pk")):
        counts[status] = n
    enrollments = program.enrollments.exclude(status=Enrollment.Status.WITHDRAWN)
    guardian_rows = list(Enrollment.guardians.through.objects.filter(
        enrollment__in=enrollments).values_list("person_id", "enrollment__household_id",
                                                "enrollment__created_at"))
    first: dict[int, date] = {}
    for person, _household, created in guardian_rows:
        day = _day(created)
        first[person] = min(first.get(person, day), day)
    guardians = stats.reach([(p, h) for p, h, _c in guardian_rows],
                            _first_seen(set(first)), since)
    sessions = Session.objects.filter(program=program, starts_at__date__gte=since,
                                      starts_at__date__lte=until).order_by("starts_at")
    marks = Attendance.objects.filter(session__in=sessions)
    per_session: dict[int, list[str]] = defaultdict(list)
    for session_id, status in marks.values_list("session_id", "status"):
        per_session[session_id].append(status)
    return ProgramReport(
        program=program, enrolled=counts[Enrollment.Status.ENROLLED],
        waitlisted=counts[Enrollment.Status.WAITLISTED],
        withdrawn=counts[Enrollment.Status.WITHDRAWN], guardians=guardians,
        sessions=sessions.count(),
        roll_call=stats.roll_call(marks.values_list("status", flat=True)),
        per_session=[(timezone.localdate(s.starts_at),
                      stats.roll_call(per_session[s.pk]).rate_percent()) for s in sessions],
        conversion=conversion(first))
