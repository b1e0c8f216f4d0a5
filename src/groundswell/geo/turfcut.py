"""Cutting an area into turfs: N groups of doors with balanced door counts, shapes
that make a short walk, and block faces kept whole where that is possible.

Pure (no Django import), typed and property-tested.

The doors of one block face and side of the street form a *unit* that is never split
by the main passes. Where most doors have a face (a street address), the cut follows
the streets: each face is paired with the face across the street, the pairs are
chained end to end (walk a pair to its far end, then on to the nearest end not yet
walked, which runs along a street and turns onto the next one at its end), and a
dynamic programme cuts the chain into N runs of balanced door counts that jump as
little as possible inside a run. A turf is then a few blocks of one street, both sides
(walked out on one side and back on the other), or the ends of two neighbouring
streets: a shorter closed walk than a round blob of the same doors, which has to go up
and down several streets.

Otherwise (mostly doors without a face, or no balanced cut along the chain) units are
cut by recursive bisection: the group's units are sorted along the longer side of
their bounding box and split where the running door count reaches the share of the
parts going to each side (N = 7 gives 3 and 4). Because units are whole faces the
counts are off by up to half a face per cut; a balancing pass then moves faces on the
border between neighbouring turfs from the largest turf to smaller neighbours, and
only if that cannot bring the largest turf within ``tolerance`` of the smallest does
a last pass split a face (the one doors' split that is unavoidable). Where most doors
have a face, the street cut and four bisections of the stretches (the first cut
either way, the larger share of an odd number of parts on either side) are each cut
and balanced, and the one with the shortest estimated walks (:func:`_spread`) kept.

Where the area falls into clusters apart across gaps, every turf of every cluster is
held between the same fewest and most doors (:func:`_limits`), rather than each
cluster within the tolerance of its own average: a cluster whose whole number of turfs
makes them larger than the average is not squeezed into a narrower range, and its
balancing has room to move both sides of a street together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from groundswell.geo import chains, neighbours

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


def _bisect(units: list[_Unit], parts: int, first_label: int, axis: str = "",
            larger_first: bool = False) -> None:
    """Label ``units`` 0..parts-1 (from ``first_label``) by recursive bisection across
    the longer side of their box; ``axis`` chooses the direction of the first cuts
    instead, a letter a level ("x", "y", or "-" for the longer side: "yx" cuts first
    across y, then each half across x), and ``larger_first`` gives the larger share of
    an odd number of parts to the lower side at every cut."""
    if parts == 1:
        for u in units:
            u.label = first_label
        return
    left_parts = (parts + 1) // 2 if larger_first else parts // 2
    xs = [u.x for u in units]
    ys = [u.y for u in units]
    if axis[:1] in ("x", "y"):
        horizontal = axis[0] == "x"
    else:
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
    # Every part needs a unit of its own: leave at least as many units as parts each side.
    cut = max(left_parts, min(cut, len(units) - (parts - left_parts)))
    _bisect(units[:cut], left_parts, first_label, axis[1:], larger_first)
    _bisect(units[cut:], parts - left_parts, first_label + left_parts, axis[1:],
            larger_first)


def _neighbours(units: list[_Unit], k: int = 8) -> list[list[int]]:
    if len(units) < 2:
        return [[] for _ in units]
    return neighbours.nearest_others(np.array([(u.x, u.y) for u in units], dtype=float), k)


def _tally(units: list[_Unit], parts: int) -> tuple[list[int], list[float], list[float]]:
    """Each turf's doors and the door-weighted sums of its units' coordinates."""
    sizes = [0] * parts
    sx = [0.0] * parts
    sy = [0.0] * parts
    for u in units:
        sizes[u.label] += u.size
        sx[u.label] += u.x * u.size
        sy[u.label] += u.y * u.size
    return sizes, sx, sy


def _move(u: _Unit, dst: int, sizes: list[int], sx: list[float], sy: list[float]) -> None:
    """Move a unit into turf ``dst``, keeping the tallies of both turfs."""
    src = u.label
    sizes[src] -= u.size
    sizes[dst] += u.size
    sx[src] -= u.x * u.size
    sy[src] -= u.y * u.size
    sx[dst] += u.x * u.size
    sy[dst] += u.y * u.size
    u.label = dst


def _balance(units: list[_Unit], parts: int, tolerance: float,
             near: list[list[int]] | None = None,
             limits: tuple[int, int] | None = None, carry: bool = False) -> None:
    """Move units on the border between turfs from the largest turfs to smaller
    neighbours until within ``tolerance`` (``near``: each unit's nearest units, when
    already known); with ``limits`` (the fewest and most doors of any turf) until every
    turf is within them instead (``carry``: see :func:`_balance_within`)."""
    if near is None:
        near = _neighbours(units)
    if limits is not None:
        _balance_within(units, parts, limits, near, carry)
        return
    sizes, sx, sy = _tally(units, parts)
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
        _move(units[best[1]], best[2], sizes, sx, sy)


def _excess(size: int, limits: tuple[int, int]) -> int:
    """How many doors a turf of ``size`` doors is outside ``limits``."""
    return max(0, size - limits[1], limits[0] - size)


def _balance_within(units: list[_Unit], parts: int, limits: tuple[int, int],
                    near: list[list[int]], carry: bool = False) -> None:
    """Move units on the border between turfs until every turf holds between
    ``limits`` doors: each move takes a unit into a neighbouring turf where that leaves
    fewer doors outside the limits in the two turfs, the unit nearest the centre of
    its new turf first. Turfs inside the limits are left alone, whatever their sizes
    (a neighbourhood whose whole number of turfs makes them larger than the average
    keeps them larger, within the limits shared by every turf). With ``carry`` (single
    doors, the last resort), when no move does that, one leaving as many outside with
    the two turfs nearer in size: it carries a shortfall across turfs already at the
    limit. Whole faces are not carried so (on the clustered benchmark the walks came
    out longer than with a face split after)."""
    sizes, sx, sy = _tally(units, parts)
    for _round in range(20 * len(units)):
        if all(_excess(size, limits) == 0 for size in sizes):
            return
        best: tuple[float, int, int] | None = None
        for ui, u in enumerate(units):
            src = u.label
            for vi in near[ui]:
                dst = units[vi].label
                if dst == src:
                    continue
                before = _excess(sizes[src], limits) + _excess(sizes[dst], limits)
                if not before:
                    continue
                after_src, after_dst = sizes[src] - u.size, sizes[dst] + u.size
                after = _excess(after_src, limits) + _excess(after_dst, limits)
                if after > before or after_src <= 0 or (after == before and (
                        not carry or sizes[src] - sizes[dst] <= u.size)):
                    continue
                cx, cy = sx[dst] / max(sizes[dst], 1), sy[dst] / max(sizes[dst], 1)
                score = ((after == before) * 1e12 + after * 1e6
                         + math.hypot(u.x - cx, u.y - cy))
                if best is None or score < best[0]:
                    best = (score, ui, dst)
        if best is None:
            return
        _move(units[best[1]], best[2], sizes, sx, sy)

# The directions of the first cut of the bisections tried.
AXES = ("x", "y")
GAP_FACTOR = 5.0
MIN_GAP_M = 40.0


def clusters(doors: Sequence[Door], *, min_size: int = 2, gap_factor: float = GAP_FACTOR,
             min_gap: float = MIN_GAP_M) -> list[int]:
    """A cluster number for each door: groups of doors separated by a gap much longer
    than the streets inside them (a park, a highway, a rail line).

    The doors are joined as in a minimum spanning tree (Kruskal over the Delaunay
    edges, which hold that tree), shortest step first. Each group keeps its *scale*:
    the longest step that joined two parts of it, which inside a neighbourhood is a
    street crossing or the back of a block. A step joining two groups of at least
    ``min_size`` doors each is a gap when it is longer than ``gap_factor`` times the
    larger of their scales (and at least ``min_gap`` metres). A step that long into a
    smaller group (a lone house or a few down a lane) joins it without counting
    towards the scale; groups of fewer doors than ``min_size`` are never a cluster of
    their own, they belong to the nearest one."""
    n = len(doors)
    if n == 0:
        return []
    xy = np.array([(d.x, d.y) for d in doors], dtype=float)
    pairs = neighbours.delaunay_pairs(xy)
    if not len(pairs):
        return [0] * n
    lengths = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    order = np.argsort(lengths, kind="stable")
    parent = list(range(n))
    size = [1] * n
    scale = [0.0] * n
    joined = [False] * n  # whether the group has been joined by a counted step yet

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    bridges: list[tuple[int, int]] = []  # steps of the tree that are not gaps
    for a, b, length in zip(pairs[order, 0].tolist(), pairs[order, 1].tolist(),
                            lengths[order].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ref = max(scale[ra], scale[rb])
        long = length > gap_factor * ref and length >= min_gap and (joined[ra] or joined[rb])
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        if long and size[rb] >= min_size:  # a gap: the two sides stay apart as clusters
            scale[ra] = ref
            joined[ra] = True
        else:
            bridges.append((a, b))
            if not long:
                scale[ra] = max(ref, length)
                joined[ra] = True
            else:
                scale[ra] = ref
                joined[ra] = joined[ra] or joined[rb]
        size[ra] += size[rb]
    parent = list(range(n))
    for a, b in bridges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    roots: dict[int, int] = {}
    return [roots.setdefault(find(v), len(roots)) for v in range(n)]


def _allocate(sizes: list[int], parts: int) -> list[int]:
    """How many turfs each cluster gets (at least one each, ``parts`` in all), so that
    the average turf of the most crowded cluster is as close as can be to that of the
    least: largest averages first (D'Hondt), then single turfs moved between clusters
    while that narrows the spread."""
    count = [1] * len(sizes)
    for _ in range(parts - len(sizes)):
        k = max(range(len(sizes)), key=lambda i: sizes[i] / count[i])
        count[k] += 1

    def spread(c: list[int]) -> float:
        averages = [s / k for s, k in zip(sizes, c, strict=True)]
        return max(averages) / min(averages)

    while True:
        best, move = spread(count), None
        for i in range(len(sizes)):
            if count[i] < 2:
                continue
            for j in range(len(sizes)):
                if i != j:
                    count[i] -= 1
                    count[j] += 1
                    if spread(count) < best - 1e-12:
                        best, move = spread(count), (i, j)
                    count[i] += 1
                    count[j] -= 1
        if move is None:
            return count
        count[move[0]] -= 1
        count[move[1]] += 1


def spanning(labels: Sequence[int], groups: Sequence[int]) -> int:
    """How many turfs hold doors of more than one cluster (``groups``: a cluster for
    each door, as from :func:`clusters`)."""
    seen: dict[int, set[int]] = {}
    for label, group in zip(labels, groups, strict=True):
        seen.setdefault(label, set()).add(group)
    return sum(len(g) > 1 for g in seen.values())


def cut(doors: Sequence[Door], parts: int, *, tolerance: float = 1.08,
        cross_gaps: bool = False) -> list[int]:
    """A turf number 0..parts-1 for each door. ``parts`` is capped at the number of
    doors. Every turf gets at least one door.

    Unless ``cross_gaps``, no turf spans two :func:`clusters` (neighbourhoods apart
    across a park, a highway or a rail line): each cluster is cut on its own into a
    share of the turfs in proportion to its doors. A cluster smaller than half a turf
    is no cluster of its own; when there are more clusters than turfs, the narrowest
    gaps are crossed until there are as many as turfs. Every turf is held between
    the fewest and most doors shared by all clusters (:func:`_limits`), so balance is
    within ``tolerance`` where the clusters' sizes allow it, and otherwise as close as
    they allow (two clusters of 300 doors cut into 3 turfs cannot be within 10 %)."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if not doors:
        return []
    parts = min(parts, len(doors))
    if cross_gaps or parts == 1:
        return _cut(doors, parts, tolerance)
    groups = clusters(doors, min_size=max(2, math.ceil(len(doors) / parts / 2)))
    count = max(groups) + 1
    while count > parts:  # too many clusters: join each smallest to its nearest
        groups = _join_smallest(doors, groups)
        count = max(groups) + 1
    if count == 1:
        return _cut(doors, parts, tolerance)
    members: list[list[int]] = [[] for _ in range(count)]
    for i, group in enumerate(groups):
        members[group].append(i)
    shares = _allocate([len(m) for m in members], parts)
    averages = [len(m) / k for m, k in zip(members, shares, strict=True)]
    # The clusters' own spread eats into the tolerance left for each cluster's cut.
    inner = max(1.02, tolerance * min(averages) / max(averages))
    low, high = _limits(averages, tolerance)
    result = [0] * len(doors)
    first = 0
    for indexes, share in zip(members, shares, strict=True):
        # Within the shared limits; or, where the clusters' averages are further apart
        # than the tolerance, at least 1 % either side of the cluster's own average.
        average = len(indexes) / share
        limits = (min(low, math.floor(average / 1.01)), max(high, math.ceil(average * 1.01)))
        labels = _cut([doors[i] for i in indexes], share, inner, limits)
        for i, label in zip(indexes, labels, strict=True):
            result[i] = first + label
        first += share
    return result


def _limits(averages: list[float], tolerance: float) -> tuple[int, int]:
    """The fewest and most doors of any turf, shared by every cluster: as wide as
    ``tolerance`` allows (most / fewest at most ``tolerance``), centred on the clusters'
    average turfs, so a cluster whose whole number of turfs makes them larger (or
    smaller) than the average is not squeezed into a tighter range of its own. Where
    the clusters' averages are further apart than ``tolerance``, the limits hold them
    all, and balance is as close as the clusters allow."""
    centre = math.sqrt(min(averages) * max(averages))
    low = max(1, min(math.ceil(centre / math.sqrt(tolerance)), math.floor(min(averages))))
    high = max(math.floor(low * tolerance), math.ceil(max(averages)))
    return low, high


def _join_smallest(doors: Sequence[Door], groups: list[int]) -> list[int]:
    """The smallest cluster merged into the one with the door nearest to it."""
    sizes = sizes_of(groups, max(groups) + 1)
    small = min(range(len(sizes)), key=sizes.__getitem__)
    xy = np.array([(d.x, d.y) for d in doors], dtype=float)
    mine = np.array([g == small for g in groups])
    inside, outside = xy[mine], xy[~mine]
    best, into = math.inf, 0
    others = np.flatnonzero(~mine)
    for start in range(0, len(inside), 256):
        chunk = inside[start:start + 256]
        d = np.hypot(chunk[:, None, 0] - outside[None, :, 0],
                     chunk[:, None, 1] - outside[None, :, 1])
        flat = int(np.argmin(d))
        if d.flat[flat] < best:
            best, into = float(d.flat[flat]), groups[int(others[flat % len(outside)])]
    merged = [into if g == small else g for g in groups]
    renumber: dict[int, int] = {}
    return [renumber.setdefault(g, len(renumber)) for g in merged]


def _cut(doors: Sequence[Door], parts: int, tolerance: float,
         limits: tuple[int, int] | None = None) -> list[int]:
    """One area cut into ``parts`` turfs, gaps or not: along the streets, or in compact
    blocks of streets (both sides together), whichever makes the rounder turfs for their
    doors (:func:`_spread`); by bisection of single doors where few have a face."""
    parts = min(parts, len(doors))
    units = _units(doors)
    if len(units) < parts:  # too few faces: cut doors, not faces
        units = [_Unit([i], d.x, d.y) for i, d in enumerate(doors)]
    faced = sum(u.size for u in units if u.size >= 2)
    if faced < 0.8 * len(doors):
        _bisect(list(units), parts, 0)
        _balance(units, parts, tolerance, limits=limits)
        return _finish(doors, _labels(doors, units), parts, tolerance, limits=limits)
    stretches = _stretches(doors, units)
    near_units = _neighbours(units)
    near_doors: list[list[int]] = []

    def finish(labels: list[int]) -> list[int]:
        if not near_doors and not _balanced(labels, parts, tolerance, limits):
            near_doors.extend(_neighbours([_Unit([i], d.x, d.y)
                                           for i, d in enumerate(doors)]))
        return _finish(doors, labels, parts, tolerance, near_doors or None, limits)

    candidates = []
    if _street_cut(doors, units, parts, tolerance, stretches, limits):
        candidates.append(finish(_labels(doors, units)))
    # Bisections whose first cut runs either way, with the larger share of an odd
    # number of parts on either side: which of them walks shortest depends on the
    # shape of the area (by up to 2 % on the clustered benchmark), so each is cut,
    # balanced, and the one with the shortest estimated walks kept.
    # Within limits shared with other clusters there is room to move whole stretches
    # as well: either balancing can walk shorter, so both are tried.
    for axis in AXES:
        for larger_first in (False, True) if parts % 2 else (False,):
            for whole in (False, True) if limits is not None else (False,):
                _paired_bisection(doors, units, parts, tolerance, axis, larger_first,
                                  stretches, near_units, limits, whole)
                candidates.append(finish(_labels(doors, units)))
    return min(candidates, key=lambda labels: _spread(doors, labels, parts))


def _labels(doors: Sequence[Door], units: list[_Unit]) -> list[int]:
    result = [0] * len(doors)
    for u in units:
        for i in u.doors:
            result[i] = u.label
    return result


def _balanced(labels: list[int], parts: int, tolerance: float,
              limits: tuple[int, int] | None = None) -> bool:
    sizes = sizes_of(labels, parts)
    if limits is not None:
        return all(_excess(size, limits) == 0 for size in sizes)
    return min(sizes) > 0 and max(sizes) <= tolerance * min(sizes) + 1


def _finish(doors: Sequence[Door], labels: list[int], parts: int,
            tolerance: float, near: list[list[int]] | None = None,
            limits: tuple[int, int] | None = None) -> list[int]:
    """``labels``, balanced by moving single doors if faces could not be (``near``:
    each door's nearest doors, when already known)."""
    if _balanced(labels, parts, tolerance, limits):
        return labels
    return _split_faces(doors, labels, parts, tolerance, near, limits)


def _paired_bisection(doors: Sequence[Door], units: list[_Unit], parts: int,
                      tolerance: float, axis: str = "", larger_first: bool = False,
                      stretches: list[chains.Stretch] | None = None,
                      near: list[list[int]] | None = None,
                      limits: tuple[int, int] | None = None,
                      whole_stretches: bool = False) -> None:
    """Label ``units`` by bisecting the stretches (a face with the face across the
    street, walked together), then balancing face by face. Compact turfs of a few
    blocks: the better cut where streets run both ways, as a chain along the streets
    then zig-zags between short cross streets. ``stretches`` and ``near`` (the units'
    nearest units) when already known. With ``whole_stretches`` the stretches are
    balanced first, both sides of a street moved together, and single faces only
    for what that leaves (a side parted from the side across the street is walked up
    and back)."""
    if stretches is None:
        stretches = _stretches(doors, units)
    grouped = [_Unit([i for m in s.units for i in units[m].doors],
                     sum(units[m].x * units[m].size for m in s.units) / s.size,
                     sum(units[m].y * units[m].size for m in s.units) / s.size)
               for s in stretches]
    if len(grouped) < parts:
        grouped = units
        stretches = [chains.Stretch([k], ((u.x, u.y), (u.x, u.y)), u.size)
                     for k, u in enumerate(units)]
    _bisect(list(grouped), parts, 0, axis, larger_first)
    if whole_stretches:
        _balance(grouped, parts, tolerance, limits=limits)
    for stretch, unit in zip(stretches, grouped, strict=True):
        for m in stretch.units:
            units[m].label = unit.label
    _balance(units, parts, tolerance, near, limits)


def _spread(doors: Sequence[Door], labels: list[int], parts: int) -> float:
    """How long a cut's walks are likely to be: for each turf the square root of its
    doors times the area of their convex hull (a tour through n points spread over an
    area A is about 0.7·√(n·A) long), summed. Thin turfs along one street score low,
    as they walk short."""
    xy = np.array([(d.x, d.y) for d in doors], dtype=float)
    order = np.argsort(labels, kind="stable")
    hulls = shapely.convex_hull(shapely.multipoints(xy[order],
                                                    indices=np.asarray(labels)[order]))
    areas = np.maximum(shapely.area(hulls), 1.0)
    counts = np.bincount(labels, minlength=parts)
    return float(np.sqrt(counts[:len(areas)] * areas).sum())


def _split_faces(doors: Sequence[Door], labels: list[int], parts: int,
                 tolerance: float, near: list[list[int]] | None = None,
                 limits: tuple[int, int] | None = None) -> list[int]:
    """Last resort: move single doors (the ends of faces) between neighbouring turfs."""
    single = [_Unit([i], d.x, d.y) for i, d in enumerate(doors)]
    for u, label in zip(single, labels, strict=True):
        u.label = label
    _balance(single, parts, tolerance, near, limits, carry=True)
    return [u.label for u in single]


def sizes_of(labels: Sequence[int], parts: int) -> list[int]:
    sizes = [0] * parts
    for label in labels:
        sizes[label] += 1
    return sizes


# --- along the streets: faces paired across the street, chained end to end, cut in runs ----


def _stretches(doors: Sequence[Door], units: list[_Unit]) -> list[chains.Stretch]:
    """Pair each block face with the face across the street: the nearest other face
    (centre to centre) when each is the other's nearest, they run the same way, and
    they are closer than half the shorter one's length. Unpaired faces and single doors
    stand alone."""
    axes = []
    for u in units:
        xy = np.array([(doors[i].x, doors[i].y) for i in u.doors], dtype=float)
        axes.append((xy, *chains.axis(xy)))
    faces = [k for k, u in enumerate(units) if u.size >= 2 and axes[k][3] > 0]
    partner: dict[int, int] = {}
    if len(faces) >= 2:
        centres = np.array([axes[k][1] for k in faces])
        nearest = neighbours.nearest_others(centres, 1)
        for a, (b,) in enumerate(nearest):
            ka, kb = faces[a], faces[b]
            if nearest[b][0] != a or ka in partner or kb in partner:
                continue
            gap = float(np.hypot(*(centres[a] - centres[b])))
            parallel = abs(float(axes[ka][2] @ axes[kb][2])) >= 0.8
            if parallel and gap <= 0.5 * min(axes[ka][3], axes[kb][3]):
                partner[ka], partner[kb] = kb, ka
    result: list[chains.Stretch] = []
    for k in range(len(units)):
        other = partner.get(k)
        if other is not None and other < k:
            continue
        members = [k] if other is None else [k, other]
        xy = np.concatenate([axes[m][0] for m in members])
        centre, direction, _length = chains.axis(xy)
        along = (xy - centre) @ direction
        first = centre + direction * float(along.min())
        last = centre + direction * float(along.max())
        result.append(chains.Stretch(members, ((float(first[0]), float(first[1])),
                                         (float(last[0]), float(last[1]))),
                               sum(units[m].size for m in members)))
    return result


def _street_cut(doors: Sequence[Door], units: list[_Unit], parts: int,
                tolerance: float, stretches: list[chains.Stretch] | None = None,
                limits: tuple[int, int] | None = None) -> bool:
    """Label ``units`` with turfs that follow the streets: faces paired across the
    street, chained end to end, and the chain cut into runs of balanced door counts
    where it jumps farthest. A turf is then a few blocks of one street (both sides), or
    the ends of neighbouring streets, which is a short closed walk. False (labels
    untouched) when no cut within ``tolerance`` exists along the chain."""
    if stretches is None:
        stretches = _stretches(doors, units)
    if len(stretches) < 2:
        return False
    order, steps = chains.chain(stretches)
    sequence: list[int] = []
    unit_steps: list[float] = []
    for position, k in enumerate(order):
        for m, unit in enumerate(stretches[k].units):
            if m:
                unit_steps.append(0.0)  # across the street: walked as one stretch
            elif sequence:
                unit_steps.append(steps[position - 1])
            sequence.append(unit)
    sizes = [units[k].size for k in sequence]
    total = sum(sizes)
    average = total / parts
    found: tuple[float, list[int]] | None = None
    if limits is not None:  # the widest runs allowed: no narrower one cuts cheaper
        bounds = [limits]
    else:
        lows = range(math.floor(average), math.floor(average / tolerance) - 1, -1)
        bounds = [(low, math.floor(tolerance * low) + 1) for low in list(lows)[:16]]
    for low, high in bounds:
        if low < 1 or high < math.ceil(average):
            continue
        cut = chains.runs(sizes, unit_steps, parts, low, high)
        if cut is not None and (found is None or cut[0] < found[0] - 1e-9):
            found = cut
    if found is None:
        return False
    starts = found[1] + [len(sequence)]
    for label in range(parts):
        for position in range(starts[label], starts[label + 1]):
            units[sequence[position]].label = label
    return True

