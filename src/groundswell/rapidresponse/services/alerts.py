"""Alerts: the target, the ranked recipients, sending (the nearest in the dispatcher's
transaction, the rest in chunks from a task) and the all-clear."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.bulk import (
    PreparedInsert,
    no_cycle_collection,
    prepare_insert,
    write_prepared,
)
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.geo import geometry
from groundswell.rapidresponse import outbound, states, targeting, texts
from groundswell.rapidresponse.models import (
    Alert,
    AlertKind,
    AlertRecipient,
    Network,
    Report,
    Subscriber,
    Zone,
)
from groundswell.rapidresponse.services.base import MAX_PLACE, _same_org, refusal_message
from groundswell.rapidresponse.services.reports import _locked, _snapshot
from groundswell.rapidresponse.services.subscribers import active_subscribers, network_center
from groundswell.rapidresponse.services.verification import _place_text

# --- alerts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    zone: Zone | None = None
    radius_m: int | None = None
    lat: float | None = None
    lon: float | None = None


def make_target(network: Network, *, zone: Zone | None, radius_m: int | None,
                report: Report | None) -> Target:
    """A zone, or a radius around the report's pin (or the network's centre)."""
    if zone is not None:
        if zone.network_id != network.pk:
            raise InvalidInput("zone", _("Choose one of this network's zones."))
        lat = report.latitude if report is not None else None
        lon = report.longitude if report is not None else None
        return Target(zone=zone, lat=lat, lon=lon)
    if radius_m is None:
        raise InvalidInput("zone", _("Choose a zone or a radius."))
    if not 50 <= radius_m <= 20000:
        raise InvalidInput("radius_m", _("The radius must be between 50 and 20,000 meters."))
    if report is not None:
        if not report.has_point:
            raise InvalidInput("radius_m", _("Place the report on the map to target a radius "
                                             "around it, or choose a zone."))
        return Target(radius_m=radius_m, lat=report.latitude, lon=report.longitude)
    lat, lon = network_center(network)
    return Target(radius_m=radius_m, lat=lat, lon=lon)


def rank_recipients(network: Network, target: Target, *, drill: bool) -> list[targeting.Ranked]:
    """Everyone the alert would reach, nearest first: subscribers who have not left,
    whose consent stands, inside the target (drills: only those who opted in)."""
    subs = active_subscribers(network).filter(latitude__isnull=False)
    if drill:
        subs = subs.filter(drills=True)
    candidates = [targeting.Candidate(pk, lat, lon, radius) for pk, lat, lon, radius in
                  subs.values_list("pk", "latitude", "longitude", "radius_m")]
    if target.zone is not None:
        return targeting.in_shape(candidates, geometry.parse_polygon(target.zone.geometry),
                                  target.lat, target.lon)
    assert target.radius_m is not None and target.lat is not None and target.lon is not None
    return targeting.in_radius(candidates, target.lat, target.lon, target.radius_m)


# The nearest recipients are queued in the dispatcher's own transaction, so the sender
# can start on them the moment it commits; the rest follow in chunks from a task, each
# planned (texts, addresses, consent: reads only) before the short transaction that
# writes it, so the sender's claims are not kept waiting on the database's write lock.
FIRST_CHUNK, CHUNK = 100, 500



def _plan_chunk(alert: Alert, items: list[list[int | None]],
                start: int) -> tuple[PreparedInsert | None, Any]:
    """Recipients (and the outbox's plan of their texts, in their language) for
    ``items`` = [[subscriber id, distance], ...], positions from ``start``; both
    inserts prepared, so the writing transaction only runs them."""
    if not items:
        return None, None
    info = {pk: (lang, person) for pk, lang, person in Subscriber.objects.filter(
        pk__in=[i[0] for i in items]).values_list("pk", "language", "person_id")}
    now = timezone.now()  # one time for the chunk: its column converted once
    rows = [AlertRecipient(organization=alert.organization, alert=alert, subscriber_id=sub,
                           position=start + offset, distance_m=dist,
                           language=info[sub][0], created_at=now)
            for offset, (sub, dist) in enumerate(items) if sub in info]
    bodies = {"en": alert.body_en, "es": alert.body_es}
    plan = outbound.plan_many(alert.organization, outbound.alert_cause(alert.pk), [
        outbound.Outgoing(person_id=info[row.subscriber_id][1], body=bodies[row.language],
                          priority=row.position) for row in rows])
    if plan is not None:
        plan.prepare()
    return prepare_insert(AlertRecipient, rows), plan


def _write_chunk(rows: PreparedInsert | None, plan: Any, *, recheck: bool) -> int:
    """Safe to repeat: both the recipient list and the outbox are unique per (alert,
    subscriber)."""
    if rows is None:
        return 0
    write_prepared(rows)
    outbound.queue_planned(plan, recheck=recheck)
    return len(rows.values)


def _queue_chunk(alert: Alert, items: list[list[int | None]], start: int) -> int:
    """Plan and write a chunk in the caller's transaction."""
    rows, plan = _plan_chunk(alert, items, start)
    return _write_chunk(rows, plan, recheck=False)


def _enqueue(alert: Alert, ranked: list[list[int | None]]) -> None:
    """Queue the first chunk now and the rest after commit (``queue_alert_rest``)."""
    first, rest = ranked[:FIRST_CHUNK], ranked[FIRST_CHUNK:]
    _queue_chunk(alert, first, 0)
    if rest:
        alert.pending = rest
        alert.pending_from = len(first)
        alert.save(update_fields=["pending", "pending_from"])
        # tasks imports the services
        from groundswell.rapidresponse.tasks import queue_alert_rest

        alert_id = alert.pk
        transaction.on_commit(lambda: queue_alert_rest.enqueue(alert_id))


def queue_pending(alert_id: int) -> int:
    """Queue what is left of an alert's recipients, one chunk at a time (the nearest
    first), until none is left. Returns how many were queued. Each chunk is planned
    without a lock, then written in a short transaction that asks consent and opt-outs
    again and takes the chunk off the alert's pending list; a chunk another run has
    queued meanwhile is not written twice."""
    queued = 0
    alert = Alert.objects.select_related("organization").filter(pk=alert_id).first()
    if alert is None:
        return 0
    pending, start = alert.pending, alert.pending_from
    while pending:
        chunk = pending[:CHUNK]
        with no_cycle_collection():
            rows, plan = _plan_chunk(alert, chunk, start)
        with no_cycle_collection(), transaction.atomic():
            locked = Alert.objects.select_for_update().only("pk", "pending_from").filter(
                pk=alert_id).first()
            if locked is None:
                return queued  # purged meanwhile
            if locked.pending_from != start:
                # Another run queued some of it meanwhile: go on from where it stopped.
                pending = Alert.objects.get(pk=alert_id).pending
                start = locked.pending_from
                continue
            queued += _write_chunk(rows, plan, recheck=True)
            pending, start = pending[len(chunk):], start + len(chunk)
            Alert.objects.filter(pk=alert_id).update(pending=pending, pending_from=start)
    return queued


def send_alert(actor: Membership, network: Network, *, kind: str, target: Target,
               report: Report | None = None, details: str = "",
               drill: bool = False) -> Alert:
    """Queue an alert, nearest subscribers first, one text each in their language.

    A sighting needs a report the state machine allows an alert from (confirmed, or
    overridden and still open, never expired), except a drill without a report. A
    drill goes only to subscribers who opted into drills and is labeled in both
    languages."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, network)
    if kind not in (AlertKind.SIGHTING, AlertKind.KNOW_YOUR_RIGHTS, AlertKind.MEETING):
        raise InvalidInput("kind", _("Choose a template."))
    details = (details or "").strip()
    if len(details) > MAX_PLACE:
        raise InvalidInput("details", _("Keep the place under 80 characters."))
    if report is not None and report.network_id != network.pk:
        raise InvalidInput("report", _("That report belongs to another network."))
    if kind == AlertKind.SIGHTING and report is None and not drill:
        raise InvalidInput("kind", _("A sighting alert is sent from a report."))
    if kind == AlertKind.MEETING and not details:
        raise InvalidInput("details", _("Say where and when the meeting is."))
    now = timezone.now()
    org = network.organization
    with transaction.atomic():
        unverified = False
        if report is not None:
            report = _locked(report)
            drill = drill or report.is_drill
            if kind == AlertKind.SIGHTING:
                snapshot = _snapshot(report)
                try:
                    states.apply(snapshot, states.Event("alert"), now)
                except states.Refused as exc:
                    raise DomainError(refusal_message(exc.reason)) from None
                unverified = states.label_unverified(snapshot)
        place = details or (_place_text(report) if report is not None else "")
        with no_cycle_collection():
            ranked = rank_recipients(network, target, drill=drill)
        if not ranked:
            raise DomainError(_("Nobody would receive this alert: no subscriber is inside "
                                "the target."))
        bodies = {lang: texts.alert_body(kind, lang, org=org.name, place=place, drill=drill,
                                         unverified=unverified) for lang in ("en", "es")}
        alert = Alert.objects.create(
            organization=org, network=network, report=report, kind=kind, is_drill=drill,
            unverified=unverified, zone=target.zone, radius_m=target.radius_m,
            center_lat=target.lat, center_lon=target.lon, details=place,
            body_en=bodies["en"], body_es=bodies["es"], sent_by=actor.user, sent_at=now,
            recipients_count=len(ranked))
        with no_cycle_collection():
            _enqueue(alert, [[r.id, r.distance_m] for r in ranked])
        if report is not None:
            incident = report.incident
            incident.first_alert_at = incident.first_alert_at or now
            incident.alerts_sent += 1
            incident.recipients += len(ranked)
            incident.is_drill = incident.is_drill or drill
            incident.save(update_fields=["first_alert_at", "alerts_sent", "recipients",
                                         "is_drill"])
        audit.record("rapidresponse.alert.sent", by=actor, obj=alert,
                     data={"kind": kind, "report": report.pk if report else None,
                           "recipients": len(ranked), "drill": drill, "unverified": unverified,
                           "zone": target.zone.pk if target.zone else None})
    return alert


def send_all_clear(actor: Membership, alert: Alert, *, details: str = "") -> Alert:
    """"All clear" to exactly the people the alert went to (those who left since are
    refused by the outbox)."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, alert)
    if alert.kind != AlertKind.SIGHTING:
        raise DomainError(_("Only a sighting alert is followed by an all-clear."))
    if alert.follow_ups.filter(kind=AlertKind.ALL_CLEAR).exists():
        raise DomainError(_("The all-clear for this alert was already sent."))
    details = (details or "").strip()[:MAX_PLACE] or alert.details
    org = alert.organization
    now = timezone.now()
    with transaction.atomic():
        report = alert.report
        if report is not None:
            report = _locked(report)
            try:
                states.apply(_snapshot(report), states.Event("all_clear"), now)
            except states.Refused as exc:
                raise DomainError(refusal_message(exc.reason)) from None
        rows = [[sub, dist] for sub, dist in alert.recipients.order_by("position")
                .values_list("subscriber_id", "distance_m")] + list(alert.pending)
        bodies = {lang: texts.alert_body(AlertKind.ALL_CLEAR, lang, org=org.name,
                                         place=details, drill=alert.is_drill,
                                         unverified=False) for lang in ("en", "es")}
        clear = Alert.objects.create(
            organization=org, network=alert.network, report=report, follows=alert,
            kind=AlertKind.ALL_CLEAR, is_drill=alert.is_drill, zone=alert.zone,
            radius_m=alert.radius_m, center_lat=alert.center_lat, center_lon=alert.center_lon,
            details=details, body_en=bodies["en"], body_es=bodies["es"], sent_by=actor.user,
            sent_at=now, recipients_count=len(rows))
        _enqueue(clear, rows)
        audit.record("rapidresponse.alert.all_clear", by=actor, obj=clear,
                     data={"follows": alert.pk, "recipients": len(rows)})
    return clear


def record_review_export(actor: Membership, network: Network, rows: int) -> None:
    """Exports are audited, even this one of times and counts only."""
    require(actor, "rapidresponse.view")
    audit.record("rapidresponse.review.exported", by=actor, obj=network, data={"rows": rows})
