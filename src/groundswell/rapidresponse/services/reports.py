"""Reports: received on the web or entered by a member, located, revealed, closed,
overridden and expired (the state machine is in states.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.rapidresponse import states
from groundswell.rapidresponse.models import (
    AlertKind,
    Incident,
    Network,
    Report,
    ReportSource,
    ReportState,
    VerificationReply,
)
from groundswell.rapidresponse.services.base import (
    MAX_WHAT,
    MAX_WHERE,
    _same_org,
    _user,
    refusal_message,
)

# --- reports ----------------------------------------------------------------------------------


def _clean_point(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidInput("latitude", _("That point is off the map.")) from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f) and -90 <= lat_f <= 90
            and -180 <= lon_f <= 180):
        raise InvalidInput("latitude", _("That point is off the map."))
    return lat_f, lon_f


def _snapshot(report: Report) -> states.Snapshot:
    confirmations = report.requests.filter(reply=VerificationReply.CONFIRMED).count() \
        + report.direct_confirmations.count()
    sightings = report.alerts.filter(kind=AlertKind.SIGHTING).count()
    all_clears = report.alerts.filter(kind=AlertKind.ALL_CLEAR).count()
    return states.Snapshot(
        state=report.state, expires_at=report.expires_at,
        required=report.network.confirmations_required, confirmations=confirmations,
        overridden=report.overridden_at is not None, sightings_sent=sightings,
        all_clears_sent=all_clears)


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("network", "incident").get(
        pk=report.pk)


def _apply(report: Report, event: states.Event, now: datetime) -> states.Snapshot:
    """Run the state machine and save what changed; raises DomainError when refused."""
    try:
        after = states.apply(_snapshot(report), event, now)
    except states.Refused as exc:
        raise DomainError(refusal_message(exc.reason)) from None
    _save_state(report, after.state, now, overridden=after.overridden)
    return after


def _save_state(report: Report, state: str, now: datetime, *, overridden: bool = False) -> None:
    fields = []
    if state != report.state:
        report.state = state
        fields.append("state")
        if state == ReportState.VERIFYING:
            report.verifying_at = now
            fields.append("verifying_at")
        elif state == ReportState.CONFIRMED:
            report.confirmed_at = now
            fields.append("confirmed_at")
        else:
            report.closed_at = now
            fields.append("closed_at")
    if overridden and report.overridden_at is None:
        report.overridden_at = now
        fields.append("overridden_at")
    if fields:
        report.save(update_fields=fields)
    incident = report.incident
    incident.state = report.state
    incident.confirmed_at = report.confirmed_at
    incident.closed_at = report.closed_at
    incident.overridden = report.overridden_at is not None
    incident.save(update_fields=["state", "confirmed_at", "closed_at", "overridden"])


def _new_report(network: Network, *, source: str, what: str, where: str,
                latitude: Any = None, longitude: Any = None, seen_at: datetime | None = None,
                language: str = "es", reporter_phone: str = "", actor: Membership | None,
                is_drill: bool = False) -> Report:
    what, where = (what or "").strip(), (where or "").strip()
    if not what and not where:
        raise InvalidInput("what", _("Say what you saw and where."))
    if len(what) > MAX_WHAT:
        raise InvalidInput("what", _("Please keep it under 500 characters."))
    if len(where) > MAX_WHERE:
        raise InvalidInput("where", _("Please keep the place under 200 characters."))
    lat, lon = _clean_point(latitude, longitude)
    now = timezone.now()
    if seen_at is not None and seen_at > now + timedelta(minutes=5):
        raise InvalidInput("seen_at", _("That time is in the future."))
    org = network.organization
    with transaction.atomic():
        incident = Incident.objects.create(organization=org, network=network, source=source,
                                           received_at=now, is_drill=is_drill)
        report = Report.objects.create(
            organization=org, network=network, incident=incident, source=source, what=what,
            where=where, latitude=lat, longitude=lon, seen_at=seen_at,
            language=language if language in ("en", "es") else "es",
            reporter_phone=reporter_phone, received_at=now,
            expires_at=now + timedelta(minutes=network.report_expiry_minutes),
            is_drill=is_drill, created_by=_user(actor))
        audit.record("rapidresponse.report.received", by=actor, organization=org, obj=report,
                     data={"network": network.pk, "source": source, "drill": is_drill})
    return report


def submit_web_report(network: Network, *, what: str, where: str, latitude: Any = None,
                      longitude: Any = None, seen_at: datetime | None = None,
                      language: str = "es") -> Report:
    """The public form: no login, rate-limited by the view."""
    return _new_report(network, source=ReportSource.WEB, what=what, where=where,
                       latitude=latitude, longitude=longitude, seen_at=seen_at,
                       language=language, actor=None)


def create_report(actor: Membership, network: Network, *, what: str, where: str,
                  latitude: Any = None, longitude: Any = None, is_drill: bool = False,
                  seen_at: datetime | None = None) -> Report:
    """A report taken by a dispatcher (a phone call, a neighbor at the door)."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, network)
    return _new_report(network, source=ReportSource.DISPATCHER, what=what, where=where,
                       latitude=latitude, longitude=longitude, seen_at=seen_at,
                       actor=actor, is_drill=is_drill)


