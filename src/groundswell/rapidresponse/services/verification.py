"""Verification: asking the responders nearest a report, direct confirmations and the
replies that come back by text (the hotline)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.messaging.inbound import new_contact_for_number
from groundswell.people.models import ContactPoint, Person
from groundswell.rapidresponse import outbound, states, targeting, texts
from groundswell.rapidresponse.models import (
    RESPONDER_ROLES,
    ConfirmedHow,
    DirectConfirmation,
    Network,
    Report,
    ReportSource,
    Subscriber,
    VerificationReply,
    VerificationRequest,
)
from groundswell.rapidresponse.services.base import MAX_PLACE, MAX_WHAT, _same_org
from groundswell.rapidresponse.services.reports import (
    _apply,
    _locked,
    _new_report,
    _save_state,
    _snapshot,
)
from groundswell.rapidresponse.services.subscribers import active_subscribers, join_by_text

# --- verification ---------------------------------------------------------------------------


def _place_text(report: Report) -> str:
    text = report.where or report.what
    return text[:MAX_PLACE]


def request_verification(actor: Membership, report: Report) -> list[VerificationRequest]:
    """Text the nearest available responders not yet asked about this report."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    now = timezone.now()
    with transaction.atomic():
        report = _locked(report)
        network = report.network
        asked = set(report.requests.values_list("subscriber_id", flat=True))
        available = active_subscribers(network).filter(available=True).exclude(pk__in=asked)
        if report.is_drill:
            available = available.filter(drills=True)
        ranked = _nearest_responders(available, report.latitude, report.longitude,
                                     network.responders_per_request)
        if not ranked:
            raise DomainError(_("No available responder is left to ask."))
        _apply(report, states.Event("ask"), now)
        subs = {s.pk: s for s in Subscriber.objects.filter(
            pk__in=[r.id for r in ranked]).select_related("person")}
        created = []
        for position, r in enumerate(ranked):
            sub = subs[r.id]
            request = VerificationRequest.objects.create(
                organization=report.organization, report=report, subscriber=sub,
                distance_m=r.distance_m, sent_at=now)
            created.append(request)
            body = texts.compose(texts.VERIFY_REQUEST, sub.language,
                                 org=report.organization.name, place=_place_text(report))
            if report.is_drill:
                body = texts.DRILL[sub.language] + body
            outbound.send_to_person(report.organization, person=sub.person, body=body,
                                    cause_key=f"rr-verify-{request.pk}", priority=position)
        incident = report.incident
        incident.responders_asked += len(created)
        incident.save(update_fields=["responders_asked"])
        audit.record("rapidresponse.report.verification_requested", by=actor, obj=report,
                     data={"asked": len(created)})
    return created


def _nearest_responders(subscribers: Any, lat: float | None, lon: float | None,
                        count: int) -> list[targeting.Ranked]:
    """The ``count`` nearest responders and legal observers among ``subscribers``. Roles
    are sealed, so everyone is ranked by distance first (no decryption) and roles are
    read nearest first, a few at a time, until enough responders are found."""
    candidates = [targeting.Candidate(pk, la, lo) for pk, la, lo in
                  subscribers.values_list("pk", "latitude", "longitude")]
    ranked = targeting.nearest(candidates, lat, lon, len(candidates))
    chosen: list[targeting.Ranked] = []
    start, step = 0, max(count * 4, 20)
    while start < len(ranked) and len(chosen) < count:
        # Doubling: a few reads when responders are near, ~10 for 10,000 when few exist.
        batch = ranked[start:start + step]
        roles = dict(Subscriber.objects.filter(pk__in=[r.id for r in batch])
                     .values_list("pk", "role"))
        chosen += [r for r in batch if roles.get(r.id) in RESPONDER_ROLES]
        start, step = start + step, step * 2
    return chosen[:count]


MAX_WHO = 120


