"""Syncing door visits recorded on phones: judged visit by visit, idempotent by the
phone's own id."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from groundswell.canvass.models import (
    CATEGORY_SUFFIX,
    DoorVisit,
    Effort,
    Question,
    WalkList,
    WalkListEntry,
)
from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.events import services as events
from groundswell.events.models import Event
from groundswell.people import services as people
from groundswell.people.forms import rapid_response_wording
from groundswell.people.models import (
    LANGUAGE_CHOICES,
    Consent,
    Grievance,
    Household,
    Interaction,
    Person,
    Residence,
)
from groundswell.people.services import door

MAX_VISITS_PER_SYNC = 500
MAX_NOTES = 2000
MAX_ANSWER = 1000
MAX_AGE = timedelta(days=60)
logger = logging.getLogger(__name__)


# --- syncing visits ------------------------------------------------------------------------------
#
# A phone may hold visits for days before it finds signal, so a sync is judged visit by
# visit: each is saved or refused on its own, with its own reason, and nothing about
# one visit (nor a server fault while saving it) costs the others. Only a body that is
# not a sync at all ({"visits": [...]}) is refused whole.
#
# Time. The phone writes down when each visit happened by its own clock, which may be
# minutes or hours off. With each sync it also sends its clock's time at sending
# (``sent_at``); the difference from the server's clock at receipt is how far the
# phone's clock is off, and each visit's time is corrected by it. A visit can never
# have happened after the server received it, so a time still in the future (the
# clock was changed between the visit and the sync, or no ``sent_at`` came) becomes
# the time of receipt. The phone's own time is kept beside it (phone_occurred_at) and
# the receipt time in synced_at. Only a visit more than 60 days old is refused.


class MalformedPayload(DomainError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(_("The visits could not be read, so none was saved."))
        self.errors = errors


class VisitRefused(DomainError):
    """One visit of a sync cannot be saved as sent; the others are judged alone."""


@dataclass
class VisitIn:
    client_id: uuid.UUID
    walk_list: int
    household: int | None
    outcome: str
    occurred_at: datetime
    answers: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    person: int | None = None
    new_person: dict[str, str] | None = None
    new_unit: str | None = None
    address_of: int | None = None
    language: str = "en"
    phone_occurred_at: datetime | None = None


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError
    return int(value)


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def clock_offset(sent_at: Any, received_at: datetime) -> timedelta:
    """How far behind the phone's clock is (negative: the phone is fast), from the time
    it says it sent the sync. Zero when it did not say or said nonsense; the network's
    few seconds of delay count as drift, which is harmless."""
    sent = _aware(sent_at)
    if sent is None:
        return timedelta(0)
    return received_at - sent


def judge_time(phone_time: datetime, offset: timedelta, received_at: datetime) -> datetime:
    """When a visit happened by the server's clock: the phone's time corrected by the
    phone clock's offset, and never later than the visit reached the server."""
    try:
        corrected = phone_time + offset
    except OverflowError:
        corrected = received_at
    return min(corrected, received_at)


