"""Nearest points: the candidate lists the walk router and the turf cutter search.

Pure (no Django import). A bucket grid finds each point's k nearest others in about
linear time; Delaunay edges add the neighbours a k-list misses across a gap.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.errors


def neighbour_lists(xy: np.ndarray, k: int) -> tuple[list[list[int]], list[list[float]]]:
    """The k nearest other points of each point, nearest first, and their distances.

    Points are bucketed in square cells holding about two points each; each point's
    candidates are the points of the 5 × 5 cells around its own, which is exact when its
    k-th nearest candidate lies within two cell widths; the rare points where it does not
    (sparse corners, clusters) are compared with every point."""
    n = len(xy)
    k = min(k, n - 1)
    lo = xy.min(axis=0)
    span = xy.max(axis=0) - lo
    area = float(span[0] * span[1])
    cell = math.sqrt(area * 2 / n) if area > 0 else 0.0
    if n <= 400 or cell <= 0:
        return brute_neighbours(xy, np.arange(n), k)
    gx = ((xy[:, 0] - lo[0]) / cell).astype(np.int64)
    gy = ((xy[:, 1] - lo[1]) / cell).astype(np.int64)
    width, height = int(gx.max()) + 1, int(gy.max()) + 1
    cid = gy * width + gx
    counts = np.bincount(cid, minlength=width * height)
    most = int(counts.max())
    if width * height > 8 * n or 25 * most > 1000:
        return brute_neighbours(xy, np.arange(n), k)
    by_cell = np.argsort(cid, kind="stable")
    starts = np.cumsum(counts) - counts
    rank = np.arange(n) - starts[cid[by_cell]]
    table = np.full((width * height + 1, most), -1, dtype=np.int64)  # last row: outside
    table[cid[by_cell], rank] = by_cell
    columns = []
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            x, y = gx + dx, gy + dy
            inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
            columns.append(table[np.where(inside, y * width + x, width * height)])
    cand = np.concatenate(columns, axis=1)
    own = np.arange(n)[:, None]
    d = np.hypot(xy[cand, 0] - xy[:, None, 0], xy[cand, 1] - xy[:, None, 1])
    d[(cand < 0) | (cand == own)] = np.inf
    part = np.argpartition(d, k - 1, axis=1)[:, :k]
    dk = np.take_along_axis(d, part, axis=1)
    order = np.argsort(dk, axis=1, kind="stable")
    dk = np.take_along_axis(dk, order, axis=1)
    idx = np.take_along_axis(np.take_along_axis(cand, part, axis=1), order, axis=1)
    near, near_d = idx.tolist(), dk.tolist()
    unsure = np.flatnonzero(dk[:, -1] > 2 * cell)
    if len(unsure):
        fixed, fixed_d = brute_neighbours(xy, unsure, k)
        for row, ids, ds in zip(unsure.tolist(), fixed, fixed_d, strict=True):
            near[row], near_d[row] = ids, ds
    return near, near_d


def brute_neighbours(xy: np.ndarray, rows: np.ndarray,
                      k: int) -> tuple[list[list[int]], list[list[float]]]:
    """The k nearest other points of each of ``rows``, compared with every point."""
    n = len(xy)
    near: list[list[int]] = []
    near_d: list[list[float]] = []
    block = max(1, 2_000_000 // max(n, 1))
    for start in range(0, len(rows), block):
        chunk = rows[start:start + block]
        pts = xy[chunk]
        d = np.hypot(pts[:, None, 0] - xy[None, :, 0], pts[:, None, 1] - xy[None, :, 1])
        d[np.arange(len(chunk)), chunk] = np.inf
        idx = np.argpartition(d, k - 1, axis=1)[:, :k]
        dk = np.take_along_axis(d, idx, axis=1)
        order = np.argsort(dk, axis=1, kind="stable")
        near.extend(np.take_along_axis(idx, order, axis=1).tolist())
        near_d.extend(np.take_along_axis(dk, order, axis=1).tolist())
    return near, near_d


def delaunay_pairs(xy: np.ndarray) -> np.ndarray:
    """The edges of the Delaunay triangulation of the points ``xy`` (an n × 2 array), as
    an m × 2 array of index pairs. It holds every point's nearest neighbour and the
    shortest bridge between any two groups of points (the Euclidean minimum spanning
    tree is part of it), so it also links doors across a park or a highway, which no
    list of nearest doors does. Of points at the same spot, the first is triangulated
    and each of the others is paired with it (an edge of length 0)."""
    n = len(xy)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    # To the millimetre (GEOS fails on points a hair apart), and -0.0 is 0.0.
    xy = np.ascontiguousarray(np.round(np.asarray(xy, dtype=float), 3)) + 0.0
    keys = xy.view(np.dtype((np.void, 16))).ravel()
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    others = np.flatnonzero(first[inverse] != np.arange(n))
    extra = np.stack([first[inverse[others]], others], axis=1).astype(np.int64)
    if len(unique) < 3:
        if len(unique) == 2:
            extra = np.concatenate([extra, first.reshape(1, 2).astype(np.int64)])
        return extra
    try:
        edges = shapely.delaunay_triangles(shapely.multipoints(xy[first]), only_edges=True)
    except shapely.errors.GEOSException:  # a degenerate spread: nearest doors instead
        near = nearest_others(xy[first], min(8, len(first) - 1))
        pairs = np.array([(first[a], first[b]) for a, row in enumerate(near) for b in row],
                         dtype=np.int64).reshape(-1, 2)
        return np.concatenate([pairs, extra])
    coords = np.ascontiguousarray(shapely.get_coordinates(shapely.get_parts(edges)))
    found = np.searchsorted(unique, coords.view(np.dtype((np.void, 16))).ravel())
    found = np.minimum(found, len(unique) - 1)
    ok = unique[found] == coords.view(np.dtype((np.void, 16))).ravel()
    idx = np.where(ok, first[found], -1).reshape(-1, 2)
    idx = idx[(idx[:, 0] >= 0) & (idx[:, 1] >= 0) & (idx[:, 0] != idx[:, 1])]
    return np.concatenate([idx.astype(np.int64), extra])


def candidates(xy: np.ndarray, k: int) -> tuple[list[list[int]], list[list[float]]]:
    """Each point's candidate next doors, nearest first: its k nearest, and its
    Delaunay neighbours beyond them (the edges that cross gaps between clusters, so the
    search can choose where to cross, not just keep the crossings it started with)."""
    near, near_d = neighbour_lists(xy, k)
    pairs = delaunay_pairs(xy)
    if not len(pairs):
        return near, near_d
    known = [set(row) for row in near]
    extra: dict[int, list[int]] = {}
    for a, b in pairs.tolist():
        if b not in known[a]:
            known[a].add(b)
            extra.setdefault(a, []).append(b)
        if a not in known[b]:
            known[b].add(a)
            extra.setdefault(b, []).append(a)
    for a, more in extra.items():
        ds = [math.dist(xy[a], xy[b]) for b in more]
        merged = sorted(zip(near_d[a] + ds, near[a] + more, strict=True))
        near[a] = [b for _d, b in merged]
        near_d[a] = [d for d, _b in merged]
    return near, near_d


def nearest_others(xy: np.ndarray, k: int) -> list[list[int]]:
    """The k nearest other points of each of the points ``xy`` (an n × 2 array, n ≥ 2),
    nearest first."""
    return neighbour_lists(np.asarray(xy, dtype=float), k)[0]