def record_direct_confirmation(actor: Membership, report: Report, *, who: str, how: str,
                               observed_at: datetime) -> DirectConfirmation:
    """A dispatcher heard the sighting confirmed by phone or in person: recorded as a
    verification (who, how, when) that counts like a responder's "1", so the report
    is confirmed through the rules rather than overridden."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    who = (who or "").strip()
    if not who:
        raise InvalidInput("who", _("Say who confirmed it (a name, or how they are "
                                    "known)."))
    if len(who) > MAX_WHO:
        raise InvalidInput("who", _("That is too long (%(limit)s characters at most).")
                           % {"limit": MAX_WHO})
    if how not in ConfirmedHow.values:
        raise InvalidInput("how", _("Choose by phone or in person."))
    now = timezone.now()
    if not isinstance(observed_at, datetime):
        raise InvalidInput("observed_at", _("Give the time they saw it."))
    if observed_at > now + timedelta(minutes=5):
        raise InvalidInput("observed_at", _("That time is in the future."))
    if observed_at < report.received_at - timedelta(hours=24):
        raise InvalidInput("observed_at", _("That is more than a day before the report: "
                                            "check the time."))
    with transaction.atomic():
        report = _locked(report)
        after = _apply(report, states.Event("reply", states.CONFIRM), now)
        confirmation = DirectConfirmation.objects.create(
            organization=report.organization, report=report, who=who, how=how,
            observed_at=observed_at, recorded_by=actor.user)
        incident = report.incident
        incident.responders_confirmed += 1
        incident.save(update_fields=["responders_confirmed"])
        audit.record("rapidresponse.verification.recorded", by=actor, obj=report,
                     data={"confirmation": confirmation.pk, "how": how, "state": after.state})
    return confirmation


@dataclass(frozen=True)
class InboundResult:
    """What a text to the hotline became: "reply", "late_reply", "on_my_way", "join",
    "report", "no_request", "ignored"."""

    kind: str
    report_id: int | None = None


def _requests_of(people_ids: Iterable[int]) -> Any:
    return VerificationRequest.objects.filter(
        subscriber__person_id__in=list(people_ids)).select_related(
        "report", "report__network", "subscriber").order_by("-sent_at", "-pk")


def record_reply(organization: Organization, request: VerificationRequest, reply: str,
                 now: datetime | None = None) -> InboundResult:
    """A responder's 1/2/3. A reply to a request whose report expired or closed is kept
    as a late reply (nothing lost) and changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(request.report)
        request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        if request.reply:
            # A second answer from the same responder: kept, never counted twice.
            request.late_reply = reply
            request.save(update_fields=["late_reply"])
            return InboundResult("late_reply", report.pk)
        try:
            after = states.apply(_snapshot(report), states.Event("reply", reply), now)
        except states.Refused:
            request.late_reply, request.replied_at = reply, now
            request.save(update_fields=["late_reply", "replied_at"])
            audit.record("rapidresponse.verification.late_reply",
                         organization=organization, obj=report,
                         data={"request": request.pk, "reply": reply})
            return InboundResult("late_reply", report.pk)
        request.reply, request.replied_at = reply, now
        request.save(update_fields=["reply", "replied_at"])
        _save_state(report, after.state, now)
        if reply == VerificationReply.CONFIRMED:
            incident = report.incident
            incident.responders_confirmed += 1
            incident.save(update_fields=["responders_confirmed"])
        audit.record("rapidresponse.verification.replied", organization=organization,
                     obj=report,
                     data={"request": request.pk, "reply": reply, "state": report.state})
    return InboundResult("reply", report.pk)


def record_on_my_way(organization: Organization,
                     request: VerificationRequest) -> InboundResult:
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().select_related(
            "report__incident").get(pk=request.pk)
        if request.on_the_way_at is None:
            request.on_the_way_at = timezone.now()
            request.save(update_fields=["on_the_way_at"])
            incident = request.report.incident
            incident.responders_on_the_way += 1
            incident.save(update_fields=["responders_on_the_way"])
            audit.record("rapidresponse.verification.on_the_way",
                         organization=organization, obj=request.report,
                         data={"request": request.pk})
    return InboundResult("on_my_way", request.report_id)


def handle_hotline_text(organization: Organization, network: Network | None, *,
                        contact: ContactPoint | None, person: Person | None,
                        body: str, inbound: Any = None) -> InboundResult:
    """A text from a resident: a responder's 1/2/3 or OMW/VOY, JOIN/UNIRSE, or (only
    when it was sent to a network's hotline number) a new report. ``inbound`` is the
    stored text (answers go to its number). A number nobody has gets no person record
    unless it asks to JOIN: a reporter's number is kept only on the report (encrypted,
    masked, purged with it) and never written to the log."""
    kind, value = texts.parse_reply(body)
    language = (person.language if person is not None and person.language in ("en", "es")
                else "es")

    def reply(text: str, cause_key: str, in_language: str = language) -> None:
        outbound.send_reply(organization, contact=contact, inbound=inbound, body=text,
                            cause_key=cause_key, language=in_language)

    org_name = organization.name
    stamp = int(timezone.now().timestamp() * 1000)
    if kind in ("reply", "on_my_way"):
        request = None
        if person is not None:
            requests = _requests_of([person.pk])
            if network is not None:
                requests = requests.filter(report__network=network)
            request = requests.first()
        if request is None:
            if network is None:
                return InboundResult("ignored")
            reply(texts.compose(texts.NO_REQUEST, language, org=org_name), f"rr-noreq-{stamp}")
            return InboundResult("no_request")
        if kind == "on_my_way":
            return record_on_my_way(organization, request)
        result = record_reply(organization, request, value)
        template = texts.VERIFY_THANKS if result.kind == "reply" else texts.VERIFY_CLOSED
        reply(texts.compose(template, request.subscriber.language, org=org_name),
              f"rr-ack-{request.pk}-{stamp}", request.subscriber.language)
        return result
    if network is None:
        return InboundResult("ignored")
    if kind == "join":
        if person is None:
            if inbound is None:
                return InboundResult("ignored")
            # Asking to join is asking to be on the list: now the number gets a person.

            person = new_contact_for_number(organization, inbound.from_address).person
        join_by_text(organization, network, person, value)
        return InboundResult("join")
    if inbound is not None:
        reporter_phone = inbound.from_address
    else:
        reporter_phone = contact.value if contact is not None else ""
    report = _new_report(network, source=ReportSource.SMS, what=body.strip()[:MAX_WHAT],
                         where="", language=language, reporter_phone=reporter_phone,
                         actor=None)
    reply(texts.compose(texts.REPORT_RECEIVED, language, org=org_name),
          f"rr-received-{report.pk}")
    return InboundResult("report", report.pk)
