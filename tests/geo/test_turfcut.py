"""Turf cutting (geo/turfcut.py): balanced, every door placed, faces kept whole."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from groundswell.geo import chains, turfcut


def grid(blocks_x: int, blocks_y: int, per_side: int = 20) -> list[turfcut.Door]:
    doors = []
    for i in range(blocks_x):
        for j in range(blocks_y):
            for side in (0, 1):
                for k in range(per_side):
                    doors.append(turfcut.Door(i * 110 + 5 * k, j * 80 + (6 if side else -6),
                                              ("h", i, j, side)))
    return doors


def test_block_face_of_a_street_address():
    assert turfcut.block_face("2417 N FRONT ST") == (("N FRONT ST", 24, 1), 2417)
    assert turfcut.block_face("100 E SOMERSET ST") == (("E SOMERSET ST", 1, 0), 100)
    assert turfcut.block_face("N FRONT ST") is None


def test_a_grid_is_cut_into_balanced_turfs_without_splitting_faces():
    doors = grid(8, 6)
    labels = turfcut.cut(doors, 12)
    sizes = turfcut.sizes_of(labels, 12)
    assert min(sizes) > 0
    assert max(sizes) / min(sizes) <= 1.10
    faces = defaultdict(set)
    for door, label in zip(doors, labels, strict=True):
        faces[door.face].add(label)
    assert all(len(parts) == 1 for parts in faces.values())


coords = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coords, coords, st.integers(0, 15) | st.none()), min_size=1,
                max_size=120), st.integers(1, 12))
def test_every_door_gets_a_turf_and_every_turf_a_door(rows, parts):
    doors = [turfcut.Door(x, y, face) for x, y, face in rows]
    labels = turfcut.cut(doors, parts)
    expected = min(parts, len(doors))
    assert len(labels) == len(doors)
    assert set(labels) == set(range(expected))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=40, max_size=200), st.integers(2, 8))
def test_single_doors_are_balanced_within_tolerance(points, parts):
    # Allowed across gaps: kept inside clusters, balance is only as close as the
    # clusters' sizes allow (35 doors at one spot and 5 a field away, into 4 turfs).
    doors = [turfcut.Door(x, y) for x, y in points]
    labels = turfcut.cut(doors, parts, cross_gaps=True)
    sizes = turfcut.sizes_of(labels, parts)
    assert max(sizes) <= 1.08 * min(sizes) + 1


def _runs_by_brute_force(sizes, steps, parts, low, high):
    """Every way to cut the sequence into ``parts`` runs, the cheapest one."""
    from itertools import combinations

    best = None
    for cuts in combinations(range(1, len(sizes)), parts - 1):
        bounds = [0, *cuts, len(sizes)]
        runs = list(zip(bounds, bounds[1:], strict=False))
        if all(low <= sum(sizes[a:b]) <= high for a, b in runs):
            cost = sum(sum(steps[a:b - 1]) for a, b in runs)
            if best is None or cost < best - 1e-9:
                best = cost
    return best


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=11), st.data())
def test_runs_are_the_cheapest_balanced_cut(sizes, data):
    """The dynamic programme finds the cheapest cut into runs of low..high doors (the
    steps inside runs summed), the same as trying every cut; None when there is none."""
    steps = data.draw(st.lists(st.floats(0, 100), min_size=len(sizes) - 1,
                               max_size=len(sizes) - 1))
    parts = data.draw(st.integers(1, len(sizes)))
    low = data.draw(st.integers(1, 12))
    high = low + data.draw(st.integers(0, 6))
    found = chains.runs(sizes, steps, parts, low, high)
    expected = _runs_by_brute_force(sizes, steps, parts, low, high)
    if expected is None:
        assert found is None
        return
    assert found is not None
    cost, starts = found
    assert cost == pytest.approx(expected, abs=1e-6)
    bounds = [*starts, len(sizes)]
    assert bounds[0] == 0 and len(starts) == parts
    assert all(low <= sum(sizes[a:b]) <= high for a, b in zip(bounds, bounds[1:], strict=False))


def test_turfs_follow_the_streets_both_sides():
    """Four long streets, doors on both sides (faces of 20 doors, 100 m), cut into 8:
    each turf holds whole faces of one street, and its faces come in pairs across the
    street (or its last face is alone), so a canvasser walks one side out and the
    other back instead of zig-zagging between streets."""
    doors = []
    for street in range(4):
        for block in range(6):
            for side in (-6.0, 6.0):
                for k in range(20):
                    doors.append(turfcut.Door(block * 100 + 2.5 + 5 * k, street * 60 + side,
                                              (block, street, side)))
    labels = turfcut.cut(doors, 8)
    sizes = turfcut.sizes_of(labels, 8)
    assert max(sizes) <= 1.08 * min(sizes) + 1
    for turf in range(8):
        streets = {round(d.y / 60) for d, label in zip(doors, labels, strict=True)
                   if label == turf}
        assert len(streets) == 1
    faces = defaultdict(set)
    for door, label in zip(doors, labels, strict=True):
        faces[door.face].add(label)
    assert all(len(parts) == 1 for parts in faces.values())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(coords, coords, coords, coords), min_size=2, max_size=30),
       st.randoms())
def test_reordering_the_chain_keeps_every_stretch_once_and_never_lengthens_it(segs, rnd):
    import numpy as np

    ends = np.array([p for x1, y1, x2, y2 in segs for p in ((x1, y1), (x2, y2))])
    walk = [2 * k + rnd.randint(0, 1) for k in range(len(segs))]
    rnd.shuffle(walk)
    better = chains.reinsert(list(walk), ends)
    assert sorted(e // 2 for e in better) == list(range(len(segs)))
    assert chains.walk_length(better, ends) <= chains.walk_length(walk, ends) + 1e-6
    order, steps = chains.chain([chains.Stretch([k], ((x1, y1), (x2, y2)), 1)
                                   for k, (x1, y1, x2, y2) in enumerate(segs)])
    assert sorted(order) == list(range(len(segs)))
    assert len(steps) == len(segs) - 1


# --- gaps: parks, highways and rail lines between neighbourhoods -----------------------------


def neighbourhood(x0: float, y0: float, cols: int, rows: int, tag: int,
                  keep: float = 1.0, seed: int = 0) -> list[turfcut.Door]:
    """Blocks of 100 m × 60 m with streets both ways, doors 5 m apart on both sides of
    every face (a share ``keep`` of the lots)."""
    import random

    rnd = random.Random(seed)
    doors = []
    for i in range(cols):
        for j in range(rows):
            x, y = x0 + 100 * i, y0 + 60 * j
            for side in (-6.0, 6.0):
                doors += [turfcut.Door(x + 2.5 + 5 * k, y + side, (tag, i, j, "ew", side))
                          for k in range(20) if rnd.random() < keep]
                doors += [turfcut.Door(x + side, y + 2.5 + 5 * k, (tag, i, j, "ns", side))
                          for k in range(12) if rnd.random() < keep]
    return doors


@st.composite
def separated_neighbourhoods(draw):
    """Two or three neighbourhoods side by side, a park or highway (80–400 m) apart."""
    count = draw(st.integers(2, 3))
    doors: list[turfcut.Door] = []
    hood: list[int] = []
    x = 0.0
    for k in range(count):
        cols, rows = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        y = draw(st.floats(-100, 100))
        made = neighbourhood(x, y, cols, rows, k, keep=draw(st.floats(0.8, 1.0)),
                             seed=draw(st.integers(0, 1000)))
        doors += made
        hood += [k] * len(made)
        x += 100 * cols + draw(st.floats(80, 400))
    return doors, hood


def spans(labels, hood) -> int:
    seen = defaultdict(set)
    for label, k in zip(labels, hood, strict=True):
        seen[label].add(k)
    return sum(len(v) > 1 for v in seen.values())


@settings(max_examples=25, deadline=None)
@given(separated_neighbourhoods(), st.integers(2, 8))
def test_no_turf_spans_a_gap_unless_allowed(layout, parts):
    """Every neighbourhood of at least half a turf's doors is cut on its own (a smaller
    one joins its nearest: it can be no turf of its own)."""
    import math

    doors, hood = layout
    assert turfcut.clusters(doors, min_size=20) == hood
    smallest = min(hood.count(k) for k in set(hood))
    parts = max(parts, max(hood) + 1, math.ceil(len(doors) / (2 * smallest)))
    labels = turfcut.cut(doors, parts)
    assert set(labels) == set(range(parts))
    assert spans(labels, hood) == 0
    assert turfcut.spanning(labels, hood) == 0
    allowed = turfcut.cut(doors, parts, cross_gaps=True)
    assert set(allowed) == set(range(parts))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(2, 3), st.integers(1, 3),
       st.floats(100, 400))
def test_turfs_are_balanced_when_neighbourhoods_allow_it(cols, rows, count, per, gap):
    """Equal neighbourhoods, the same number of turfs in each: every turf within the
    tolerance of the others, none across a gap."""
    doors, hood = [], []
    for k in range(count):
        made = neighbourhood(k * (100 * cols + gap), 0, cols, rows, k)
        doors += made
        hood += [k] * len(made)
    parts = count * per
    labels = turfcut.cut(doors, parts)
    sizes = turfcut.sizes_of(labels, parts)
    assert max(sizes) <= 1.08 * min(sizes) + 1
    assert spans(labels, hood) == 0


def test_a_lone_house_across_a_field_is_no_cluster_of_its_own():
    doors = neighbourhood(0, 0, 3, 2, 0) + [turfcut.Door(700, 30, None)]
    assert set(turfcut.clusters(doors, min_size=50)) == {0}


def test_a_street_grid_is_one_cluster():
    doors = grid(8, 6)
    assert set(turfcut.clusters(doors, min_size=100)) == {0}


def test_crossing_a_gap_when_allowed_can_balance_what_gaps_cannot():
    """Two neighbourhoods of 2 and 1 blocks into 2 turfs: kept apart, the turfs are as
    unequal as the neighbourhoods; allowed to cross, they are balanced."""
    doors = neighbourhood(0, 0, 2, 1, 0) + neighbourhood(500, 0, 1, 1, 1)
    hood = [0] * 128 + [1] * 64
    apart = turfcut.cut(doors, 2)
    assert spans(apart, hood) == 0
    assert sorted(turfcut.sizes_of(apart, 2)) == [64, 128]
    together = turfcut.cut(doors, 2, cross_gaps=True)
    sizes = turfcut.sizes_of(together, 2)
    assert max(sizes) <= 1.08 * min(sizes) + 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 5000), min_size=1, max_size=8), st.integers(0, 40))
def test_every_cluster_gets_a_turf_and_the_shares_add_up(sizes, extra):
    parts = len(sizes) + extra
    shares = turfcut._allocate(sizes, parts)
    assert sum(shares) == parts
    assert min(shares) >= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coords, coords, st.integers(1, 30)), min_size=2, max_size=80),
       st.integers(2, 9), st.sampled_from(["x", "y"]), st.booleans())
def test_bisection_either_way_labels_every_part_and_cuts_first_across_the_axis(
        rows, parts, axis, larger_first):
    parts = min(parts, len(rows))
    units = [turfcut._Unit(list(range(size)), x, y) for x, y, size in rows]
    turfcut._bisect(list(units), parts, 0, axis, larger_first)
    assert {u.label for u in units} == set(range(parts))
    first = (parts + 1) // 2 if larger_first else parts // 2
    key = (lambda u: (u.x, u.y)) if axis == "x" else (lambda u: (u.y, u.x))
    lower = [key(u) for u in units if u.label < first]
    upper = [key(u) for u in units if u.label >= first]
    assert max(lower) <= min(upper)



@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(20, 2000), min_size=1, max_size=8), st.floats(1.02, 1.3))
def test_shared_limits_hold_every_clusters_average_turf(averages, tolerance):
    """Every cluster's average turf is within the limits shared by all, and the limits
    are no wider than the tolerance unless the averages themselves are further apart."""
    low, high = turfcut._limits(averages, tolerance)
    assert 1 <= low <= min(averages)
    assert high >= max(averages)
    if math.ceil(max(averages)) <= tolerance * low:
        assert high <= tolerance * low


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(coords, coords, st.integers(1, 30)), min_size=2, max_size=80),
       st.integers(2, 8), st.data())
def test_balancing_within_limits_never_leaves_more_doors_outside_them(rows, parts, data):
    """Moving units between neighbouring turfs only ever brings turfs nearer the
    limits: no turf emptied, fewer (or as many) doors outside them than before."""
    parts = min(parts, len(rows))
    units = [turfcut._Unit(list(range(size)), x, y) for x, y, size in rows]
    turfcut._bisect(list(units), parts, 0)
    total = sum(u.size for u in units)
    low = data.draw(st.integers(1, max(1, total // parts)))
    high = data.draw(st.integers(max(low, -(-total // parts)), total))
    before = turfcut.sizes_of([u.label for u in units for _ in u.doors], parts)
    turfcut._balance(units, parts, 1.08, limits=(low, high))
    after = turfcut.sizes_of([u.label for u in units for _ in u.doors], parts)
    assert min(after) >= 1
    assert (sum(turfcut._excess(s, (low, high)) for s in after)
            <= sum(turfcut._excess(s, (low, high)) for s in before))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3)), min_size=2, max_size=3),
       st.integers(0, 3))
def test_unequal_neighbourhoods_share_one_set_of_turf_limits(shapes, extra):
    """Neighbourhoods of unequal sizes: no turf across a gap, and every turf, in
    whichever neighbourhood, within the limits shared by all (no narrower range for a
    neighbourhood whose whole number of turfs makes them larger or smaller than the
    average), so the largest turf is within the tolerance of the smallest whenever
    the neighbourhoods' average turfs allow it."""
    doors, hood = [], []
    x = 0.0
    for k, (cols, rows) in enumerate(shapes):
        made = neighbourhood(x, 0, cols, rows, k)
        doors += made
        hood += [k] * len(made)
        x += 100 * cols + 250
    counts = [hood.count(k) for k in range(len(shapes))]
    parts = len(shapes) + extra
    # Each neighbourhood at least half a turf: smaller ones join their nearest.
    assume(2 * min(counts) >= len(doors) / parts)
    shares = turfcut._allocate(counts, parts)
    averages = [c / s for c, s in zip(counts, shares, strict=True)]
    low, high = turfcut._limits(averages, 1.08)
    labels = turfcut.cut(doors, parts)
    assert spans(labels, hood) == 0
    sizes = turfcut.sizes_of(labels, parts)
    first = 0
    for share, average in zip(shares, averages, strict=True):
        for size in sizes[first:first + share]:
            assert (min(low, math.floor(average / 1.01)) <= size
                    <= max(high, math.ceil(average * 1.01)))
        first += share
    if max(averages) <= 1.08 * min(averages) / 1.02:
        assert max(sizes) <= 1.08 * min(sizes) + 1
