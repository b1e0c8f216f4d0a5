"""Walking order: the order a canvasser knocks on the doors of a walk list.

Pure (no Django import), typed and property-tested. Two layers:

* :func:`solve` — a short closed tour through points in metres: a greedy-edge
  construction on k-nearest-neighbour candidate edges, then local search with 2-opt
  and Or-opt moves (segments of 1–3 doors moved, reversed or not) driven by
  neighbour lists and don't-look bits, then iterated local search (a small local
  double bridge, kept only when the tour gets shorter) until the time budget is spent.
* :func:`walk_order` — the doors of a walk list in knocking order: the tour above,
  with the doors of one block face and side of the street kept together and walked
  in house-number order, which is how canvassers read a street.

Coordinates for :func:`solve` are planar metres; :func:`project` turns latitude and
longitude into them (equirectangular around the points' mean latitude, exact enough
within a neighbourhood).
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]
EARTH_RADIUS_M = 6_371_008.8
NEIGHBOURS = 8
EPS = 1e-9


def project(latlons: Sequence[tuple[float, float]]) -> list[Point]:
    """(lat, lon) degrees -> (x, y) metres on a plane tangent near the points."""
    if not latlons:
        return []
    mean_lat = math.radians(sum(lat for lat, _ in latlons) / len(latlons))
    kx = math.cos(mean_lat) * EARTH_RADIUS_M * math.pi / 180
    ky = EARTH_RADIUS_M * math.pi / 180
    return [(lon * kx, lat * ky) for lat, lon in latlons]


def tour_length(points: Sequence[Point], order: Sequence[int], closed: bool = True) -> float:
    """Length in metres of walking ``order`` (and back to the start when closed)."""
    if len(order) < 2:
        return 0.0
    total = sum(math.dist(points[order[i]], points[order[i + 1]])
                for i in range(len(order) - 1))
    if closed:
        total += math.dist(points[order[-1]], points[order[0]])
    return total


def default_budget(n: int) -> float:
    """Seconds of improvement allowed for n doors (0.1 s at 100, 1.3 s at 2,000)."""
    return min(1.5, 0.06 + 0.00062 * n)


def nearest_neighbour(points: Sequence[Point], start: int = 0) -> list[int]:
    """The plain baseline: always walk to the closest door not yet visited."""
    n = len(points)
    if n == 0:
        return []
    xy = np.asarray(points, dtype=float)
    left = np.ones(n, dtype=bool)
    order = [start]
    left[start] = False
    current = start
    for _ in range(n - 1):
        d = np.hypot(xy[:, 0] - xy[current, 0], xy[:, 1] - xy[current, 1])
        d[~left] = np.inf
        current = int(np.argmin(d))
        left[current] = False
        order.append(current)
    return order


def _neighbour_lists(xy: np.ndarray, k: int) -> list[list[int]]:
    n = len(xy)
    k = min(k, n - 1)
    result: list[list[int]] = []
    block = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n, block):
        rows = xy[start:start + block]
        d = np.hypot(rows[:, None, 0] - xy[None, :, 0], rows[:, None, 1] - xy[None, :, 1])
        for r in range(len(rows)):
            d[r, start + r] = np.inf
        idx = np.argpartition(d, k - 1, axis=1)[:, :k]
        for r in range(len(rows)):
            near = idx[r][np.argsort(d[r, idx[r]], kind="stable")]
            result.append([int(v) for v in near])
    return result


def _greedy_edges(n: int, near: list[list[int]], dist: Callable[[int, int], float],
                  xy: np.ndarray) -> list[int]:
    """Greedy matching of short edges into paths, then paths joined end to nearest end."""
    edges = sorted({(dist(a, b), min(a, b), max(a, b)) for a in range(n) for b in near[a]})
    degree = [0] * n
    parent = list(range(n))
    links: list[list[int]] = [[] for _ in range(n)]

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for _d, a, b in edges:
        if degree[a] < 2 and degree[b] < 2:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
                degree[a] += 1
                degree[b] += 1
                links[a].append(b)
                links[b].append(a)
    # Walk each fragment from one of its ends.
    seen = [False] * n
    fragments: list[list[int]] = []
    for v in range(n):
        if not seen[v] and degree[v] < 2:
            path = [v]
            seen[v] = True
            prev, cur = -1, v
            while True:
                nxt = [w for w in links[cur] if w != prev and not seen[w]]
                if not nxt:
                    break
                prev, cur = cur, nxt[0]
                seen[cur] = True
                path.append(cur)
            fragments.append(path)
    # Join fragments: from the end of the tour so far to the nearest free fragment end.
    tour = fragments[0]
    free = fragments[1:]
    while free:
        end = xy[tour[-1]]
        heads = np.array([xy[f[0]] for f in free])
        tails = np.array([xy[f[-1]] for f in free])
        dh = np.hypot(heads[:, 0] - end[0], heads[:, 1] - end[1])
        dt = np.hypot(tails[:, 0] - end[0], tails[:, 1] - end[1])
        ih, it = int(np.argmin(dh)), int(np.argmin(dt))
        if dh[ih] <= dt[it]:
            tour.extend(free.pop(ih))
        else:
            tour.extend(reversed(free.pop(it)))
    return tour


class _Tour:
    """An array tour with positions, 2-opt and Or-opt moves, and don't-look bits."""

    def __init__(self, order: list[int], near: list[list[int]],
                 dist: Callable[[int, int], float]) -> None:
        self.t = order
        self.n = len(order)
        self.pos = [0] * self.n
        for i, v in enumerate(order):
            self.pos[v] = i
        self.near = near
        self.dist = dist

    def succ(self, v: int) -> int:
        return self.t[(self.pos[v] + 1) % self.n]

    def pred(self, v: int) -> int:
        return self.t[self.pos[v] - 1]

    def reverse(self, i: int, j: int) -> None:
        """Reverse the cyclic stretch of positions i..j (or, equivalently, the rest)."""
        n, t, pos = self.n, self.t, self.pos
        length = (j - i) % n + 1
        if 2 * length > n:
            i, j = (j + 1) % n, (i - 1) % n
            length = n - length
        for _ in range(length // 2):
            a, b = t[i], t[j]
            t[i], t[j] = b, a
            pos[b], pos[a] = i, j
            i = i + 1 if i + 1 < n else 0
            j = j - 1 if j > 0 else n - 1

    def two_opt(self, a: int) -> list[int] | None:
        dist = self.dist
        for forward in (True, False):
            b = self.succ(a) if forward else self.pred(a)
            dab = dist(a, b)
            for c in self.near[a]:
                dac = dist(a, c)
                if dac >= dab - EPS:
                    break
                d = self.succ(c) if forward else self.pred(c)
                if c == b or d == a:
                    continue
                delta = dac + dist(b, d) - dab - dist(c, d)
                if delta < -EPS:
                    if forward:  # a b ... c d  ->  a c ... b d
                        self.reverse(self.pos[b], self.pos[c])
                    else:  # d c ... b a -> d b ... c a
                        self.reverse(self.pos[c], self.pos[b])
                    return [a, b, c, d]
        return None

    def or_opt(self, a: int) -> list[int] | None:
        """Move the segment of 1–3 doors starting at ``a`` next to a neighbour."""
        dist, n, t, pos = self.dist, self.n, self.t, self.pos
        if n < 5:
            return None
        for length in (1, 2, 3):
            if length >= n - 2:
                break
            i = pos[a]
            seg = [t[(i + k) % n] for k in range(length)]
            first, last = seg[0], seg[-1]
            p, nx = t[i - 1], t[(i + length) % n]
            gain = dist(p, first) + dist(last, nx) - dist(p, nx)
            if gain <= EPS:
                continue
            inside = set(seg)
            best: tuple[float, int, bool] | None = None
            for end in (first, last):
                for c in self.near[end]:
                    if dist(end, c) >= gain:
                        break
                    if c in inside:
                        continue
                    for u in (c, self.t[pos[c] - 1]):
                        if u in inside:
                            continue
                        w = t[(pos[u] + 1) % n]
                        if w in inside or u == p:
                            continue
                        base = dist(u, w)
                        keep = dist(u, first) + dist(last, w) - base
                        flip = dist(u, last) + dist(first, w) - base
                        add, flipped = (keep, False) if keep <= flip else (flip, True)
                        delta = add - gain
                        if delta < -EPS and (best is None or delta < best[0]):
                            best = (delta, u, flipped)
            if best is not None:
                _delta, u, flipped = best
                if i + length <= n:
                    rest = t[i + length:] + t[:i]
                else:
                    rest = t[i + length - n:i]
                k = rest.index(u)
                moved = list(reversed(seg)) if flipped else seg
                new = rest[:k + 1] + moved + rest[k + 1:]
                self.t = new
                for idx, v in enumerate(new):
                    pos[v] = idx
                return [p, nx, first, last, u, rest[(k + 1) % len(rest)]]
        return None

    def local_search(self, active: list[int]) -> None:
        queue = deque(active)
        queued = [False] * self.n
        for v in active:
            queued[v] = True
        while queue:
            a = queue.popleft()
            queued[a] = False
            touched = self.two_opt(a) or self.or_opt(a)
            if touched:
                for v in touched:
                    if not queued[v]:
                        queued[v] = True
                        queue.append(v)
                if not queued[a]:
                    queued[a] = True
                    queue.append(a)


def solve(points: Sequence[Point], *, time_limit: float | None = None, seed: int = 0,
          max_kicks: int | None = None) -> list[int]:
    """A short closed tour through ``points`` (metres): a permutation of their indexes.

    ``time_limit`` bounds the iterated improvement (default :func:`default_budget`);
    ``max_kicks`` bounds it by count instead (deterministic, for tests)."""
    n = len(points)
    if n <= 3:
        return list(range(n))
    started = time.perf_counter()
    budget = default_budget(n) if time_limit is None else time_limit
    xy = np.asarray(points, dtype=float)
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    if n <= 800:
        matrix = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        rows = matrix.tolist()

        def dist(a: int, b: int) -> float:
            return rows[a][b]
    else:
        hypot = math.hypot

        def dist(a: int, b: int) -> float:
            return hypot(xs[a] - xs[b], ys[a] - ys[b])

    near = _neighbour_lists(xy, NEIGHBOURS)
    tour = _Tour(_greedy_edges(n, near, dist, xy), near, dist)
    tour.local_search(list(range(n)))

    def length(order: list[int]) -> float:
        return sum(dist(order[i - 1], order[i]) for i in range(n))

    best, best_len = list(tour.t), length(tour.t)
    rng = random.Random(seed)  # noqa: S311 (not for secrets: a reproducible search)
    kicks = 0
    deadline = started + budget
    while (max_kicks is None and time.perf_counter() < deadline) or \
            (max_kicks is not None and kicks < max_kicks):
        kicks += 1
        # A local double bridge: two short consecutive stretches swap places.
        t = tour.t
        i = rng.randrange(n)
        l1, l2 = rng.randint(1, min(30, (n - 2) // 2)), rng.randint(1, min(30, (n - 2) // 2))
        if i + 1 + l1 + l2 >= n:
            i = rng.randrange(0, n - 1 - l1 - l2)
        b_seg = t[i + 1:i + 1 + l1]
        c_seg = t[i + 1 + l1:i + 1 + l1 + l2]
        t[i + 1:i + 1 + l1 + l2] = c_seg + b_seg
        for idx in range(i + 1, i + 1 + l1 + l2):
            tour.pos[t[idx]] = idx
        ends = [t[i], t[(i + 1 + l1 + l2) % n], b_seg[0], b_seg[-1], c_seg[0], c_seg[-1]]
        tour.local_search(ends)
        new_len = length(tour.t)
        if new_len < best_len - EPS:
            best, best_len = list(tour.t), new_len
        else:
            tour.t = list(best)
            for idx, v in enumerate(tour.t):
                tour.pos[v] = idx
    return best


# --- the walk list's order -------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    """One household to knock on: where it is, and its block face and side of the
    street (``face`` is any key, e.g. ("N FRONT ST", 24, 1); empty when unknown) and its
    house number (for walking a face in order)."""

    key: int
    lat: float
    lon: float
    face: tuple = ()
    number: int = 0
    unit: str = ""


def walk_order(doors: Sequence[Door], *, time_limit: float | None = None,
               seed: int = 0) -> list[int]:
    """The doors' keys in knocking order: the optimized tour, rotated to start at its
    longest gap (so the open walk leaves out the longest step), with each block face
    and side walked whole and in house-number order, faces in the order the tour first
    reaches them."""
    if not doors:
        return []
    points = project([(d.lat, d.lon) for d in doors])
    order = solve(points, time_limit=time_limit, seed=seed)
    n = len(order)
    if n > 2:
        gaps = [math.dist(points[order[i]], points[order[(i + 1) % n]]) for i in range(n)]
        cut = max(range(n), key=gaps.__getitem__)
        order = order[cut + 1:] + order[:cut + 1]
    result: list[int] = []
    placed_faces: set[tuple] = set()
    by_face: dict[tuple, list[int]] = {}
    for idx in order:
        if doors[idx].face:
            by_face.setdefault(doors[idx].face, []).append(idx)
    for idx in order:
        face = doors[idx].face
        if not face:
            result.append(doors[idx].key)
            continue
        if face in placed_faces:
            continue
        placed_faces.add(face)
        members = by_face[face]
        ascending = sorted(members, key=lambda m: (doors[m].number, doors[m].unit))
        # Walk the face in the direction the tour was going through it.
        first_seen = members[0]
        if ascending and ascending.index(first_seen) > len(ascending) // 2:
            ascending.reverse()
        result.extend(doors[m].key for m in ascending)
    return result
