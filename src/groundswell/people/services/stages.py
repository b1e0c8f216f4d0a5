"""Configuring the organization's engagement ladder."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.people import ladder
from groundswell.people.models import EngagementStage, Person
from groundswell.people.services.records import ensure_default_stages, recompute_stage


@dataclass(frozen=True)
class StageRow:
    name: str
    rule: dict[str, int]


def save_ladder(actor: Membership, rows: list[StageRow]) -> list[EngagementStage]:
    """Replace the ladder's names and rules, in order. The number of stages may change;
    people whose human-set stage disappears fall back to the computed one. Every
    person's computed stage is recalculated (in this transaction: ladders are short and
    organizations small; a background job is the next step if that changes)."""
    require(actor, "people.configure")
    org = actor.organization
    if not 2 <= len(rows) <= 12:
        raise InvalidInput("stages", _("A ladder has between 2 and 12 stages."))
    clean: list[StageRow] = []
    for row in rows:
        name = " ".join(row.name.split())
        if not name or len(name) > 60:
            raise InvalidInput("stages", _("Every stage needs a name of up to 60 characters."))
        try:
            rule = ladder.validate_rule(row.rule)
        except ValueError as exc:
            raise InvalidInput("stages", str(exc)) from None
        clean.append(StageRow(name, rule))
    if len({row.name.lower() for row in clean}) != len(clean):
        raise InvalidInput("stages", _("Two stages have the same name."))
    with transaction.atomic():
        existing = list(EngagementStage.objects.filter(organization=org).order_by("position"))
        # Move the old positions out of the way of the unique constraint first.
        for stage in existing:
            stage.position += 1000
            stage.save(update_fields=["position"])
        kept: list[EngagementStage] = []
        for position, row in enumerate(clean, start=1):
            stage = existing[position - 1] if position <= len(existing) else \
                EngagementStage(organization=org)
            stage.name, stage.rule, stage.position = row.name, row.rule, position
            stage.save()
            kept.append(stage)
        for stage in existing[len(clean):]:
            stage.delete()
        for person in Person.objects.filter(organization=org).active():
            recompute_stage(person)
        audit.record("people.ladder.changed", by=actor,
                     data={"stages": len(kept)})
    return kept


def current_ladder(actor: Membership) -> list[EngagementStage]:
    return ensure_default_stages(actor.organization)
