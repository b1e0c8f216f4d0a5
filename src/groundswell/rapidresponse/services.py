"""Every write of the rapid-response area: networks, zones, subscribers, reports,
verification, alerts and retention. Each operation checks permission, runs in one
transaction, writes the audit log (ids and counts only: never a number, a name, a
place or a report's words) and hands messages to the messaging outbox in that same
transaction (``outbound``), so an alert is recorded if and only if it is queued.

``actor`` is the acting Membership, or None when a resident acts through a public
form or a text message (then the organization or network is given).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
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
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.geo import geometry
from groundswell.people.models import Consent, ContactPoint, Person, Residence
from groundswell.rapidresponse import outbound, states, targeting, texts
from groundswell.rapidresponse.models import (
    RESPONDER_ROLES,
    Alert,
    AlertKind,
    AlertRecipient,
    ConfirmedHow,
    DirectConfirmation,
    Incident,
    Network,
    Report,
    ReportSource,
    ReportState,
    Subscriber,
    SubscriberRole,
    VerificationReply,
    VerificationRequest,
    Zone,
)

MAX_WHAT, MAX_WHERE, MAX_PLACE = 500, 200, 80
DEFAULT_CENTER = (39.9925, -75.1300)  # used only when a network has no centre yet


def _user(actor: Membership | None) -> Any:
    return actor.user if actor is not None else None


def _same_org(actor: Membership | None, obj: Any) -> None:
    if actor is not None and obj.organization_id != actor.organization_id:
        raise DomainError(_("That is not part of this organization."))


REFUSALS = {
    "expired": lambda: _("This report has expired: nothing can be sent from it."),
    "closed": lambda: _("This report is closed."),
    "not_open": lambda: _("Only a new or verifying report can do that."),
    "not_confirmed": lambda: _("An alert needs the report confirmed by responders, or an "
                               "explicit override."),
    "no_alert": lambda: _("No alert went out for this report, so there is nothing to "
                          "clear."),
    "already": lambda: _("That was already done."),
}


def refusal_message(reason: str) -> str:
    return str(REFUSALS.get(reason, lambda: _("That cannot be done now."))())


# --- networks and zones --------------------------------------------------------------------


def save_network(actor: Membership, *, network: Network | None = None,
                 **fields: Any) -> Network:
    require(actor, "rapidresponse.manage")
    allowed = {"name", "base", "hotline_number", "confirmations_required",
               "responders_per_request", "report_expiry_minutes", "retention_days",
               "default_radius_m", "center_lat", "center_lon"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    name = (fields.get("name") if "name" in fields else network.name if network else "")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", _("A network needs a name."))
    fields["name"] = name
    hotline = (fields.get("hotline_number") or "").strip()
    if hotline:
        from groundswell.people.normalize import NormalizationError, normalize_phone
        try:
            fields["hotline_number"] = normalize_phone(hotline)
        except NormalizationError:
            raise InvalidInput("hotline_number",
                               _("That is not a phone number we can text.")) from None
    base = fields.get("base")
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    for lat_or_lon, limit in (("center_lat", 90), ("center_lon", 180)):
        value = fields.get(lat_or_lon)
        if value is not None and not (math.isfinite(value) and -limit <= value <= limit):
            raise InvalidInput(lat_or_lon, _("That point is off the map."))
    with transaction.atomic():
        if Network.objects.filter(name=name).exclude(pk=network.pk if network else None) \
                .exists():
            raise InvalidInput("name", _("Another network already has that name."))
        created = network is None
        if created:
            network = Network(organization=actor.organization)
        for key, value in fields.items():
            setattr(network, key, value)
        network.save()
        audit.record("rapidresponse.network.created" if created
                     else "rapidresponse.network.updated", by=actor, obj=network,
                     data={"fields": sorted(fields)})
        if created and Network.objects.filter(organization=actor.organization).count() == 1:
            # One self-rescheduling maintenance chain per organization.
            from groundswell.rapidresponse.tasks import schedule

            org_id = actor.organization_id
            transaction.on_commit(lambda: schedule(org_id))
    return network


def _shape_error(reason: str) -> str:
    return {
        "self_intersects": _("The zone's edges cross each other. Draw it again without "
                             "crossing lines."),
        "not_json": _("Draw the zone on the map."),
        "not_polygon": _("Draw the zone as a shape on the map."),
        "too_few_points": _("A zone needs at least three corners."),
        "out_of_range": _("The zone is off the map."),
        "too_many_points": _("The zone has too many corners (5,000 at most)."),
    }.get(reason, _("That shape cannot be used."))


def save_zone(actor: Membership, network: Network, *, name: str, geometry_json: str,
              zone: Zone | None = None) -> Zone:
    require(actor, "rapidresponse.manage")
    _same_org(actor, network)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("name", _("A zone needs a name (100 characters at most)."))
    if not (geometry_json or "").strip():
        raise InvalidInput("geometry", _("Draw the zone on the map."))
    try:
        shape = geometry.parse_polygon(geometry_json)
    except geometry.InvalidShape as exc:
        raise InvalidInput("geometry", _shape_error(exc.reason)) from None
    stored = geometry.to_geojson(shape)
    import json

    with transaction.atomic():
        clash = Zone.objects.filter(network=network, name=name)
        if zone is not None:
            clash = clash.exclude(pk=zone.pk)
        if clash.exists():
            raise InvalidInput("name", _("This network already has a zone with that name."))
        created = zone is None
        if created:
            zone = Zone(organization=network.organization, network=network)
        zone.name, zone.geometry = name, json.dumps(stored)
        zone.save()
        _assign_zones(network)
        audit.record("rapidresponse.zone.created" if created else "rapidresponse.zone.updated",
                     by=actor, obj=zone, data={"network": network.pk})
    return zone


def delete_zone(actor: Membership, zone: Zone) -> None:
    require(actor, "rapidresponse.manage")
    _same_org(actor, zone)
    with transaction.atomic():
        network = zone.network
        pk = zone.pk
        zone.delete()
        _assign_zones(network)
        audit.record("rapidresponse.zone.deleted", by=actor,
                     data={"zone": pk, "network": network.pk})


def zone_shapes(network: Network) -> list[tuple[Zone, Any]]:
    return [(zone, geometry.parse_polygon(zone.geometry)) for zone in network.zones.all()]


def _home_zone(shapes: list[tuple[Zone, Any]], lat: float | None,
               lon: float | None) -> Zone | None:
    if lat is None or lon is None:
        return None
    return next((zone for zone, shape in shapes if geometry.contains(shape, lat, lon)), None)


def _assign_zones(network: Network) -> None:
    shapes = zone_shapes(network)
    changed = []
    for sub in Subscriber.objects.filter(network=network):
        zone = _home_zone(shapes, sub.latitude, sub.longitude)
        if (zone.pk if zone else None) != sub.zone_id:
            sub.zone = zone
            changed.append(sub)
    Subscriber.objects.bulk_update(changed, ["zone"], batch_size=500)


# --- subscribers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    left: int
    approximate: int


def network_center(network: Network) -> tuple[float, float]:
    if network.center_lat is not None and network.center_lon is not None:
        return network.center_lat, network.center_lon
    return DEFAULT_CENTER


def center_text(network: Network) -> str:
    """"lat,lon" for the map component's data-center."""
    lat, lon = network_center(network)
    return f"{lat},{lon}"


