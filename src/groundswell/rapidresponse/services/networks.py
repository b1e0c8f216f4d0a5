"""Networks and their zones."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.geo import geometry
from groundswell.people.normalize import NormalizationError, normalize_phone
from groundswell.rapidresponse.models import (
    Network,
    Subscriber,
    Zone,
)
from groundswell.rapidresponse.services.base import _same_org

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
            # tasks imports the services
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