def parse_visit(raw: Any, *, received_at: datetime,
                offset: timedelta = timedelta(0)) -> VisitIn:
    """One visit of a sync, checked; ``VisitRefused`` says everything wrong with it."""
    if not isinstance(raw, dict):
        raise VisitRefused(_("This visit cannot be read."))
    try:
        client_id = uuid.UUID(str(raw.get("id", "")))
    except ValueError:
        raise VisitRefused(_("This visit has no valid id.")) from None
    try:
        walk_list = _int_or_none(raw.get("walk_list"))
        household = _int_or_none(raw.get("household"))
        person = _int_or_none(raw.get("person"))
        address_of = _int_or_none(raw.get("address_of"))
    except (ValueError, TypeError):
        raise VisitRefused(_("This visit has an id that is not a number.")) from None
    phone_time = _aware(raw.get("occurred_at"))
    problems = []
    if walk_list is None:
        problems.append(_("no walk list"))
    if raw.get("outcome") not in DoorVisit.Outcome.values:
        problems.append(_("an unknown outcome"))
    occurred = None
    if phone_time is None:
        problems.append(_("no time"))
    else:
        occurred = judge_time(phone_time, offset, received_at)
        if occurred < received_at - MAX_AGE:
            problems.append(_("a time more than 60 days ago"))
    answers = raw.get("answers") or {}
    if not isinstance(answers, dict) or any(
            not isinstance(v, str | int) or isinstance(v, bool) or len(str(v)) > MAX_ANSWER
            for v in answers.values()):
        problems.append(_("answers that are not a list of short texts"))
    notes = raw.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        problems.append(_("notes longer than 2,000 characters"))
    new_person = raw.get("new_person")
    if new_person is not None and (not isinstance(new_person, dict) or any(
            not isinstance(v, str) or len(v) > 100 for v in new_person.values())):
        problems.append(_("a new person that cannot be read"))
    new_unit = raw.get("new_unit")
    if new_unit is not None and (not isinstance(new_unit, str) or len(new_unit) > 60):
        problems.append(_("a new household that cannot be read"))
    if household is None and (new_unit is None or address_of is None):
        problems.append(_("no household"))
    if problems:
        raise VisitRefused(_("This visit has %(problems)s.")
                           % {"problems": ", ".join(str(p) for p in problems)})
    languages = {code for code, _label in LANGUAGE_CHOICES}
    return VisitIn(
        client_id=client_id, walk_list=walk_list, household=household,  # type: ignore[arg-type]
        outcome=raw["outcome"], occurred_at=occurred,  # type: ignore[arg-type]
        answers={str(k): v for k, v in answers.items()}, notes=notes.strip(),
        person=person, new_person=new_person, new_unit=new_unit, address_of=address_of,
        language=raw.get("language") if raw.get("language") in languages else "en",
        phone_occurred_at=phone_time)


def parse_payload(payload: Any) -> list[Any]:
    """The list of visits of a sync; ``MalformedPayload`` only when the body is not a
    sync at all. The visits themselves are judged one by one (``parse_visit``)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("visits"), list):
        raise MalformedPayload([_("Expected an object with a list of visits.")])
    return payload["visits"]


@dataclass
class SyncResult:
    id: str
    # "saved", "already_saved", "rejected" (about this visit: the phone shows why and
    # stops sending it), or "retry" (not about it: not looked at in this sync, or the
    # server failed while saving it; the phone keeps it and sends it again).
    status: str
    error: str = ""
    visit: int | None = None


def _raw_id(raw: Any) -> str:
    return str(raw.get("id", ""))[:64] if isinstance(raw, dict) else ""


def sync_visits(actor: Membership, payload: Any,
                received_at: datetime | None = None) -> list[SyncResult]:
    """Save the visits a phone queued, one by one, answering for each. Idempotent: a
    visit whose id was already saved is reported as such and changes nothing. Each
    visit is saved whole or not at all, and one refused (not on the canvasser's list, a
    time 60 days old) leaves the others alone. Visits past the first 500 are answered
    "retry", as is one whose saving failed on the server's side."""
    require(actor, "canvass.knock")
    raw_visits = parse_payload(payload)
    received_at = received_at or timezone.now()
    offset = clock_offset(payload.get("sent_at"), received_at)
    results = []
    for index, raw in enumerate(raw_visits):
        if index >= MAX_VISITS_PER_SYNC:
            results.append(SyncResult(_raw_id(raw), "retry", _(
                "Not looked at: at most 500 visits per sync. It is sent again.")))
            continue
        try:
            visit = parse_visit(raw, received_at=received_at, offset=offset)
        except VisitRefused as refused:
            results.append(SyncResult(_raw_id(raw), "rejected", refused.message))
            continue
        results.append(_sync_one(actor, visit, received_at))
    if raw_visits:
        counts = Counter(r.status for r in results)
        with transaction.atomic():
            audit.record("canvass.visits.synced", by=actor, data={
                        "saved": counts["saved"], "already_saved": counts["already_saved"],
                        "rejected": counts["rejected"], "retry": counts["retry"],
                        "clock_offset_seconds": round(offset.total_seconds())})
    return results


