"""Geography writes: loading address points, geocoding households from them offline,
and drawing, cutting, assigning and archiving turfs. Each operation is one
transaction, permission-checked and audited."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import MultiPoint, unary_union, voronoi_polygons
from shapely.geometry import Polygon, box

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Base, Membership, Role
from groundswell.core.permissions import require
from groundswell.geo import geometry as geo
from groundswell.geo import routing, turfcut
from groundswell.geo.models import AddressPoint, Turf
from groundswell.people.models import Address, Household
from groundswell.people.normalize import NormalizationError, fold, normalize_street_address

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ERRORS_SHOWN = 20
MAX_TURFS = 200
DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW"}
SUFFIXES = {"ST", "AVE", "RD", "BLVD", "DR", "LN", "PL", "CT", "TER", "WAY", "PKWY", "HWY",
            "CIR", "SQ", "ALY", "STREET", "AVENUE", "ROAD"}


class AddressFileError(DomainError):
    """A file refused as a whole, with the broken rows named."""

    def __init__(self, message: str, rows: list[str] | None = None) -> None:
        super().__init__(message)
        self.rows = rows or []


def fuzzy_key(street: str) -> str:
    """Number and street name without direction, suffix or punctuation: "2417 N Front
    Street" and "2417 FRONT ST" both give "2417 FRONT"."""
    words = re.sub(r"[^A-Z0-9 ]", " ", fold(street).upper()).split()
    kept = [w for i, w in enumerate(words)
            if not (i > 0 and (w in DIRECTIONS or w in SUFFIXES))]
    return " ".join(kept)[:200]


# --- address files ------------------------------------------------------------------------


@dataclass
class ParsedPoint:
    street: str
    postal_code: str
    latitude: Decimal
    longitude: Decimal


@dataclass
class ParsedFile:
    points: list[ParsedPoint] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_STREET_COLUMNS = ("address", "street_address", "street", "full_address", "addr")
_NUMBER_COLUMNS = ("number", "house_number", "addr_num", "housenumber")
_ZIP_COLUMNS = ("postal_code", "zip", "zip_code", "zipcode", "postcode")
_LAT_COLUMNS = ("latitude", "lat", "y")
_LON_COLUMNS = ("longitude", "lon", "lng", "long", "x")


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _coordinate(raw: str, low: int, high: int) -> Decimal | None:
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or not low <= value <= high:
        return None
    return value.quantize(Decimal("0.000001"))


def _parse_row(row: dict[str, Any], where: str, parsed: ParsedFile) -> None:
    row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    street = _pick(row, _STREET_COLUMNS)
    number = _pick(row, _NUMBER_COLUMNS)
    if number and street and not street[:1].isdigit():
        street = f"{number} {street}"
    lat = _coordinate(_pick(row, _LAT_COLUMNS), -90, 90)
    lon = _coordinate(_pick(row, _LON_COLUMNS), -180, 180)
    if not street:
        parsed.errors.append(_("%(where)s: no street address.") % {"where": where})
        return
    if lat is None or lon is None:
        parsed.errors.append(_("%(where)s: the latitude or longitude is missing or not a "
                               "number on the globe.") % {"where": where})
        return
    try:
        normalized = normalize_street_address(street)
    except NormalizationError:
        parsed.errors.append(_("%(where)s: %(street)s is not a street address (a number, "
                               "then the street).") % {"where": where, "street": street[:60]})
        return
    postal = _pick(row, _ZIP_COLUMNS)[:5]
    parsed.points.append(ParsedPoint(normalized.street, postal, lat, lon))


def parse_address_file(data: bytes, filename: str) -> ParsedFile:
    """Rows of a CSV (a header with an address column, or number and street columns,
    and latitude/longitude) or a GeoJSON FeatureCollection of points with an address
    property. Every broken row is reported; none is guessed."""
    if len(data) > MAX_FILE_BYTES:
        raise AddressFileError(_("That file is larger than 20 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AddressFileError(_("That file is not UTF-8 text. Save it as CSV (UTF-8) or "
                                 "GeoJSON.")) from None
    parsed = ParsedFile()
    stripped = text.lstrip()
    if filename.lower().endswith((".geojson", ".json")) or stripped.startswith("{"):
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise AddressFileError(_("That file is not valid GeoJSON.")) from None
        features = document.get("features") if isinstance(document, dict) else None
        if not isinstance(features, list):
            raise AddressFileError(_("That GeoJSON has no list of features."))
        if len(features) > MAX_ROWS:
            raise AddressFileError(_("That file has more than 200,000 rows."))
        for index, feature in enumerate(features, start=1):
            where = _("Feature %(n)s") % {"n": index}
            geom = feature.get("geometry") if isinstance(feature, dict) else None
            coords = geom.get("coordinates") if isinstance(geom, dict) else None
            if not isinstance(geom, dict) or geom.get("type") != "Point" \
                    or not isinstance(coords, list) or len(coords) < 2:
                parsed.errors.append(_("%(where)s: not a point.") % {"where": where})
                continue
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                props = {}
            _parse_row({**props, "longitude": str(coords[0]), "latitude": str(coords[1])},
                       where, parsed)
        return parsed
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not any(h in header for h in _STREET_COLUMNS) or not any(h in header for h in _LAT_COLUMNS) \
            or not any(h in header for h in _LON_COLUMNS):
        raise AddressFileError(_("The first row must name the columns: an address (or "
                                 "number and street), latitude and longitude."))
    try:
        for index, row in enumerate(reader, start=2):
            if index > MAX_ROWS + 1:
                raise AddressFileError(_("That file has more than 200,000 rows."))
            if None in row or any(v is None for v in row.values()):
                parsed.errors.append(_("Row %(n)s: it does not have as many columns as the "
                                       "first row.") % {"n": index})
                continue
            _parse_row(row, _("Row %(n)s") % {"n": index}, parsed)
    except csv.Error:
        raise AddressFileError(_("That file is not a CSV file we can read.")) from None
    return parsed