def set_report_location(actor: Membership, report: Report, *, latitude: Any,
                        longitude: Any) -> Report:
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    lat, lon = _clean_point(latitude, longitude)
    if lat is None:
        raise InvalidInput("latitude", _("Tap the map to place the report."))
    with transaction.atomic():
        report.latitude, report.longitude = lat, lon
        report.save(update_fields=["latitude", "longitude"])
        audit.record("rapidresponse.report.located", by=actor, obj=report)
    return report


def reveal_reporter(actor: Membership, report: Report) -> str:
    """The number a report came from: admins only, and every reveal is audited."""
    require(actor, "rapidresponse.reveal_reporter")
    _same_org(actor, report)
    with transaction.atomic():
        audit.record("rapidresponse.reporter.revealed", by=actor, obj=report)
    return report.reporter_phone


def close_report(actor: Membership, report: Report, *, outcome: str,
                 duplicate_of: Report | None = None) -> Report:
    """A dispatcher closes a report as a false alarm or a duplicate of another."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    if outcome not in ("false_alarm", "duplicate"):
        raise InvalidInput("outcome", _("Choose false alarm or duplicate."))
    if outcome == "duplicate":
        if duplicate_of is None or duplicate_of.pk == report.pk \
                or duplicate_of.network_id != report.network_id:
            raise InvalidInput("duplicate_of", _("Choose the other report of this network "
                                                 "that this one repeats."))
    with transaction.atomic():
        report = _locked(report)
        _apply(report, states.Event(outcome), timezone.now())
        if duplicate_of is not None:
            report.duplicate_of = duplicate_of
            report.save(update_fields=["duplicate_of"])
        audit.record("rapidresponse.report.closed", by=actor, obj=report,
                     data={"outcome": outcome,
                           "duplicate_of": duplicate_of.pk if duplicate_of else None})
    return report


def override_report(actor: Membership, report: Report) -> Report:
    """Allow alerts before confirmation; they go out labeled "unverified"."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    with transaction.atomic():
        report = _locked(report)
        _apply(report, states.Event("override"), timezone.now())
        audit.record("rapidresponse.report.overridden", by=actor, obj=report)
    return report


def expire_reports(organization: Organization, now: datetime | None = None) -> int:
    """Open reports past their expiry become expired (a periodic task)."""
    now = now or timezone.now()
    count = 0
    for report in Report.objects.filter(organization=organization,
                                        state__in=sorted(states.OPEN), expires_at__lte=now):
        with transaction.atomic():
            report = _locked(report)
            try:
                after = states.apply(_snapshot(report), states.Event("expire"), now)
            except states.Refused:
                continue
            _save_state(report, after.state, now)
            audit.record("rapidresponse.report.expired", organization=organization,
                         obj=report)
            count += 1
    return count