def _sync_one(actor: Membership, visit: VisitIn, received_at: datetime) -> SyncResult:
    key = str(visit.client_id)
    try:
        return _save_visit(actor, visit, received_at)
    except IntegrityError:
        # The same visit arriving twice at once (the phone sent again while the first
        # sync was still running): the other request saved it.
        existing = DoorVisit.objects.filter(client_id=visit.client_id).first()
        if existing is not None:
            return SyncResult(key, "already_saved", visit=existing.pk)
        logger.exception("Saving door visit %s failed", key)
    except DomainError as error:
        return SyncResult(key, "rejected", error.message)
    except Exception:
        # A fault of ours, not of the visit: the others are still saved, and the phone
        # keeps this one and sends it again.
        logger.exception("Saving door visit %s failed", key)
    return SyncResult(key, "retry", _("The server could not save this visit now. It is "
                                      "kept on the phone and sent again."))


def _save_visit(actor: Membership, visit: VisitIn, received_at: datetime) -> SyncResult:
    key = str(visit.client_id)
    existing = DoorVisit.objects.filter(client_id=visit.client_id).first()
    if existing is not None:
        return SyncResult(key, "already_saved", visit=existing.pk)
    walk_list = WalkList.objects.visible_to(actor).select_related("effort") \
        .filter(pk=visit.walk_list).first()
    if walk_list is None:
        return SyncResult(key, "rejected", _("That walk list is not assigned to you."))
    with transaction.atomic():
        household = _household_for(actor, walk_list, visit)
        person = _person_for(actor, household, visit)
        door_visit = DoorVisit.objects.create(
            organization=actor.organization, client_id=visit.client_id,
            walk_list=walk_list, household=household, person=person,
            canvasser=actor, outcome=visit.outcome,
            answers=_clean_answers(walk_list.effort, visit.answers), notes=visit.notes,
            occurred_at=visit.occurred_at, phone_occurred_at=visit.phone_occurred_at,
            synced_at=received_at, added_person=visit.new_person is not None)
        if person is not None:
            label = DoorVisit.Outcome(visit.outcome).label
            summary = f"{walk_list.effort.name}: {label}"
            if visit.notes:
                summary += f"\n{visit.notes}"
            people.record_interaction(actor, person, kind=Interaction.Kind.DOOR_VISIT,
                                      occurred_at=visit.occurred_at, summary=summary,
                                      source=("canvass.doorvisit", str(door_visit.pk)))
            if visit.outcome == DoorVisit.Outcome.TALKED:
                _act_on_answers(actor, walk_list.effort, person, door_visit.answers,
                                visit.language)
        audit.record("canvass.visit.recorded", by=actor, obj=door_visit,
                     data={"walk_list": walk_list.pk, "household": household.pk,
                           "outcome": visit.outcome,
                           "person": person.pk if person else None,
                           "clock_corrected": visit.occurred_at != visit.phone_occurred_at})
    return SyncResult(key, "saved", visit=door_visit.pk)


def _household_for(actor: Membership, walk_list: WalkList, visit: VisitIn) -> Household:
    entries = WalkListEntry.objects.filter(walk_list=walk_list)
    if visit.household is not None:
        entry = entries.filter(household_id=visit.household).select_related(
            "household").first()
        if entry is None:
            raise InvalidInput("household", _("That household is not on this walk list."))
        return entry.household
    # A household found at the door: another unit of a building on the list.
    entry = entries.filter(household_id=visit.address_of).select_related(
        "household__address").first()
    if entry is None:
        raise InvalidInput("household", _("That building is not on this walk list."))
    address = entry.household.address
    household = people.find_or_create_household(
        actor.organization, street=address.street, unit=visit.new_unit or "",
        city=address.city, state=address.state, postal_code=address.postal_code,
        base=address.base)
    if not entries.filter(household=household).exists():
        WalkListEntry.objects.create(
            organization=actor.organization, walk_list=walk_list, household=household,
            position=entry.position, added_at_door=True)
    return household


