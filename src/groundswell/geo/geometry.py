"""Shapes on the map: polygons drawn by organizers (turfs, alert zones) and distances
between points. Pure: no Django import, so turf cutting, routing and alert targeting
can be tested and benchmarked on their own.

Coordinates are WGS 84 degrees. GeoJSON writes positions as ``[longitude, latitude]``;
every function here that takes separate numbers takes ``(lat, lon)`` in that order,
as people say them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from shapely import Polygon
from shapely.geometry import MultiPolygon, Point, shape
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8
MAX_VERTICES = 5_000


class InvalidShape(ValueError):
    """A drawn or uploaded shape that cannot be used; the message says why, in words
    an organizer can act on (the caller translates the reason code)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "not_json", "not_polygon", "too_few_points",
        # "self_intersects", "out_of_range", "too_many_points"
        self.detail = detail


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): exact enough for blocks and
    neighborhoods, and cheap enough to sort thousands of subscribers."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def parse_polygon(value: str | dict[str, Any]) -> Polygon | MultiPolygon:
    """A polygon from GeoJSON (a geometry, a Feature, or its JSON text), refused with
    an :class:`InvalidShape` when it is not one organizers could have meant: not a
    polygon, fewer than three corners, coordinates off the globe, or edges that cross
    (a bow tie, which has no clear inside)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError) as error:
            raise InvalidShape("not_json", str(error)) from None
    if not isinstance(value, dict):
        raise InvalidShape("not_polygon")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidShape("not_polygon")
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise InvalidShape("too_few_points")
    try:
        geometry = shape(value)
    except (ValueError, TypeError, IndexError, AttributeError) as error:
        raise InvalidShape("too_few_points", str(error)) from None
    if geometry.is_empty:
        raise InvalidShape("too_few_points")
    if len(geometry.exterior.coords if isinstance(geometry, Polygon)
           else [c for g in geometry.geoms for c in g.exterior.coords]) > MAX_VERTICES:
        raise InvalidShape("too_many_points")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not all(math.isfinite(v) for v in geometry.bounds) or min_lat < -90 or max_lat > 90 \
            or min_lon < -180 or max_lon > 180:
        raise InvalidShape("out_of_range")
    if not geometry.is_valid:
        raise InvalidShape("self_intersects", explain_validity(geometry))
    if geometry.area == 0:
        raise InvalidShape("too_few_points")
    return geometry


def to_geojson(geometry: Polygon | MultiPolygon) -> dict[str, Any]:
    """The GeoJSON geometry of a shape, for storing and for the map."""
    return json.loads(json.dumps(geometry.__geo_interface__))


def contains(geometry: Polygon | MultiPolygon, lat: float, lon: float) -> bool:
    """Whether the point is inside the shape or on its edge (a house on the line
    between two zones belongs to both)."""
    return geometry.covers(Point(lon, lat))
