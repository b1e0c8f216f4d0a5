"""Events: creating, editing and cancelling them, and when things can be recorded."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Base, Membership, Organization
from groundswell.core.permissions import require
from groundswell.events import recording
from groundswell.events.models import (
    Event,
)
from groundswell.geo import services as geo

MAX_MATERIALS_BYTES = 10 * 1024 * 1024
MATERIAL_SIGNATURES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg"}


# --- events -----------------------------------------------------------------------------------

EVENT_FIELDS = ("kind", "title_en", "title_es", "description_en", "description_es",
                "starts_at", "ends_at", "place_name", "street", "latitude", "longitude",
                "base", "capacity", "theme", "partner", "rsvp_open")


def materials_kind(upload: UploadedFile) -> str:
    """'pdf', 'png' or 'jpeg' by the file's first bytes (never by its name), or an
    InvalidInput naming the limit that was broken."""
    if upload.size is None or upload.size > MAX_MATERIALS_BYTES:
        raise InvalidInput("materials", _("That file is too large (10 MB at most)."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in MATERIAL_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise InvalidInput("materials", _("Upload a PDF, PNG or JPEG file."))


def _clean_event(org: Organization, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EVENT_FIELDS) - {"materials"}
    if unknown:
        raise ValueError(f"Not an event field: {', '.join(sorted(unknown))}")
    if fields.get("kind") not in Event.Kind.values:
        raise InvalidInput("kind", _("Choose the type of event."))
    for name in ("title_en", "title_es", "place_name", "street", "theme", "partner"):
        fields[name] = (fields.get(name) or "").strip()
        if len(fields[name]) > 200:
            raise InvalidInput(name, _("That is too long (200 characters at most)."))
    for name in ("description_en", "description_es"):
        fields[name] = (fields.get(name) or "").strip()
        if len(fields[name]) > 5000:
            raise InvalidInput(name, _("That is too long (5,000 characters at most)."))
    if not fields["title_en"] and not fields["title_es"]:
        raise InvalidInput("title_en", _("Give the event a title in English or Spanish."))
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if not isinstance(starts, datetime) or not isinstance(ends, datetime):
        raise InvalidInput("starts_at", _("Give the start and end times."))
    if ends < starts:
        raise InvalidInput("ends_at", _("The event ends before it starts."))
    if ends - starts > timedelta(days=14):
        raise InvalidInput("ends_at", _("An event lasts two weeks at most."))
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if (lat is None) != (lon is None):
        raise InvalidInput("latitude", _("Choose the place on the map, or leave both empty."))
    if lat is not None:
        lat, lon = Decimal(str(lat)), Decimal(str(lon))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput("latitude", _("That point is not on the map."))
        fields["latitude"], fields["longitude"] = round(lat, 6), round(lon, 6)
    capacity = fields.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1
                                 or capacity > 100000):
        raise InvalidInput("capacity", _("Capacity is a number of people from 1 up, or "
                                         "empty for no limit."))
    base = fields.get("base")
    if base is not None and (not isinstance(base, Base) or base.organization_id != org.pk):
        raise InvalidInput("base", _("That base is not part of this organization."))
    fields["rsvp_open"] = bool(fields.get("rsvp_open", True))
    upload = fields.get("materials")
    if upload:
        materials_kind(upload)
    return fields


def _place_from_address(fields: dict[str, Any], moved: bool = True) -> None:
    """Put an event with a typed address and no pin where the organization's address
    points say it is (offline geocoding). A pin the organizer dropped is kept, unless
    the address changed and the pin did not move (``moved`` False)."""
    if not fields["street"] or (fields["latitude"] is not None and moved):
        return
    found = geo.locate_street(fields["street"])
    if found is not None:
        fields["latitude"], fields["longitude"] = found


def create_event(actor: Membership, **fields: Any) -> Event:
    require(actor, "events.manage")
    org = actor.organization
    fields = _clean_event(org, dict(fields))
    fields.setdefault("latitude", None)
    _place_from_address(fields)
    with transaction.atomic():
        event = Event(organization=org, created_by=actor.user,
                      **{k: v for k, v in fields.items() if k != "materials"})
        if fields.get("materials"):
            event.materials = fields["materials"]
        event.save()
        audit.record("events.event.created", by=actor, obj=event, data={"kind": event.kind})
    return event


def update_event(actor: Membership, event: Event, **fields: Any) -> Event:
    require(actor, "events.manage")
    current = {name: getattr(event, name) for name in EVENT_FIELDS}
    fields = _clean_event(event.organization, {**current, **fields})
    if fields["street"] != current["street"]:
        _place_from_address(fields, moved=(fields["latitude"], fields["longitude"])
                            != (current["latitude"], current["longitude"]))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        changed = sorted(name for name in EVENT_FIELDS if getattr(event, name) != fields[name])
        for name in EVENT_FIELDS:
            setattr(event, name, fields[name])
        if fields.get("materials"):
            event.materials = fields["materials"]
            changed.append("materials")
        event.save()
        if changed:
            audit.record("events.event.updated", by=actor, obj=event, data={"fields": changed})
    return event


def cancel_event(actor: Membership, event: Event) -> Event:
    require(actor, "events.manage")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at is not None:
            raise DomainError(_("This event is already cancelled."))
        event.cancelled_at = timezone.now()
        event.rsvp_open = False
        event.save(update_fields=["cancelled_at", "rsvp_open"])
        audit.record("events.event.cancelled", by=actor, obj=event)
    return event


# --- when things can be recorded ------------------------------------------------------------


def check_recordable(first_day: Any, last_day: Any = None, *, field: str = "") -> None:
    """Refuse, with the dates it opens and closes, a record of something on these local
    days outside the one window (``events.recording``): the kiosk and the distribution
    table both ask here."""
    opens, closes = recording.window(first_day, last_day)
    too = recording.outside(timezone.localdate(), first_day, last_day)
    if too is None:
        return
    dates = {"opens": date_format(opens, "DATE_FORMAT"),
             "closes": date_format(closes, "DATE_FORMAT")}
    if too is recording.Too.EARLY:
        message = _("Too early: this can be recorded from %(opens)s (the day before) until "
                    "%(closes)s.") % dates
    else:
        message = _("Too late: this could be recorded until %(closes)s (%(days)s days "
                    "after).") % {**dates, "days": recording.DAYS_AFTER}
    raise InvalidInput(field, message) if field else DomainError(message)


def event_days(event: Event) -> tuple[Any, Any]:
    return timezone.localdate(event.starts_at), timezone.localdate(event.ends_at)
