"""How far an effort's walk lists have got."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from groundswell.canvass.models import (
    DoorVisit,
    Question,
    WalkList,
    WalkListEntry,
)

# --- progress ------------------------------------------------------------------------------------


def progress(walk_lists: QuerySet[WalkList]) -> dict[str, Any]:
    """Doors knocked, contact rate, outcomes, answers tally, sign-ups and per-canvasser
    figures for these walk lists."""
    entries = WalkListEntry.objects.filter(walk_list__in=walk_lists)
    households = entries.values("household_id").distinct().count()
    visits = list(DoorVisit.objects.filter(walk_list__in=walk_lists)
                  .select_related("canvasser__user"))
    knocked = {v.household_id for v in visits}
    reached = {v.household_id for v in visits if v.outcome == DoorVisit.Outcome.TALKED}
    outcomes = Counter(v.outcome for v in visits)
    questions = list(Question.objects.filter(effort__walk_lists__in=walk_lists).distinct())
    tally: dict[int, Counter[str]] = {q.pk: Counter() for q in questions}
    signups = 0
    consent_ids = {str(q.pk) for q in questions if q.action == Question.Action.CONSENT}
    for visit in visits:
        for key, value in visit.answers.items():
            if key.isdigit() and int(key) in tally:
                tally[int(key)][str(value)] += 1
            if key in consent_ids and value == "yes" and visit.person_id:
                signups += 1
    per_canvasser: dict[int | None, dict[str, Any]] = {}
    for visit in visits:
        row = per_canvasser.setdefault(visit.canvasser_id, {
            "name": str(visit.canvasser.user) if visit.canvasser else _("Former member"),
            "visits": 0, "talked": 0, "added": 0})
        row["visits"] += 1
        row["talked"] += visit.outcome == DoorVisit.Outcome.TALKED
        row["added"] += visit.added_person
    outcome_labels = dict(DoorVisit.Outcome.choices)
    return {
        "households": households,
        "visits": len(visits),
        "knocked": len(knocked),
        "reached": len(reached),
        "contact_rate": round(100 * len(reached) / len(knocked)) if knocked else 0,
        "done_percent": round(100 * len(knocked) / households) if households else 0,
        "outcomes": [(outcome_labels[key], outcomes[key]) for key in DoorVisit.Outcome.values
                     if outcomes[key]],
        "answers": [(q, [(_choice_label(q, a), n) for a, n in tally[q.pk].most_common()])
                    for q in questions],
        "signups": signups,
        "canvassers": sorted(per_canvasser.values(), key=lambda r: -r["visits"]),
    }


def _choice_label(question: Question, answer: str) -> str:
    if question.kind == Question.Kind.YES_NO:
        return str(_("Yes") if answer == "yes" else _("No"))
    return answer
