"""Turf cutting (geo/turfcut.py): balanced, every door placed, faces kept whole."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.geo import turfcut


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
    doors = [turfcut.Door(x, y) for x, y in points]
    labels = turfcut.cut(doors, parts)
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
    found = turfcut._runs(sizes, steps, parts, low, high)
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
    better = turfcut._reinsert(list(walk), ends)
    assert sorted(e // 2 for e in better) == list(range(len(segs)))
    assert turfcut._walk_length(better, ends) <= turfcut._walk_length(walk, ends) + 1e-6
    order, steps = turfcut._chain([turfcut._Stretch([k], ((x1, y1), (x2, y2)), 1)
                                   for k, (x1, y1, x2, y2) in enumerate(segs)])
    assert sorted(order) == list(range(len(segs)))
    assert len(steps) == len(segs) - 1