def load_address_points(actor: Membership, data: bytes, filename: str) -> int:
    """Load (or update) address points from a file. A file with any broken row is
    refused as a whole, naming the rows: nothing is saved."""
    require(actor, "geo.manage")
    parsed = parse_address_file(data, filename)
    if parsed.errors:
        raise AddressFileError(
            _("%(count)s rows could not be read, so nothing was loaded. Fix them and "
              "load the file again.") % {"count": len(parsed.errors)},
            parsed.errors[:MAX_ERRORS_SHOWN])
    if not parsed.points:
        raise AddressFileError(_("That file has no address points."))
    org = actor.organization
    source = filename[-100:]
    with transaction.atomic():
        existing = {(p.street, p.postal_code): p for p in AddressPoint.objects.all()}
        new, changed = [], []
        for point in parsed.points:
            row = existing.get((point.street, point.postal_code))
            if row is None:
                row = AddressPoint(organization=org, street=point.street,
                                   postal_code=point.postal_code,
                                   fuzzy_key=fuzzy_key(point.street),
                                   latitude=point.latitude, longitude=point.longitude,
                                   source=source)
                existing[(point.street, point.postal_code)] = row
                new.append(row)
            elif row.pk is not None:
                row.latitude, row.longitude, row.source = point.latitude, point.longitude, source
                changed.append(row)
        AddressPoint.objects.bulk_create(new, batch_size=1000)
        AddressPoint.objects.bulk_update(changed, ["latitude", "longitude", "source"],
                                         batch_size=1000)
        audit.record("geo.addresses.loaded", by=actor,
                     data={"created": len(new), "updated": len(changed)})
    return len(new) + len(changed)


@dataclass
class GeocodeResult:
    exact: int = 0
    fuzzy: int = 0
    missing: int = 0


def geocode_households(actor: Membership, *, replace: bool = False) -> GeocodeResult:
    """Place buildings on the map from the loaded address points, offline: the same
    normalized street (and ZIP when both have one), else the same fuzzy key when that
    names one point. Coordinates typed by a person are never replaced; others only
    with ``replace``."""
    require(actor, "geo.manage")
    result = GeocodeResult()
    by_street: dict[str, list[AddressPoint]] = defaultdict(list)
    by_key: dict[str, list[AddressPoint]] = defaultdict(list)
    for point in AddressPoint.objects.all():
        by_street[point.street].append(point)
        by_key[point.fuzzy_key].append(point)
    with transaction.atomic():
        addresses = Address.objects.all() if replace else \
            Address.objects.filter(latitude__isnull=True)
        changed = []
        for address in addresses.exclude(geocode_source="manual"):
            found, how = _match(address, by_street, by_key)
            if found is None:
                result.missing += 1
                continue
            address.latitude, address.longitude = found.latitude, found.longitude
            address.geocode_source = how
            changed.append(address)
            if how == "points:exact":
                result.exact += 1
            else:
                result.fuzzy += 1
        Address.objects.bulk_update(changed, ["latitude", "longitude", "geocode_source"],
                                    batch_size=500)
        audit.record("geo.households.geocoded", by=actor,
                     data={"exact": result.exact, "fuzzy": result.fuzzy,
                           "missing": result.missing})
    return result


