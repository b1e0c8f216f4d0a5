"""Who gets an alert, and in what order (pure: no Django import).

At real carrier rates a broadcast to thousands takes minutes, so the order matters:
the families closest to the sighting hear first. Recipients are the subscribers
inside the target (a zone polygon, or a circle around the report), sorted by their
distance to the sighting; ties keep a stable order by id. Responders asked to verify
are the nearest available ones, the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from shapely import Point, prepared
from shapely.geometry.base import BaseGeometry

from groundswell.geo.geometry import EARTH_RADIUS_M, distance_m


class Candidate(NamedTuple):
    id: int
    lat: float | None
    lon: float | None
    # The subscriber's own radius around home: a radius alert reaches them only if the
    # sighting is within it too (None: no limit of their own).
    radius_m: float | None = None


class Ranked(NamedTuple):
    # Named tuples, not dataclasses: 10,000 of each are made while the dispatcher waits.
    id: int
    distance_m: int | None


def _distance(c: Candidate, lat: float | None, lon: float | None) -> float | None:
    if c.lat is None or c.lon is None or lat is None or lon is None:
        return None
    return distance_m(lat, lon, c.lat, c.lon)


def _order(items: list[tuple[float | None, int]]) -> list[Ranked]:
    # Unknown distances last, then by id so the order is the same every time. (Plain
    # (distance, id) tuples sort without a key function, which was most of the time for
    # 10,000 subscribers.)
    known = [item for item in items if item[0] is not None]
    known.sort()
    unknown = sorted(i for d, i in items if d is None)
    return ([Ranked(i, int(round(d))) for d, i in known]  # type: ignore[arg-type]
            + [Ranked(i, None) for i in unknown])


def in_radius(candidates: Iterable[Candidate], lat: float, lon: float,
              radius_m: float) -> list[Ranked]:
    """Subscribers within ``radius_m`` of the point (and the point within their own
    radius), nearest first."""
    if not (math.isfinite(lat) and math.isfinite(lon) and radius_m > 0):
        return []
    # distance_m (haversine) written out with the sighting's terms computed once: the
    # same operations in the same order, so the same distances to the last bit, for
    # 10,000 subscribers while the dispatcher waits.
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    phi1 = radians(lat)
    cos1 = cos(phi1)
    diameter = 2 * EARTH_RADIUS_M
    chosen: list[tuple[float | None, int]] = []
    for c in candidates:
        if c.lat is None or c.lon is None:
            continue
        phi2 = radians(c.lat)
        dphi, dlam = phi2 - phi1, radians(c.lon - lon)
        a = sin(dphi / 2) ** 2 + cos1 * cos(phi2) * sin(dlam / 2) ** 2
        d = diameter * asin(min(1.0, sqrt(a)))
        if d <= radius_m and (c.radius_m is None or d <= c.radius_m):
            chosen.append((d, c.id))
    return _order(chosen)


def in_shape(candidates: Iterable[Candidate], shape: BaseGeometry,
             lat: float | None = None, lon: float | None = None) -> list[Ranked]:
    """Subscribers inside (or on the edge of) the shape, nearest to the point first;
    without a point, nearest to the shape's centre."""
    if lat is None or lon is None:
        centre = shape.representative_point() if shape.is_empty is False else None
        if centre is None:
            return []
        lat, lon = centre.y, centre.x
    fast = prepared.prep(shape)
    chosen: list[tuple[float | None, int]] = []
    for c in candidates:
        if c.lat is None or c.lon is None:
            continue
        if fast.covers(Point(c.lon, c.lat)):
            chosen.append((_distance(c, lat, lon), c.id))
    return _order(chosen)


def nearest(candidates: Iterable[Candidate], lat: float | None, lon: float | None,
            count: int) -> list[Ranked]:
    """The ``count`` nearest candidates to the point (those without a location come
    last, so a report without a pin still reaches someone)."""
    if count <= 0:
        return []
    return _order([(_distance(c, lat, lon), c.id) for c in candidates])[:count]


#: A subscriber's home is kept as the centre of a cell of this many degrees (about 55 m
#: north-south and 43 m east-west at Philadelphia's latitude): enough for zones and
#: radii of hundreds of metres and for nearest-first order, not enough to find a door.
BLOCK_DEGREES = 0.0005


def block_point(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the block-level cell holding (lat, lon); the same for every point
    of the cell, so a stored point tells no more than the cell."""
    def snap(value: float) -> float:
        return round((math.floor(value / BLOCK_DEGREES) + 0.5) * BLOCK_DEGREES, 6)

    return snap(lat), snap(lon)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of nothing")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def fallback_point(seed: int, centre_lat: float, centre_lon: float,
                   spread_m: float = 600.0) -> tuple[float, float]:
    """A deterministic point near the centre for a subscriber whose address has no
    map point yet (the demo before geocoding): the same seed always lands in the same
    place, spread evenly on a disc (golden-angle spiral)."""
    golden = math.pi * (3 - math.sqrt(5))
    r = spread_m * math.sqrt(((seed * 7919) % 1000 + 0.5) / 1000)
    theta = seed * golden
    dlat = (r * math.cos(theta)) / 111_320.0
    dlon = (r * math.sin(theta)) / (111_320.0 * max(0.01, math.cos(math.radians(centre_lat))))
    return centre_lat + dlat, centre_lon + dlon
