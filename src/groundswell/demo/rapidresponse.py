"""Demo rapid-response network: subscribers from the demo households' door consents
(about 300), 10 responders and 2 legal observers, a zone per base, two past incidents
(one confirmed and alerted, one false alarm) and a drill. Everything goes through the
services; only the timestamps of the past incidents are moved back afterwards, as the
people demo does for consents, since history cannot be created in the past otherwise.

Idempotent: a second run finds the network and its incidents and adds nothing.
Addresses without a map point (if the geo demo has not geocoded them) get a
deterministic approximate point near the network's centre, marked as approximate.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from groundswell.core.models import Base, Membership, Organization, Role
from groundswell.messaging.models import Message
from groundswell.people.models import Address
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import (
    Alert,
    Incident,
    Network,
    Report,
    Subscriber,
    SubscriberRole,
    VerificationRequest,
)

NAME = "Front Street rapid-response network"
HOTLINE = "+12155550100"
RESPONDERS, OBSERVERS = 10, 2


def _bbox(addresses: list[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    if not addresses:
        return None
    lats = [a for a, _ in addresses]
    lons = [b for _, b in addresses]
    pad = 0.0006
    return min(lats) - pad, min(lons) - pad, max(lats) + pad, max(lons) + pad


def _rectangle(south: float, west: float, north: float, east: float) -> str:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _shift(model: type, pks: list[int], fields: list[str], delta: timedelta) -> None:
    for field in fields:
        model.objects.filter(pk__in=pks, **{f"{field}__isnull": False}).update(
            **{field: F(field) - delta})


def load(org: Organization) -> bool:

    if Network.objects.filter(organization=org, name=NAME).exists():
        return False
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
    dispatcher = Membership.objects.filter(organization=org, role=Role.DISPATCHER).first() \
        or admin
    if admin is None:
        return False
    points = [(float(a), float(b)) for a, b in Address.objects.filter(
        organization=org, latitude__isnull=False).values_list("latitude", "longitude")]
    centre = (sum(a for a, _ in points) / len(points), sum(b for _, b in points) / len(points)) \
        if points else services.DEFAULT_CENTER
    network = services.save_network(
        admin, name=NAME, hotline_number=HOTLINE, confirmations_required=2,
        responders_per_request=3, center_lat=round(centre[0], 6),
        center_lon=round(centre[1], 6))
    for base in Base.objects.filter(organization=org).order_by("pk"):
        box = _bbox([(float(a), float(b)) for a, b in Address.objects.filter(
            organization=org, base=base, latitude__isnull=False).values_list(
            "latitude", "longitude")])
        if box is not None:
            services.save_zone(admin, network, name=base.name[:100],
                               geometry_json=_rectangle(*box))
    if not network.zones.exists():
        lat, lon = centre
        services.save_zone(admin, network, name="Front Street",
                           geometry_json=_rectangle(lat - 0.006, lon - 0.008, lat + 0.006,
                                                    lon + 0.008))
    services.sync_subscribers(admin, network)
    subscribers = list(Subscriber.objects.filter(network=network).order_by("pk"))
    step = max(1, len(subscribers) // (RESPONDERS + OBSERVERS + 1))
    chosen = subscribers[::step][:RESPONDERS + OBSERVERS]
    for position, sub in enumerate(chosen):
        role = SubscriberRole.RESPONDER if position < RESPONDERS \
            else SubscriberRole.LEGAL_OBSERVER
        services.update_subscriber(admin, sub, role=role, language=sub.language,
                                   drills=True, available=True, radius_m=sub.radius_m)
    for sub in subscribers[1::4]:
        if sub not in chosen:
            services.update_subscriber(admin, sub, role=sub.role, language=sub.language,
                                       drills=True, available=sub.available,
                                       radius_m=sub.radius_m)
    _past_incidents(org, network, dispatcher, centre)
    return True


def _past_incidents(org: Organization, network: object, dispatcher: Membership,
                    centre: tuple[float, float]) -> None:

    zone = network.zones.order_by("pk").first()  # type: ignore[attr-defined]
    lat, lon = centre
    # 1. Twelve days ago: a confirmed sighting, alerted, then all clear.
    confirmed = services.create_report(
        dispatcher, network, what="Two unmarked vans, agents knocking on doors",
        where="Front St & W Cumberland St", latitude=round(lat + 0.001, 6),
        longitude=round(lon - 0.001, 6))
    asked = services.request_verification(dispatcher, confirmed)
    for request in asked[:2]:
        services.record_reply(org, request, "confirmed")
    alert = services.send_alert(dispatcher, network, kind="sighting", report=confirmed,
                                target=services.make_target(network, zone=zone, radius_m=None,
                                                            report=confirmed))
    clear = services.send_all_clear(dispatcher, alert)
    # 2. Five days ago: a false alarm (a utility crew).
    false_alarm = services.create_report(
        dispatcher, network, what="Men in vests near the school", where="B St & Somerset",
        latitude=round(lat - 0.0015, 6), longitude=round(lon + 0.001, 6))
    asked = services.request_verification(dispatcher, false_alarm)
    for request in asked[:2]:
        services.record_reply(org, request, "not_seen")
    services.close_report(dispatcher, false_alarm, outcome="false_alarm")
    # 3. Two days ago: a drill, only to those who opted into drills.
    drill = services.send_alert(dispatcher, network, kind="sighting", drill=True,
                                details="Front St & Lehigh Ave (drill)",
                                target=services.make_target(network, zone=zone, radius_m=None,
                                                            report=None))
    for report, days in ((confirmed, 12), (false_alarm, 5)):
        delta = timedelta(days=days)
        _shift(Report, [report.pk], ["received_at", "expires_at", "verifying_at",
                                     "confirmed_at", "closed_at", "created_at"], delta)
        _shift(Incident, [report.incident_id], ["received_at", "confirmed_at", "closed_at",
                                                "first_alert_at", "created_at"], delta)
        _shift(VerificationRequest, list(report.requests.values_list("pk", flat=True)),
               ["sent_at", "replied_at", "created_at"], delta)
    _shift(Alert, [alert.pk, clear.pk], ["sent_at", "created_at"], timedelta(days=12))
    _shift(Alert, [drill.pk], ["sent_at", "created_at"], timedelta(days=2))
    _as_history(org, [alert.pk, clear.pk, drill.pk],
                [confirmed.pk, false_alarm.pk])
    first = Alert.objects.get(pk=alert.pk).sent_at + timedelta(seconds=2)
    Incident.objects.filter(pk=confirmed.incident_id).update(first_delivery_at=first)


def _as_history(org: Organization, alert_ids: list[int], report_ids: list[int]) -> None:
    """The demo's past texts were "sent" back then: the worker must not send them now."""

    for alert_id, at in Alert.objects.filter(pk__in=alert_ids).values_list("pk", "sent_at"):
        Message.objects.filter(organization=org, cause_key=f"rr-alert-{alert_id}",
                               status=Message.Status.QUEUED).update(
            status=Message.Status.SENT, sent_at=at + timedelta(seconds=2), attempts=1)
    keys = [f"rr-verify-{pk}" for pk in VerificationRequest.objects.filter(
        report_id__in=report_ids).values_list("pk", flat=True)]
    Message.objects.filter(organization=org, cause_key__in=keys,
                           status=Message.Status.QUEUED).update(
        status=Message.Status.SENT, sent_at=timezone.now() - timedelta(days=5), attempts=1)
