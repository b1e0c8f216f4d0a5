"""Cutting an area into turfs: N groups of doors with balanced door counts, compact
shapes, and block faces kept whole where that is possible.

Pure (no Django import), typed and property-tested.

The doors of one block face and side of the street form a *unit* that is never split
by the main pass. Units are cut by recursive bisection: the group's units are sorted
along the longer side of their bounding box and split where the running door count
reaches the share of the parts going to each side (N = 7 gives 3 and 4). That gives
compact, street-shaped turfs in O(u log u log N). Because units are whole faces the
counts are off by up to half a face per cut; a balancing pass then moves faces on the
border between neighbouring turfs from the largest turf to smaller neighbours, and
only if that cannot bring the largest turf within ``tolerance`` of the smallest does
a last pass split a face (the one doors' split that is unavoidable).
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

STREET_NUMBER = re.compile(r"^(\d+)[A-Z]?(?:-\d+)?\s+(.+)$")


def block_face(street: str) -> tuple[tuple[str, int, int], int] | None:
    """The block face and side of a normalized street address, and its house number:
    "2417 N FRONT ST" -> (("N FRONT ST", 24, 1), 2417); None when it has no number."""
    match = STREET_NUMBER.match(street.strip().upper())
    if not match:
        return None
    number = int(match.group(1))
    return (match.group(2), number // 100, number % 2), number


@dataclass(frozen=True)
class Door:
    x: float  # metres
    y: float
    face: Hashable = None  # None: a door on its own


@dataclass
class _Unit:
    doors: list[int]
    x: float
    y: float
    label: int = 0

    @property
    def size(self) -> int:
        return len(self.doors)


def _units(doors: Sequence[Door]) -> list[_Unit]:
    groups: dict[Hashable, list[int]] = {}
    units: list[_Unit] = []
    for i, door in enumerate(doors):
        if door.face is None:
            units.append(_Unit([i], door.x, door.y))
        else:
            groups.setdefault(door.face, []).append(i)
    for members in groups.values():
        units.append(_Unit(members, sum(doors[i].x for i in members) / len(members),
                           sum(doors[i].y for i in members) / len(members)))
    return units


def _bisect(units: list[_Unit], parts: int, first_label: int) -> None:
    if parts == 1:
        for u in units:
            u.label = first_label
        return
    left_parts = parts // 2
    xs = [u.x for u in units]
    ys = [u.y for u in units]
    horizontal = (max(xs) - min(xs)) >= (max(ys) - min(ys))
    units.sort(key=(lambda u: (u.x, u.y)) if horizontal else (lambda u: (u.y, u.x)))
    total = sum(u.size for u in units)
    goal = total * left_parts / parts
    running, cut, best = 0, 0, math.inf
    for i, u in enumerate(units[:-1]):
        running += u.size
        gap = abs(running - goal)
        if gap < best:
            best, cut = gap, i + 1
    cut = max(1, min(cut, len(units) - 1)) if len(units) > 1 else 1
    _bisect(units[:cut], left_parts, first_label)
    _bisect(units[cut:], parts - left_parts, first_label + left_parts)


def _neighbours(units: list[_Unit], k: int = 8) -> list[list[int]]:
    xy = np.array([(u.x, u.y) for u in units], dtype=float)
    n = len(units)
    k = min(k, n - 1)
    if k <= 0:
        return [[] for _ in units]
    result: list[list[int]] = []
    block = max(1, 2_000_000 // n)
    for start in range(0, n, block):
        rows = xy[start:start + block]
        d = np.hypot(rows[:, None, 0] - xy[None, :, 0], rows[:, None, 1] - xy[None, :, 1])
        for r in range(len(rows)):
            d[r, start + r] = np.inf
        idx = np.argpartition(d, k - 1, axis=1)[:, :k]
        result.extend([int(v) for v in row] for row in idx)
    return result


def _balance(units: list[_Unit], parts: int, tolerance: float) -> None:
    near = _neighbours(units)
    sizes = [0] * parts
    sx = [0.0] * parts
    sy = [0.0] * parts
    for u in units:
        sizes[u.label] += u.size
        sx[u.label] += u.x * u.size
        sy[u.label] += u.y * u.size
    for _round in range(20 * len(units)):
        if min(sizes) > 0 and max(sizes) <= tolerance * min(sizes):
            return
        best: tuple[float, int, int] | None = None
        order = sorted(range(parts), key=sizes.__getitem__, reverse=True)
        for src in order[: max(1, parts // 4)]:
            for ui, u in enumerate(units):
                if u.label != src:
                    continue
                for vi in near[ui]:
                    dst = units[vi].label
                    if dst == src:
                        continue
                    after_src, after_dst = sizes[src] - u.size, sizes[dst] + u.size
                    if max(after_src, after_dst) >= sizes[src] or after_src <= 0:
                        continue
                    cx, cy = sx[dst] / max(sizes[dst], 1), sy[dst] / max(sizes[dst], 1)
                    # Prefer balance first, then the face closest to its new turf.
                    score = max(after_src, after_dst) * 1e6 + math.hypot(u.x - cx, u.y - cy)
                    if best is None or score < best[0]:
                        best = (score, ui, dst)
            if best is not None:
                break
        if best is None:
            return
        _score, ui, dst = best
        u = units[ui]
        src = u.label
        sizes[src] -= u.size
        sizes[dst] += u.size
        sx[src] -= u.x * u.size
        sy[src] -= u.y * u.size
        sx[dst] += u.x * u.size
        sy[dst] += u.y * u.size
        u.label = dst


def cut(doors: Sequence[Door], parts: int, *, tolerance: float = 1.08) -> list[int]:
    """A turf number 0..parts-1 for each door. ``parts`` is capped at the number of
    doors. Every turf gets at least one door."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if not doors:
        return []
    parts = min(parts, len(doors))
    units = _units(doors)
    if len(units) < parts:  # too few faces: cut doors, not faces
        units = [_Unit([i], d.x, d.y) for i, d in enumerate(doors)]
    _bisect(list(units), parts, 0)
    _balance(units, parts, tolerance)
    result = [0] * len(doors)
    for u in units:
        for i in u.doors:
            result[i] = u.label
    sizes = [0] * parts
    for label in result:
        sizes[label] += 1
    if min(sizes) == 0 or max(sizes) > tolerance * min(sizes) + 1:
        result = _split_faces(doors, result, parts, tolerance)
    return result


def _split_faces(doors: Sequence[Door], labels: list[int], parts: int,
                 tolerance: float) -> list[int]:
    """Last resort: move single doors (the ends of faces) between neighbouring turfs."""
    single = [_Unit([i], d.x, d.y) for i, d in enumerate(doors)]
    for u, label in zip(single, labels, strict=True):
        u.label = label
    _balance(single, parts, tolerance)
    return [u.label for u in single]


def sizes_of(labels: Sequence[int], parts: int) -> list[int]:
    sizes = [0] * parts
    for label in labels:
        sizes[label] += 1
    return sizes
