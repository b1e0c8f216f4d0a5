"""Subscribers: who is in a network (synced from consenting people), joining and leaving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.people import services as people
from groundswell.people.models import Consent, ContactPoint, Person, Residence
from groundswell.rapidresponse import outbound, targeting, texts
from groundswell.rapidresponse.models import (
    Network,
    Subscriber,
    SubscriberRole,
)
from groundswell.rapidresponse.services.base import DEFAULT_CENTER, _same_org
from groundswell.rapidresponse.services.networks import _home_zone, zone_shapes

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
