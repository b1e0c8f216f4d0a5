"""Property tests of alert targeting (rapidresponse/targeting.py): nearest first,
nobody outside the target, drills and zones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from groundswell.geo.geometry import distance_m
from groundswell.rapidresponse import targeting
from groundswell.rapidresponse.targeting import Candidate

LAT, LON = 39.99, -75.13
points = st.lists(st.tuples(st.floats(min_value=-0.02, max_value=0.02),
                            st.floats(min_value=-0.02, max_value=0.02)), max_size=60)


def candidates(offsets):
    return [Candidate(i + 1, LAT + dlat, LON + dlon) for i, (dlat, dlon) in enumerate(offsets)]


@given(points, st.integers(min_value=50, max_value=3000))
@settings(max_examples=200, deadline=None)
def test_radius_is_nearest_first_and_nobody_outside(offsets, radius):
    people = candidates(offsets)
    ranked = targeting.in_radius(people, LAT, LON, radius)
    distances = [r.distance_m for r in ranked]
    assert distances == sorted(distances)
    chosen = {r.id for r in ranked}
    for c in people:
        inside = distance_m(LAT, LON, c.lat, c.lon) <= radius
        assert (c.id in chosen) == inside


@given(points)
@settings(max_examples=150, deadline=None)
def test_zone_takes_exactly_those_inside(offsets):
    square = Polygon([(LON - 0.01, LAT - 0.01), (LON + 0.01, LAT - 0.01),
                      (LON + 0.01, LAT + 0.01), (LON - 0.01, LAT + 0.01)])
    people = candidates(offsets)
    ranked = targeting.in_shape(people, square, LAT, LON)
    chosen = {r.id for r in ranked}
    for c, (dlat, dlon) in zip(people, offsets, strict=True):
        if min(abs(abs(dlat) - 0.01), abs(abs(dlon) - 0.01)) < 1e-9:
            continue  # on the edge, where float rounding decides (edges count as inside)
        inside = abs(dlat) <= 0.01 and abs(dlon) <= 0.01
        assert (c.id in chosen) == inside
    distances = [r.distance_m for r in ranked]
    assert distances == sorted(distances)


@given(points, st.integers(min_value=0, max_value=10))
def test_nearest_takes_the_closest(offsets, count):
    people = candidates(offsets)
    ranked = targeting.nearest(people, LAT, LON, count)
    assert len(ranked) == min(count, len(people))
    if ranked:
        worst = max(r.distance_m for r in ranked)
        others = {c.id for c in people} - {r.id for r in ranked}
        for c in people:
            if c.id in others:
                assert distance_m(LAT, LON, c.lat, c.lon) >= worst - 1


@given(st.integers(min_value=0, max_value=10**6))
def test_fallback_point_is_deterministic_and_near(seed):
    a = targeting.fallback_point(seed, LAT, LON)
    assert a == targeting.fallback_point(seed, LAT, LON)
    assert distance_m(LAT, LON, *a) <= 650


@given(points, st.integers(min_value=50, max_value=3000),
       st.lists(st.integers(min_value=50, max_value=3000), min_size=60, max_size=60))
@settings(max_examples=100, deadline=None)
def test_radius_respects_each_subscribers_own_radius(offsets, radius, own):
    people = [Candidate(i + 1, LAT + dlat, LON + dlon, own[i])
              for i, (dlat, dlon) in enumerate(offsets)]
    chosen = {r.id for r in targeting.in_radius(people, LAT, LON, radius)}
    for c in people:
        d = distance_m(LAT, LON, c.lat, c.lon)
        assert (c.id in chosen) == (d <= radius and d <= c.radius_m)


# --- block-level home points ---------------------------------------------------------------

coordinates = st.tuples(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9))


@given(coordinates)
def test_a_block_point_is_its_cells_centre_and_never_far(point):
    lat, lon = point
    cell = targeting.block_point(lat, lon)
    # The same cell for every point in it (storing it again changes nothing) ...
    assert targeting.block_point(*cell) == cell
    # ... within half a cell of the real point on each axis (about 28 m north-south).
    half = targeting.BLOCK_DEGREES / 2 + 1e-6
    assert abs(cell[0] - lat) <= half and abs(cell[1] - lon) <= half


@given(coordinates, st.floats(0, 0.999999), st.floats(0, 0.999999))
def test_every_point_of_a_cell_gives_the_same_block_point(point, a, b):
    cell = targeting.block_point(*point)
    half = targeting.BLOCK_DEGREES / 2
    # Strictly inside (a point on a grid line, to the last bit, may fall either way).
    inside = (cell[0] + (2 * a - 1) * half * 0.99, cell[1] + (2 * b - 1) * half * 0.99)
    assert targeting.block_point(*inside) == cell