def locate_street(street: str) -> tuple[Decimal, Decimal] | None:
    """Where a typed street address is, from the organization's loaded address points
    (offline; call inside its scope): the same normalized street, else the same fuzzy
    key, when that names one place. None when the points do not say, or disagree."""
    try:
        normalized = normalize_street_address(street).street
    except NormalizationError:
        return None
    for candidates in (AddressPoint.objects.filter(street=normalized),
                       AddressPoint.objects.filter(fuzzy_key=fuzzy_key(normalized))):
        places = {(p.latitude, p.longitude) for p in candidates[:50]}
        if len(places) == 1:
            return places.pop()
        if places:
            return None  # the same street in two ZIP codes: a person must choose
    return None


def _match(address: Address, by_street: dict[str, list[AddressPoint]],
           by_key: dict[str, list[AddressPoint]]) -> tuple[AddressPoint | None, str]:
    for candidates, how in ((by_street.get(address.street, []), "points:exact"),
                            (by_key.get(fuzzy_key(address.street), []), "points:fuzzy")):
        if not candidates:
            continue
        same_zip = [p for p in candidates if address.postal_code and
                    p.postal_code == address.postal_code]
        pool = same_zip or [p for p in candidates if not p.postal_code or
                            not address.postal_code]
        if len(pool) == 1:
            return pool[0], how
        if len(pool) > 1 and len({(p.latitude, p.longitude) for p in pool}) == 1:
            return pool[0], how
    return None, ""


# --- turfs ---------------------------------------------------------------------------------


def parse_area(raw: str | dict[str, Any]) -> Any:
    """The polygon of a turf, or an InvalidInput naming what is wrong with it."""
    try:
        return geo.parse_polygon(raw)
    except geo.InvalidShape as error:
        messages = {
            "self_intersects": _("The outline crosses itself. Redraw it so its edges do "
                                 "not cross."),
            "too_few_points": _("Draw an area with at least three corners."),
            "out_of_range": _("That area is not on the map."),
            "too_many_points": _("That area has too many corners (5,000 at most)."),
        }
        raise InvalidInput("geometry", messages.get(
            error.reason, _("Draw the turf on the map."))) from None


def households_in(shape: Any, base: Base | None = None) -> QuerySet[Household]:
    """Households of buildings placed inside the shape (or on its edge)."""
    min_lon, min_lat, max_lon, max_lat = shape.bounds
    pad = Decimal("0.000001")
    qs = Household.objects.filter(
        address__latitude__gte=Decimal(str(min_lat)) - pad,
        address__latitude__lte=Decimal(str(max_lat)) + pad,
        address__longitude__gte=Decimal(str(min_lon)) - pad,
        address__longitude__lte=Decimal(str(max_lon)) + pad).select_related("address")
    if base is not None:
        qs = qs.filter(address__base=base)
    ids = [h.pk for h in qs if geo.contains(shape, float(h.address.latitude),
                                            float(h.address.longitude))]
    return Household.objects.filter(pk__in=ids)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", _("A turf needs a name."))
    if len(name) > 100:
        raise InvalidInput("name", _("That name is too long (100 characters at most)."))
    return name


def _check_assignees(actor: Membership, assignees: list[Membership]) -> None:
    for member in assignees:
        if member.organization_id != actor.organization_id:
            raise InvalidInput("assigned_to", _("Choose members of this organization."))


def create_turf(actor: Membership, *, name: str, geometry: str | dict[str, Any],
                base: Base | None = None, assigned_to: list[Membership] | None = None) -> Turf:
    require(actor, "geo.manage")
    name = _clean_name(name)
    shape = parse_area(geometry)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    _check_assignees(actor, assigned_to or [])
    with transaction.atomic():
        turf = Turf.objects.create(
            organization=actor.organization, name=name, base=base,
            geometry=geo.to_geojson(shape), door_count=households_in(shape).count(),
            created_by=actor.user)
        turf.assigned_to.set(assigned_to or [])
        audit.record("geo.turf.created", by=actor,
                     obj=turf, data={"doors": turf.door_count})
    return turf


def update_turf(actor: Membership, turf: Turf, *, name: str, geometry: str | dict[str, Any],
                base: Base | None = None, assigned_to: list[Membership] | None = None) -> Turf:
    require(actor, "geo.manage")
    name = _clean_name(name)
    shape = parse_area(geometry)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    _check_assignees(actor, assigned_to or [])
    with transaction.atomic():
        turf.name, turf.base = name, base
        turf.geometry = geo.to_geojson(shape)
        turf.door_count = households_in(shape).count()
        turf.save(update_fields=["name", "base", "geometry", "door_count"])
        turf.assigned_to.set(assigned_to or [])
        audit.record("geo.turf.updated", by=actor,
                     obj=turf, data={"doors": turf.door_count,
                                     "assigned": sorted(m.pk for m in assigned_to or [])})
    return turf


def archive_turf(actor: Membership, turf: Turf) -> Turf:
    require(actor, "geo.manage")
    with transaction.atomic():
        if turf.archived_at is None:
            turf.archived_at = timezone.now()
            turf.save(update_fields=["archived_at"])
            audit.record("geo.turf.archived", by=actor, obj=turf)
    return turf


