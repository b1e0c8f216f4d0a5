"""Walking order (geo/routing.py): property tests on random doors, and the shape of
the order on a street."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.geo import neighbours, routing

coords = st.floats(min_value=0, max_value=2000, allow_nan=False, allow_infinity=False)
points = st.lists(st.tuples(coords, coords), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(points)
def test_solve_returns_every_door_exactly_once(pts):
    order = routing.solve(pts, max_kicks=20)
    assert sorted(order) == list(range(len(pts)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=5, max_size=60))
def test_solve_is_never_longer_than_nearest_neighbour(pts):
    order = routing.solve(pts, max_kicks=20)
    nn = routing.nearest_neighbour(pts)
    assert routing.tour_length(pts, order) <= routing.tour_length(pts, nn) + 1e-6


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=5, max_size=40), st.integers(0, 5))
def test_solve_is_deterministic_for_a_seed_and_kick_count(pts, seed):
    assert routing.solve(pts, max_kicks=10, seed=seed) == \
        routing.solve(pts, max_kicks=10, seed=seed)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=2, max_size=80), st.integers(0, 79),
       st.booleans())
def test_a_tour_measures_the_same_from_any_door_either_way_round(pts, shift, backwards):
    order = list(range(len(pts)))
    shift %= len(pts)
    other = order[shift:] + order[:shift]
    if backwards:
        other.reverse()
    # Exactly equal, not approximately: the same tour found by two routers is a tie.
    assert routing.tour_length(pts, other) == routing.tour_length(pts, order)


def test_points_on_a_circle_are_walked_around_it():
    n = 40
    pts = [(100 * math.cos(2 * math.pi * i / n), 100 * math.sin(2 * math.pi * i / n))
           for i in range(n)]
    order = routing.solve(pts, max_kicks=50)
    perimeter = n * math.dist(pts[0], pts[1])
    assert routing.tour_length(pts, order) == pytest_approx(perimeter)


def pytest_approx(value: float):
    import pytest

    return pytest.approx(value, rel=1e-6)


def test_tiny_inputs():
    assert routing.solve([]) == []
    assert routing.solve([(0, 0)]) == [0]
    assert sorted(routing.solve([(0, 0), (1, 1), (2, 0)])) == [0, 1, 2]
    assert routing.walk_order([]) == []


def test_walk_order_keeps_each_block_face_together_in_number_order():
    doors = []
    key = 0
    # Two faces of one street (odd and even sides), doors 5 m apart, shuffled.
    for side, offset in ((1, 0.00005), (0, -0.00005)):
        for i in range(10):
            number = 2401 + 2 * i if side else 2400 + 2 * i
            doors.append(routing.Door(key=key, lat=39.983 + i * 0.000045,
                                      lon=-75.133 + offset, face=("N FRONT ST", 24, side),
                                      number=number))
            key += 1
    doors.reverse()
    order = routing.walk_order(doors)
    assert sorted(order) == list(range(20))
    by_key = {d.key: d for d in doors}
    faces = [by_key[k].face for k in order]
    # Each face appears as one run.
    runs = [faces[0]] + [f for prev, f in zip(faces, faces[1:], strict=False) if f != prev]
    assert len(runs) == 2
    for face in set(faces):
        numbers = [by_key[k].number for k in order if by_key[k].face == face]
        assert numbers in (sorted(numbers), sorted(numbers, reverse=True))


def test_project_keeps_distances_close_to_haversine():
    from groundswell.geo.geometry import distance_m

    a, b = (39.983, -75.133), (39.990, -75.125)
    (x1, y1), (x2, y2) = routing.project([a, b])
    assert math.dist((x1, y1), (x2, y2)) == pytest_approx_rel(distance_m(*a, *b), 0.002)


def pytest_approx_rel(value: float, rel: float):
    import pytest

    return pytest.approx(value, rel=rel)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=4, max_size=80), st.randoms())
def test_local_search_keeps_a_tour_its_length_and_never_lengthens_it(pts, rnd):
    """Every move (2-opt, Or-opt, segment insertion, chained exchanges) keeps a
    permutation with a true position index, and the length it tracks is the real one."""
    import numpy as np

    xy = np.asarray(pts, dtype=float)
    near, near_d = neighbours.neighbour_lists(xy, routing.NEIGHBOURS)
    order = list(range(len(pts)))
    rnd.shuffle(order)
    start = routing.tour_length(pts, order)

    def dist(a: int, b: int) -> float:
        return math.dist(pts[a], pts[b])

    tour = routing._Tour(list(order), near, near_d, dist)
    tour.local_search(list(range(len(pts))))
    assert sorted(tour.t) == list(range(len(pts)))
    assert all(tour.t[tour.pos[v]] == v for v in range(len(pts)))
    assert tour.length == pytest_approx_abs(routing.tour_length(pts, tour.t))
    assert tour.length <= start + 1e-6


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=4, max_size=60), st.randoms())
def test_a_journal_undoes_every_change(pts, rnd):
    import numpy as np

    xy = np.asarray(pts, dtype=float)
    near, near_d = neighbours.neighbour_lists(xy, routing.NEIGHBOURS)
    order = list(range(len(pts)))
    rnd.shuffle(order)
    tour = routing._Tour(list(order), near, near_d, lambda a, b: math.dist(pts[a], pts[b]))
    tour.journal = []
    tour.swap(1, 1, min(2, len(pts) - 3))
    tour.local_search(list(range(len(pts))))
    tour.undo(0)
    assert tour.t == order
    assert all(tour.t[tour.pos[v]] == v for v in range(len(pts)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), min_size=405,
                max_size=700))
def test_bucketed_neighbour_lists_are_the_nearest(pts):
    """The bucket grid finds the same k nearest distances as comparing every pair, also
    on clustered and collinear points (ties may come in another order)."""
    import numpy as np

    xy = np.asarray(pts, dtype=float)
    _near, near_d = neighbours.neighbour_lists(xy, 8)
    _all, all_d = neighbours.brute_neighbours(xy, np.arange(len(pts)), 8)
    assert np.allclose(np.asarray(near_d), np.asarray(all_d))


def test_a_street_grid_route_comes_close_to_the_lower_bound():
    """Two sides of three streets, 40 doors 5 m apart on each: the route is within 2 %
    of walking every side end to end (6 × 195 m) plus the crossings and the way back
    (12 + 48 + 12 + 48 + 12 + 120 m): 1,422 m."""
    pts = [(5.0 * k, y) for y in (-6.0, 6.0, 54.0, 66.0, 114.0, 126.0) for k in range(40)]
    order = routing.solve(pts, max_kicks=50)
    assert sorted(order) == list(range(len(pts)))
    assert routing.tour_length(pts, order) <= 1.02 * (6 * 195 + 12 + 48 + 12 + 48 + 12 + 120)


def pytest_approx_abs(value: float):
    import pytest

    return pytest.approx(value, abs=1e-6)


# --- open walks from a chosen start ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=1, max_size=60), st.data())
def test_an_open_walk_visits_each_door_once_and_starts_at_the_start(pts, data):
    start = data.draw(st.integers(0, len(pts) - 1))
    order = routing.solve(pts, start=start, max_kicks=20)
    assert sorted(order) == list(range(len(pts)))
    assert order[0] == start


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=4, max_size=60), st.data())
def test_an_open_walk_is_never_longer_than_nearest_neighbour_from_the_start(pts, data):
    start = data.draw(st.integers(0, len(pts) - 1))
    order = routing.solve(pts, start=start, max_kicks=20)
    nn = routing.nearest_neighbour(pts, start)
    assert routing.tour_length(pts, order, closed=False) <= \
        routing.tour_length(pts, nn, closed=False) + 1e-6


def test_an_open_walk_on_a_street_goes_straight_to_the_far_end():
    """Doors 10 m apart along one street, starting at the fourth: the shortest walk
    takes the three behind first and then the rest (30 + 30 + 180 m... or the other way
    round, whichever is shorter): never back and forth."""
    pts = [(10.0 * k, 0.0) for k in range(20)]
    order = routing.solve(pts, start=3, max_kicks=30)
    assert order[0] == 3
    assert routing.tour_length(pts, order, closed=False) == pytest_approx(30 + 190)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 899))
def test_an_open_walk_of_many_doors_starts_at_the_start(seed, start):
    """Past 800 doors distances are computed, not looked up: the dummy end still
    costs nothing from the start only."""
    import random

    rnd = random.Random(seed)
    pts = [(rnd.uniform(0, 2000), rnd.uniform(0, 2000)) for _ in range(900)]
    order = routing.solve(pts, start=start, max_kicks=5)
    assert sorted(order) == list(range(900))
    assert order[0] == start


def test_a_start_outside_the_doors_is_refused():
    import pytest

    with pytest.raises(ValueError):
        routing.solve([(0, 0), (1, 1)], start=2)


def test_walk_order_from_a_start_point_begins_at_the_nearest_end():
    """Ten doors along a street without faces; starting next to the east end, the walk
    begins there and goes west."""
    doors = [routing.Door(key=k, lat=39.98, lon=-75.13 + 0.0001 * k) for k in range(10)]
    order = routing.walk_order(doors, start=(39.98, -75.13 + 0.0001 * 9 + 0.00005))
    assert order == list(range(9, -1, -1))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=5, max_size=80), st.randoms())
def test_gap_crossing_candidates_include_the_delaunay_edges(pts, rnd):
    """Candidate lists stay sorted by distance and hold every Delaunay neighbour, so
    the search can change where a tour crosses between two clusters."""
    import numpy as np

    xy = np.asarray(pts, dtype=float)
    near, near_d = neighbours.candidates(xy, 4)
    for ds in near_d:
        assert ds == sorted(ds)
    for a, b in neighbours.delaunay_pairs(xy).tolist():
        assert b in near[a] and a in near[b]


def test_two_clusters_are_crossed_at_their_closest_doors():
    """Two rows of doors 400 m apart, ends offset: the best tour crosses near where the
    rows are closest, which needs the long candidate edges."""
    left = [(5.0 * k, 0.0) for k in range(40)]
    right = [(5.0 * k + 600, 12.0 * (k % 2)) for k in range(40)]
    pts = left + right
    order = routing.solve(pts, max_kicks=100)
    # Each row walked out and back along itself, joined by two crossings of ~405 m.
    assert routing.tour_length(pts, order) < 2 * 195 + 2 * 195 + 2 * 420