def _person_for(actor: Membership, household: Household, visit: VisitIn) -> Person | None:
    if visit.new_person is not None:
        data = visit.new_person
        return door.add_person_at_door(
            actor, household, given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            language=data.get("language", "") if data.get("language") in
            {c for c, _label in LANGUAGE_CHOICES} else "",
            phone=data.get("phone", ""))
    if visit.person is None:
        return None
    residence = Residence.objects.filter(household=household, person_id=visit.person,
                                         ended_on__isnull=True).select_related("person").first()
    if residence is None:
        raise InvalidInput("person", _("That person does not live in this household."))
    return residence.person


def _clean_answers(effort: Effort, answers: dict[str, Any]) -> dict[str, Any]:
    questions = {str(q.pk): q for q in effort.questions.all()}
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        if key.endswith(CATEGORY_SUFFIX):
            question = questions.get(key.removesuffix(CATEGORY_SUFFIX))
            if question is None or question.action != Question.Action.GRIEVANCE:
                raise InvalidInput("answers", _("An answer is for a question this effort "
                                                "does not ask."))
            category = str(value).strip()
            if category and category not in question.offered_categories():
                raise InvalidInput("answers", _("A grievance was given a category the "
                                                "question does not offer."))
            if category:
                cleaned[key] = category
            continue
        question = questions.get(key)
        if question is None:
            raise InvalidInput("answers", _("An answer is for a question this effort does "
                                            "not ask."))
        text = str(value).strip()
        if text == "":
            continue
        if question.kind == Question.Kind.YES_NO and text not in ("yes", "no"):
            raise InvalidInput("answers", _("A yes or no question was answered with "
                                            "something else."))
        if question.kind == Question.Kind.CHOICE and text not in \
                [c["en"] for c in question.choices]:
            raise InvalidInput("answers", _("A choice question was answered with something "
                                            "not offered."))
        if question.kind == Question.Kind.SCALE:
            if text not in {"1", "2", "3", "4", "5"}:
                raise InvalidInput("answers", _("A scale question needs a number from 1 "
                                                "to 5."))
            cleaned[key] = int(text)
            continue
        cleaned[key] = text
    return cleaned


def _act_on_answers(actor: Membership, effort: Effort, person: Person,
                    answers: dict[str, Any], language: str) -> None:
    for question in effort.questions.exclude(action=""):
        answer = answers.get(str(question.pk))
        if answer is None or (question.trigger and str(answer) != question.trigger):
            continue
        if question.action == Question.Action.TAG:
            door.tag_at_door(actor, person, question.action_value)
        elif question.action == Question.Action.GRIEVANCE:
            text = str(answer) if question.kind == Question.Kind.TEXT else question.text_en
            offered = question.offered_categories()
            picked = answers.get(f"{question.pk}{CATEGORY_SUFFIX}")
            # Not picked (an older phone's queued visit): the words are kept as "other"
            # rather than filed under a guess.
            category = picked or (offered[0] if len(offered) == 1 else
                                  Grievance.Category.OTHER)
            door.grievance_at_door(actor, person, category=category, text=text)
        elif question.action == Question.Action.ASSESSMENT:
            door.rating_at_door(actor, person, level=int(answer),
                                reason=_("At the door: %(effort)s") % {"effort": effort.name})
        elif question.action == Question.Action.CONSENT:
            # The exact wording the canvasser's screen showed, in the language shown.
            door.consent_at_door(actor, person, channel=Consent.Channel.SMS,
                                 purpose=Consent.Purpose.RAPID_RESPONSE,
                                 wording=rapid_response_wording(language))
        elif question.action == Question.Action.RSVP and question.event_id:
            _rsvp(actor, question, person)


def _rsvp(actor: Membership, question: Question, person: Person) -> None:
    """An RSVP through the events service. Already RSVP'd, a full or a cancelled event
    leaves the RSVP out but keeps the visit: what was said at the door still counts."""
    event = Event.objects.filter(pk=question.event_id).first()
    if event is None:
        return
    try:
        with transaction.atomic():
            events.rsvp_at_door(actor, event, person)
    except DomainError:
        pass
