"""Turf cutting (geo/turfcut.py): balanced, every door placed, faces kept whole."""

from __future__ import annotations

from collections import defaultdict

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