def _consenting(org: Organization) -> Any:
    return Consent.objects.filter(
        organization=org, person=OuterRef("person"), channel=Consent.Channel.SMS,
        purpose=Consent.Purpose.RAPID_RESPONSE, withdrawn_at__isnull=True)


def _language_for(person_language: str, org: Organization) -> str:
    if person_language in ("en", "es"):
        return person_language
    return org.default_language if org.default_language in ("en", "es") else "en"


def sync_subscribers(actor: Membership | None, network: Network) -> SyncResult:
    """Subscribers from the people who said yes to rapid-response texts (at the door,
    at an event, on the web or by text) and have a phone that takes texts; those whose
    consent was withdrawn leave. Location comes from the person's current household;
    an address without a map point gets a deterministic approximate point near the
    network's centre (marked as such)."""
    if actor is not None:
        require(actor, "rapidresponse.manage")
        _same_org(actor, network)
    org = network.organization
    consents = {c.person_id: c for c in Consent.objects.filter(
        organization=org, channel=Consent.Channel.SMS, purpose=Consent.Purpose.RAPID_RESPONSE,
        withdrawn_at__isnull=True)}
    textable = set(ContactPoint.objects.filter(
        organization=org, person_id__in=list(consents), kind=ContactPoint.Kind.PHONE,
        sms_capable=True, opted_out_at__isnull=True).values_list("person_id", flat=True))
    people = Person.objects.active().filter(pk__in=textable)
    if network.base_id:
        people = people.filter(Q(base_id=network.base_id) | Q(base__isnull=True))
    people_by_id = {p.pk: p for p in people.only("pk", "language", "base_id")}
    homes: dict[int, tuple[float | None, float | None]] = {}
    for res in Residence.objects.filter(person_id__in=list(people_by_id),
                                        ended_on__isnull=True).select_related(
            "household__address"):
        address = res.household.address
        homes[res.person_id] = (
            float(address.latitude) if address.latitude is not None else None,
            float(address.longitude) if address.longitude is not None else None)
    shapes = zone_shapes(network)
    centre = network_center(network)
    existing = {s.person_id: s for s in Subscriber.objects.filter(network=network)}
    now = timezone.now()
    new, changed, approximate = [], [], 0
    for pk, person in people_by_id.items():
        lat, lon = homes.get(pk, (None, None))
        source = Subscriber.LocationSource.HOUSEHOLD
        if lat is None or lon is None:
            lat, lon = targeting.fallback_point(pk, *centre)
            source = Subscriber.LocationSource.FALLBACK
            approximate += 1
        lat, lon = targeting.block_point(lat, lon)
        zone = _home_zone(shapes, lat, lon)
        sub = existing.get(pk)
        if sub is None:
            new.append(Subscriber(
                organization=org, network=network, person=person,
                language=_language_for(person.language, org), latitude=lat, longitude=lon,
                location_source=source, zone=zone, radius_m=network.default_radius_m,
                source=consents[pk].source))
            continue
        values = {"latitude": lat, "longitude": lon, "location_source": source,
                  "zone_id": zone.pk if zone else None, "left_at": None}
        if any(getattr(sub, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(sub, key, value)
            changed.append(sub)
    gone = [s for pid, s in existing.items() if pid not in people_by_id and s.left_at is None]
    for sub in gone:
        sub.left_at = now
    with transaction.atomic():
        Subscriber.objects.bulk_create(new, batch_size=500)
        Subscriber.objects.bulk_update(
            changed + gone, ["latitude", "longitude", "location_source", "zone", "left_at"],
            batch_size=500)
        audit.record("rapidresponse.subscribers.synced", by=actor, organization=org, obj=network,
                     data={"added": len(new), "updated": len(changed), "left": len(gone),
                           "approximate": approximate})
    return SyncResult(len(new), len(changed), len(gone), approximate)


def update_subscriber(actor: Membership, subscriber: Subscriber, *, role: str,
                      language: str, drills: bool, available: bool,
                      radius_m: int) -> Subscriber:
    require(actor, "rapidresponse.manage")
    _same_org(actor, subscriber)
    if role not in SubscriberRole.values:
        raise InvalidInput("role", _("Choose a role."))
    if language not in ("en", "es"):
        raise InvalidInput("language", _("Choose English or Spanish."))
    if not 50 <= radius_m <= 20000:
        raise InvalidInput("radius_m", _("The radius must be between 50 and 20,000 meters."))
    with transaction.atomic():
        subscriber.role, subscriber.language = role, language
        subscriber.drills, subscriber.available, subscriber.radius_m = drills, available, \
            radius_m
        subscriber.save(update_fields=["role", "language", "drills", "available",
                                       "radius_m"])
        audit.record("rapidresponse.subscriber.updated", by=actor, obj=subscriber,
                     data={"drills": drills, "available": available})  # the role is sealed
    return subscriber


def _leave(actor: Membership | None, subscriber: Subscriber, via: str) -> None:
    from groundswell.people import services as people

    subscriber.left_at = timezone.now()
    subscriber.save(update_fields=["left_at"])
    people.withdraw_consent(None, subscriber.person, channel=Consent.Channel.SMS,
                            purpose=Consent.Purpose.RAPID_RESPONSE,
                            organization=subscriber.organization)
    audit.record("rapidresponse.subscriber.left", by=actor, organization=subscriber.organization,
                 obj=subscriber, data={"via": via})


def remove_subscriber(actor: Membership, subscriber: Subscriber) -> None:
    """One click by staff: the person leaves and their rapid-response consent is
    withdrawn (the outbox then refuses any alert to them)."""
    require(actor, "rapidresponse.manage")
    _same_org(actor, subscriber)
    with transaction.atomic():
        _leave(actor, subscriber, "staff")


def leave_by_token(token: str) -> Subscriber | None:
    """One click by the resident, from the link in their welcome text."""
    from django_scopes import scope, scopes_disabled

    with scopes_disabled():
        subscriber = Subscriber.objects.select_related("organization", "person").filter(
            leave_token=token).first()
    if subscriber is None:
        return None
    with scope(organization=subscriber.organization), transaction.atomic():
        if subscriber.left_at is None:
            _leave(None, subscriber, "link")
    return subscriber


def join_by_text(organization: Organization, network: Network, person: Person,
                 language: str) -> Subscriber:
    """JOIN / UNIRSE texted to the hotline: the texted word is the consent."""
    from groundswell.people import services as people

    with transaction.atomic():
        people.record_consent(None, person, channel=Consent.Channel.SMS,
                              purpose=Consent.Purpose.RAPID_RESPONSE,
                              source=Consent.Source.SMS,
                              wording=f"JOIN/UNIRSE ({language})",
                              organization=organization)
        if person.language not in ("en", "es"):
            person.language = language
            person.save(update_fields=["language", "updated_at"])
        res = person.residences.filter(ended_on__isnull=True).select_related(
            "household__address").first()
        lat = lon = None
        source = Subscriber.LocationSource.NONE
        if res is not None and res.household.address.latitude is not None:
            lat, lon = targeting.block_point(float(res.household.address.latitude),
                                             float(res.household.address.longitude))
            source = Subscriber.LocationSource.HOUSEHOLD
        sub, _created = Subscriber.objects.get_or_create(
            network=network, person=person,
            defaults={"organization": organization, "language": language,
                      "radius_m": network.default_radius_m, "source": "sms"})
        sub.language, sub.left_at = language, None
        if lat is not None:
            sub.latitude, sub.longitude, sub.location_source = lat, lon, source
        sub.zone = _home_zone(zone_shapes(network), sub.latitude, sub.longitude)
        sub.save()
        audit.record("rapidresponse.subscriber.joined", organization=organization, obj=sub,
                     data={"via": "sms"})
        outbound.send_to_person(organization, person=person,
                                body=texts.compose(texts.JOINED, language,
                                                   org=organization.name,
                                                   link=leave_link(sub)),
                                cause_key=f"rr-join-{sub.pk}-{int(timezone.now().timestamp())}")
    return sub


def leave_link(subscriber: Subscriber) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("rr_public_leave",
                                                   args=[subscriber.leave_token])


def active_subscribers(network: Network) -> Any:
    """Subscribers who may get a text now: not left, consent still given."""
    return Subscriber.objects.filter(network=network, left_at__isnull=True).filter(
        Exists(_consenting(network.organization)))


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
            from groundswell.messaging.inbound import new_contact_for_number

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


# --- retention ------------------------------------------------------------------------------


def _purge(report: Report, now: datetime) -> None:
    incident = report.incident
    incident.state = report.state
    incident.purged_at = now
    alert_ids = list(report.alerts.values_list("pk", flat=True))
    incident.first_delivery_at = incident.first_delivery_at or outbound.first_delivery(
        report.organization, alert_ids)
    incident.save(update_fields=["state", "purged_at", "first_delivery_at"])
    Report.objects.filter(duplicate_of=report).update(duplicate_of=None)
    report.delete()  # its requests, alerts and their recipients go with it
    outbound.forget_messages(report.organization, alert_ids)


def purge_report(actor: Membership, report: Report) -> int:
    """A dispatcher purges one report at once; the incident's counts stay."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    with transaction.atomic():
        report = _locked(report)
        incident_id = report.incident_id
        _purge(report, timezone.now())
        audit.record("rapidresponse.report.purged", by=actor,
                     data={"incident": incident_id, "reports": 1})
    return incident_id


@dataclass(frozen=True)
class PurgeResult:
    reports: int
    alerts: int


def purge_expired(organization: Organization, now: datetime | None = None) -> PurgeResult:
    """Reports, their places, verification replies and recipient lists older than each
    network's retention period are deleted; Incident counts and times stay. Audited
    with counts only."""
    now = now or timezone.now()
    reports = alerts = 0
    for network in Network.objects.filter(organization=organization):
        cutoff = now - timedelta(days=network.retention_days)
        with transaction.atomic():
            old = list(Report.objects.filter(network=network, received_at__lt=cutoff)
                       .select_related("incident", "organization"))
            for report in old:
                _purge(report, now)
            loose = Alert.objects.filter(network=network, report__isnull=True,
                                         follows__isnull=True, sent_at__lt=cutoff)
            alert_ids = list(Alert.objects.filter(Q(pk__in=loose) | Q(follows__in=loose))
                             .values_list("pk", flat=True))
            n_alerts = loose.count()
            loose.delete()
            outbound.forget_messages(organization, alert_ids)
            if old or n_alerts:
                audit.record("rapidresponse.retention.purged", organization=organization,
                             obj=network, data={"reports": len(old), "alerts": n_alerts,
                                                "retention_days": network.retention_days})
            reports += len(old)
            alerts += n_alerts
    return PurgeResult(reports, alerts)
