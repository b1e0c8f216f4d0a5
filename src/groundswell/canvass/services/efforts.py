"""Door-knocking efforts and their scripts (questions and what an answer does)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.canvass.models import (
    Effort,
    Question,
)
from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Base, Membership
from groundswell.core.permissions import require
from groundswell.people.models import (
    Grievance,
)

# --- efforts and scripts -------------------------------------------------------------------


def _clean(value: str, field: str, limit: int, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise InvalidInput(field, _("This is required."))
    if len(value) > limit:
        raise InvalidInput(field, _("That is too long (%(limit)s characters at most).")
                           % {"limit": limit})
    return value


def create_effort(actor: Membership, *, name: str, purpose: str = "", base: Base | None = None,
                  needs_phone: bool = False, name_es: str = "", purpose_es: str = "") -> Effort:
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    with transaction.atomic():
        effort = Effort.objects.create(organization=actor.organization, name=name,
                                       name_es=(name_es or "").strip()[:120],
                                       purpose=(purpose or "").strip()[:2000],
                                       purpose_es=(purpose_es or "").strip()[:2000], base=base,
                                       needs_phone=needs_phone, created_by=actor.user)
        audit.record("canvass.effort.created", by=actor, obj=effort,
                     data={"needs_phone": needs_phone})
    return effort


def update_effort(actor: Membership, effort: Effort, *, name: str, purpose: str = "",
                  base: Base | None = None, needs_phone: bool = False,
                  archived: bool = False, name_es: str = "", purpose_es: str = "") -> Effort:
    require(actor, "canvass.manage")
    name = _clean(name, "name", 120)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    with transaction.atomic():
        effort.name, effort.purpose, effort.base = name, (purpose or "").strip()[:2000], base
        effort.name_es = (name_es or "").strip()[:120]
        effort.purpose_es = (purpose_es or "").strip()[:2000]
        effort.needs_phone = needs_phone
        if archived and effort.archived_at is None:
            effort.archived_at = timezone.now()
        elif not archived:
            effort.archived_at = None
        effort.save()
        audit.record("canvass.effort.updated", by=actor, obj=effort,
                     data={"needs_phone": needs_phone, "archived": archived})
    return effort


def add_question(actor: Membership, effort: Effort, *, kind: str, text_en: str, text_es: str,
                 choices: list[dict[str, str]] | None = None, action: str = "",
                 trigger: str = "", action_value: str = "", event: Any = None) -> Question:
    require(actor, "canvass.manage")
    if kind not in Question.Kind.values:
        raise InvalidInput("kind", _("Choose a kind of answer."))
    text_en = _clean(text_en, "text_en", 300)
    text_es = _clean(text_es, "text_es", 300)
    choices = choices or []
    if kind == Question.Kind.CHOICE:
        cleaned = []
        for choice in choices:
            en = _clean(choice.get("en", ""), "choices", 100, required=False)
            es = _clean(choice.get("es", ""), "choices", 100, required=False) or en
            if en:
                cleaned.append({"en": en, "es": es})
        if len(cleaned) < 2:
            raise InvalidInput("choices", _("A choice question needs at least two choices, "
                                            "one per line: English | Spanish."))
        choices = cleaned
    else:
        choices = []
    if action not in Question.Action.values:
        raise InvalidInput("action", _("Choose what an answer does."))
    trigger = _clean(trigger, "trigger", 100, required=False)
    action_value = _clean(action_value, "action_value", 60, required=False)
    if action == Question.Action.TAG and not action_value:
        raise InvalidInput("action_value", _("Name the tag to add."))
    if action == Question.Action.GRIEVANCE:
        # One category fixes it; several are offered at the door; none lets the canvasser
        # pick any (a resident's problem is rarely the one the script expected).
        named = [c.strip() for c in action_value.split(",") if c.strip()]
        if any(c not in Grievance.Category.values for c in named):
            raise InvalidInput("action_value", _("Choose the grievance category: %(list)s.")
                               % {"list": ", ".join(Grievance.Category.values)})
        action_value = ",".join(c for c in Grievance.Category.values if c in named)
    if action == Question.Action.ASSESSMENT and kind != Question.Kind.SCALE:
        raise InvalidInput("action", _("Only a 1 to 5 scale question can rate engagement."))
    if action == Question.Action.CONSENT and kind != Question.Kind.YES_NO:
        raise InvalidInput("action", _("Consent to alerts needs a yes or no question."))
    if action == Question.Action.CONSENT:
        trigger = "yes"  # consent is only ever a yes
    if action == Question.Action.RSVP:
        if kind != Question.Kind.YES_NO:
            raise InvalidInput("action", _("An RSVP needs a yes or no question."))
        if event is None or event.organization_id != effort.organization_id:
            raise InvalidInput("event", _("Choose the event they RSVP to."))
        if event.cancelled_at is not None:
            raise InvalidInput("event", _("That event was cancelled."))
        trigger = "yes"
    else:
        event = None
    if kind == Question.Kind.YES_NO and trigger and trigger not in ("yes", "no"):
        raise InvalidInput("trigger", _("For a yes or no question write yes or no."))
    if kind == Question.Kind.CHOICE and trigger and trigger not in [c["en"] for c in choices]:
        raise InvalidInput("trigger", _("Write one of the choices, in English."))
    with transaction.atomic():
        position = (effort.questions.aggregate(m=Max("position"))["m"] or 0) + 1
        question = Question.objects.create(
            organization=effort.organization, effort=effort, position=position, kind=kind,
            text_en=text_en, text_es=text_es, choices=choices, action=action, trigger=trigger,
            action_value=action_value, event=event)
        audit.record("canvass.question.added", by=actor, obj=question,
                     data={"effort": effort.pk, "kind": kind, "action": action})
    return question


def remove_question(actor: Membership, question: Question) -> None:
    require(actor, "canvass.manage")
    with transaction.atomic():
        audit.record("canvass.question.removed", by=actor, obj=question.effort,
                     data={"question": question.pk})
        question.delete()