def cut_turfs(actor: Membership, *, parts: int, name: str, base: Base | None = None,
              geometry: str | dict[str, Any] | None = None,
              cross_gaps: bool = False) -> list[Turf]:
    """Cut the doors of a base (or of a drawn area) into ``parts`` turfs with balanced
    door counts, compact, keeping block faces whole where possible. Unless
    ``cross_gaps``, no turf spans two neighbourhoods apart across a park, a highway or a
    rail line (turfcut.clusters). The turfs are the areas closest to their doors
    (Voronoi cells merged per turf), clipped to the area, so they never overlap and
    every door is in exactly one."""
    require(actor, "geo.manage")
    if not isinstance(parts, int) or not 1 <= parts <= MAX_TURFS:
        raise InvalidInput("parts", _("Choose between 1 and 200 turfs."))
    name = _clean_name(name)
    if base is not None and base.organization_id != actor.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    area = parse_area(geometry) if geometry else None
    if area is None and base is None:
        raise InvalidInput("geometry", _("Choose a base or draw the area to cut."))
    if area is not None:
        households = list(households_in(area, base).select_related("address"))
    else:
        households = list(Household.objects.filter(
            address__base=base, address__latitude__isnull=False).select_related("address"))
    # One point per building (its households are one stop).
    buildings: dict[int, Address] = {}
    doors_per_building: Counter[int] = Counter()
    for household in households:
        buildings[household.address_id] = household.address
        doors_per_building[household.address_id] += 1
    if len(buildings) < parts:
        raise InvalidInput("parts", _("There are only %(count)s placed buildings there: "
                                     "choose fewer turfs.") % {"count": len(buildings)})
    addresses = list(buildings.values())
    latlons = [(float(a.latitude), float(a.longitude)) for a in addresses]  # type: ignore
    xy = routing.project(latlons)
    doors: list[turfcut.Door] = []
    owners: list[int] = []
    for index, address in enumerate(addresses):
        face = turfcut.block_face(address.street)
        for _n in range(doors_per_building[address.pk]):
            doors.append(turfcut.Door(xy[index][0], xy[index][1], face[0] if face else None))
            owners.append(index)
    labels = turfcut.cut(doors, parts, cross_gaps=bool(cross_gaps))
    building_label: dict[int, int] = {}
    for door_label, owner in zip(labels, owners, strict=True):
        building_label.setdefault(owner, door_label)
    shapes = _cells(latlons, [building_label[i] for i in range(len(addresses))], parts, area)
    with transaction.atomic():
        turfs = []
        for index, shape in enumerate(shapes, start=1):
            turf = Turf.objects.create(
                organization=actor.organization, name=f"{name} {index}"[:100], base=base,
                geometry=geo.to_geojson(shape), door_count=households_in(shape, base).count(),
                created_by=actor.user)
            turfs.append(turf)
        audit.record("geo.turfs.cut", by=actor,
                     data={"turfs": [t.pk for t in turfs], "base": base.pk if base else None,
                           "doors": len(doors), "cross_gaps": bool(cross_gaps)})
    return turfs


def _cells(latlons: list[tuple[float, float]], labels: list[int], parts: int,
           area: Any) -> list[Any]:
    points = MultiPoint([(lon, lat) for lat, lon in latlons])
    lats = [lat for lat, _ in latlons]
    lons = [lon for _, lon in latlons]
    pad = 0.0004  # about 40 m around the outermost doors
    bounds = area if area is not None else \
        box(min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
    if area is None:
        bounds = points.convex_hull.buffer(pad, join_style="mitre")
        if not isinstance(bounds, Polygon):
            bounds = box(min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
    # Buildings sharing a point (units) share a cell: one label per distinct point.
    by_point: dict[tuple[float, float], int] = {}
    for (lat, lon), label in zip(latlons, labels, strict=True):
        by_point.setdefault((lon, lat), label)
    distinct = MultiPoint(list(by_point))
    cells = voronoi_polygons(distinct, extend_to=bounds.buffer(0.01), ordered=True)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for point, cell in zip(by_point, cells.geoms, strict=True):
        grouped[by_point[point]].append(cell)
    result = []
    for label in range(parts):
        shape = unary_union(grouped[label]).intersection(bounds)
        shape = shape.simplify(0.000005, preserve_topology=True)
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            shape = unary_union([g for g in getattr(shape, "geoms", [shape])
                                 if g.geom_type in ("Polygon", "MultiPolygon")])
        result.append(shape)
    return result


def assignable_members() -> QuerySet[Membership]:
    return Membership.objects.filter(role__in=[Role.CANVASSER, Role.ORGANIZER, Role.ADMIN]) \
        .select_related("user").order_by("user__name", "user__email")
