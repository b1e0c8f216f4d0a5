"""Walking order: the order a canvasser knocks on the doors of a walk list.

Pure (no Django import), typed and property-tested. Two layers:

* :func:`solve` — a short closed tour through points in metres: a greedy-edge
  construction on k-nearest-neighbour candidate edges (found through a bucket grid),
  then local search driven by neighbour lists and a queue of "dirty" doors (don't-look
  bits): 2-opt, Or-opt (segments of 1–3 doors moved, reversed or not) and the
  sequential 3-opt moves of Lin–Kernighan depth 3 (segment insertion of any length,
  and two chained 2-opt exchanges), then iterated local search (a small local double
  bridge, kept only when the tour gets shorter, otherwise undone from a journal of
  reversals) until the time budget is spent. The tour is an array with a position
  index; every move is a few reversals of the shorter side, so a step costs what it
  changes, not the tour's length.
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

from groundswell.geo import neighbours

Point = tuple[float, float]
EARTH_RADIUS_M = 6_371_008.8
NEIGHBOURS = 8
# Up to this many doors each door's candidates are its 12 nearest: a small walk can
# afford the wider search, and with 8 the open walk through a patch, an avenue and a
# strand of country houses could stay 18 % long (the start's list gives one place to
# the end-of-walk node, and the crossings between parts need more than 8 to be found).
SMALL = 150
NEIGHBOURS_SMALL = 12
EPS = 1e-9
KICK_SPAN = 30


def project(latlons: Sequence[tuple[float, float]]) -> list[Point]:
    """(lat, lon) degrees -> (x, y) metres on a plane tangent near the points."""
    if not latlons:
        return []
    mean_lat = math.radians(sum(lat for lat, _ in latlons) / len(latlons))
    kx = math.cos(mean_lat) * EARTH_RADIUS_M * math.pi / 180
    ky = EARTH_RADIUS_M * math.pi / 180
    return [(lon * kx, lat * ky) for lat, lon in latlons]


def tour_length(points: Sequence[Point], order: Sequence[int], closed: bool = True) -> float:
    """Length in metres of walking ``order`` (and back to the start when closed).

    Summed exactly rounded (``math.fsum``), so one tour measures the same to the last
    bit whichever door it is read from and whichever way round: two routers that find
    the same tour tie, rather than differ by a rounding of the order of addition."""
    if len(order) < 2:
        return 0.0
    steps = [math.dist(points[order[i]], points[order[i + 1]])
             for i in range(len(order) - 1)]
    if closed:
        steps.append(math.dist(points[order[-1]], points[order[0]]))
    return math.fsum(steps)


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


def _greedy_edges(n: int, near: list[list[int]], near_d: list[list[float]],
                  xy: np.ndarray) -> list[int]:
    """Greedy matching of short edges into paths, then paths joined end to nearest end."""
    a_idx = np.repeat(np.arange(n), [len(row) for row in near])
    b_idx = np.fromiter((b for row in near for b in row), dtype=np.int64, count=len(a_idx))
    d_all = np.fromiter((d for row in near_d for d in row), dtype=float, count=len(a_idx))
    keep = a_idx < b_idx  # each undirected edge once (the other copy, if any, is equal)
    lo, hi, dd = a_idx[keep], b_idx[keep], d_all[keep]
    extra = ~keep  # edges seen only from the larger end
    lo = np.concatenate([lo, b_idx[extra]])
    hi = np.concatenate([hi, a_idx[extra]])
    dd = np.concatenate([dd, d_all[extra]])
    pairs = np.unique(np.stack([lo, hi], axis=1), axis=0, return_index=True)
    order = pairs[1][np.lexsort((pairs[0][:, 1], pairs[0][:, 0], dd[pairs[1]]))]
    degree = [0] * n
    parent = list(range(n))
    links: list[list[int]] = [[] for _ in range(n)]

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in zip(lo[order].tolist(), hi[order].tolist(), strict=True):
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
    if free:
        heads = np.array([xy[f[0]] for f in free])
        tails = np.array([xy[f[-1]] for f in free])
        alive = np.ones(len(free), dtype=bool)
        for _ in range(len(free)):
            end = xy[tour[-1]]
            dh = np.hypot(heads[:, 0] - end[0], heads[:, 1] - end[1])
            dt = np.hypot(tails[:, 0] - end[0], tails[:, 1] - end[1])
            dh[~alive] = np.inf
            dt[~alive] = np.inf
            ih, it = int(np.argmin(dh)), int(np.argmin(dt))
            if dh[ih] <= dt[it]:
                tour.extend(free[ih])
                alive[ih] = False
            else:
                tour.extend(reversed(free[it]))
                alive[it] = False
    return tour


class _Tour:
    """An array tour with a position index; every change is a reversal of a stretch of
    positions (or a swap of two adjacent stretches, for kicks), so a change can be
    journalled and undone in time proportional to its size, not to the tour's."""

    def __init__(self, order: list[int], near: list[list[int]], near_d: list[list[float]],
                 dist: Callable[[int, int], float]) -> None:
        self.t = order
        self.n = len(order)
        self.pos = [0] * self.n
        for i, v in enumerate(order):
            self.pos[v] = i
        self.near = near
        self.near_d = near_d
        self.dist = dist
        self.length = sum(dist(order[i - 1], order[i]) for i in range(self.n))
        self.journal: list[tuple[int, int, int]] | None = None

    def succ(self, v: int) -> int:
        return self.t[(self.pos[v] + 1) % self.n]

    def pred(self, v: int) -> int:
        return self.t[self.pos[v] - 1]

    def reverse(self, i: int, j: int) -> None:
        """Reverse the cyclic stretch of positions i..j (or, equivalently, the rest)."""
        if self.journal is not None:
            self.journal.append((0, i, j))
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

    def swap(self, i: int, l1: int, l2: int) -> None:
        """Positions i..i+l1-1 and the l2 after them change places (no wrap-around)."""
        if self.journal is not None:
            self.journal.append((1, i, l1 * self.n + l2))
        t, pos = self.t, self.pos
        t[i:i + l1 + l2] = t[i + l1:i + l1 + l2] + t[i:i + l1]
        for idx in range(i, i + l1 + l2):
            pos[t[idx]] = idx

    def undo(self, mark: int) -> None:
        """Take back every change journalled after ``mark``."""
        journal = self.journal
        assert journal is not None
        while len(journal) > mark:
            kind, i, j = journal.pop()
            saved, self.journal = self.journal, None
            if kind == 0:
                self.reverse(i, j)
            else:
                l1, l2 = divmod(j, self.n)
                self.swap(i, l2, l1)
            self.journal = saved

    def exchange(self, a: int, b: int, c: int, d: int) -> None:
        """The 2-opt exchange of edges (a, b) and (c, d) for (a, c) and (b, d), where b
        follows a and d follows c in one direction of travel."""
        if self.succ(a) == b:  # a b ... c d  ->  a c ... b d
            self.reverse(self.pos[b], self.pos[c])
        else:  # d c ... b a  ->  d b ... c a
            self.reverse(self.pos[c], self.pos[b])

    def two_opt(self, a: int) -> list[int] | None:
        dist = self.dist
        for forward in (True, False):
            b = self.succ(a) if forward else self.pred(a)
            dab = dist(a, b)
            for c, dac in zip(self.near[a], self.near_d[a], strict=True):
                if dac >= dab - EPS:
                    break
                d = self.succ(c) if forward else self.pred(c)
                if c == b or d == a:
                    continue
                delta = dac + dist(b, d) - dab - dist(c, d)
                if delta < -EPS:
                    self.exchange(a, b, c, d)
                    self.length += delta
                    return [a, b, c, d]
        return None

    def or_opt(self, a: int) -> list[int] | None:
        """Move the segment of 1–3 doors starting at ``a`` next to a neighbour."""
        dist, n, t, pos = self.dist, self.n, self.t, self.pos
        if n < 8:
            return None
        for length in (1, 2, 3):
            i = pos[a]
            seg = [t[(i + k) % n] for k in range(length)]
            first, last = seg[0], seg[-1]
            p, nx = t[i - 1], t[(i + length) % n]
            gain = dist(p, first) + dist(last, nx) - dist(p, nx)
            if gain <= EPS:
                continue
            best: tuple[float, int, int, bool] | None = None
            for end in (first, last):
                for c, dc in zip(self.near[end], self.near_d[end], strict=True):
                    if dc >= gain:
                        break
                    if c in seg:
                        continue
                    for u in (c, t[pos[c] - 1]):
                        w = t[(pos[u] + 1) % n]
                        if u in seg or w in seg or u == p:
                            continue
                        base = dist(u, w)
                        keep = dist(u, first) + dist(last, w) - base
                        flip = dist(u, last) + dist(first, w) - base
                        add, flipped = (keep, False) if keep <= flip else (flip, True)
                        delta = add - gain
                        if delta < -EPS and (best is None or delta < best[0]):
                            best = (delta, u, w, flipped)
            if best is not None:
                delta, u, w, flipped = best
                if w == p:  # seen the other way round, u is the door after the segment
                    self._insert(nx, last, first, p, w, u, flipped)
                else:
                    self._insert(p, first, last, nx, u, w, flipped)
                self.length += delta
                return [p, nx, first, last, u, w]
        return None

    def _insert(self, p: int, first: int, last: int, nx: int, u: int, w: int,
                flipped: bool) -> None:
        """p first..last nx ... u w  ->  p nx ... u first..last w (last..first if
        flipped), in two or three 2-opt exchanges."""
        self.exchange(p, first, u, w)  # p u ... nx last..first w
        if u != nx:
            self.exchange(p, u, nx, last)  # p nx ... u last..first w
        if not flipped and first != last:
            self.exchange(u, last, first, w)  # u first..last w

    def or_three(self, t1: int) -> list[int] | None:
        """Segment insertion of any length (the "or" 3-opt move, found through
        neighbour lists as in Lin–Kernighan): drop (t1, t2), (t3, t4), (t5, t6) where the
        stretch S = t2..t3 holds t5 and t6, and add (t2, t3), (t4, t5), (t6, t1): the two
        parts of S change places (or both turn round) between t1 and t4."""
        dist, near, near_d = self.dist, self.near, self.near_d
        n, t, pos = self.n, self.t, self.pos
        for step in (1, -1):
            t2 = t[(pos[t1] + step) % n]
            g1 = dist(t1, t2)
            for t3, d23 in zip(near[t2], near_d[t2], strict=True):
                g1b = g1 - d23
                if g1b <= EPS:
                    break
                if t3 == t1:
                    continue
                t4 = t[(pos[t3] + step) % n]
                if t4 != t1 and t4 != t2:
                    move = self._segment_insertion(step, t1, t2, t3, t4, g1b)
                    if move:
                        return move
                t4 = t[(pos[t3] - step) % n]
                if t4 != t2:
                    move = self._two_exchanges(step, t1, t2, t3, t4, g1b)
                    if move:
                        return move
        return None

    def _segment_insertion(self, step: int, t1: int, t2: int, t3: int, t4: int,
                           g1b: float) -> list[int] | None:
        """t4 after t3: the stretch S = t2..t3 closes on itself; open it at (t5, t6)."""
        dist, n, t, pos = self.dist, self.n, self.t, self.pos
        g2base = g1b + dist(t3, t4)
        span = (pos[t3] - pos[t2]) * step % n  # t5 lies in S when within span
        for t5, d45 in zip(self.near[t4], self.near_d[t4], strict=True):
            g2 = g2base - d45
            if g2 <= EPS:
                break
            if (pos[t5] - pos[t2]) * step % n > span:
                continue
            after = t[(pos[t5] + step) % n]
            before = t[(pos[t5] - step) % n]
            for t6 in (after, before):
                if (t5 == t3 and t6 == t4) or (t5 == t2 and t6 == t1):
                    continue
                gain = g2 + dist(t5, t6) - dist(t6, t1)
                if gain <= EPS:
                    continue
                if t6 == after:  # t1 [t2..t5][t6..t3] t4 -> t1 [t6..t3][t2..t5] t4
                    self.exchange(t1, t2, t3, t4)
                    if t6 != t3:
                        self.exchange(t1, t3, t6, t5)
                    if t5 != t2:
                        self.exchange(t3, t5, t2, t4)
                else:  # t1 [t2..t6][t5..t3] t4 -> t1 [t6..t2][t3..t5] t4
                    if t6 != t2:
                        self.exchange(t1, t2, t6, t5)
                    if t5 != t3:
                        self.exchange(t2, t5, t3, t4)
                self.length -= gain
                return [t1, t2, t3, t4, t5, t6]
        return None

    def _two_exchanges(self, step: int, t1: int, t2: int, t3: int, t4: int,
                       g1b: float) -> list[int] | None:
        """t4 before t3: the 2-opt exchange t1 t2..t4 t3 -> t1 t4..t2 t3, closed with
        (t4, t1) when that gains, else followed by a second exchange from (t1, t4)."""
        dist, n, t, pos = self.dist, self.n, self.t, self.pos
        g2base = g1b + dist(t3, t4)
        gain = g2base - dist(t4, t1)
        if gain > EPS:
            self.exchange(t1, t2, t4, t3)
            self.length -= gain
            return [t1, t2, t3, t4]
        span = (pos[t4] - pos[t2]) * step % n  # the stretch t2..t4 that turns round
        for t5, d45 in zip(self.near[t4], self.near_d[t4], strict=True):
            g2 = g2base - d45
            if g2 <= EPS:
                break
            if t5 == t1 or t5 == t3:
                continue
            if (pos[t5] - pos[t2]) * step % n <= span:  # in the turned stretch
                t6 = t[(pos[t5] + step) % n]
            else:
                t6 = t[(pos[t5] - step) % n]
            if t6 == t4:
                continue
            gain = g2 + dist(t5, t6) - dist(t6, t1)
            if gain > EPS:
                self.exchange(t1, t2, t4, t3)
                self.exchange(t1, t4, t6, t5)
                self.length -= gain
                return [t1, t2, t3, t4, t5, t6]
        return None

    def local_search(self, active: list[int], deadline: float | None = None) -> None:
        """Improve from the doors ``active`` until no move pays (or, with ``deadline``,
        until then: a shorter tour than the start, if not the best)."""
        queue = deque(active)
        queued = [False] * self.n
        for v in active:
            queued[v] = True
        steps = 0
        while queue:
            steps += 1
            if deadline is not None and not steps & 255 and time.perf_counter() >= deadline:
                return
            a = queue.popleft()
            queued[a] = False
            touched = self.two_opt(a) or self.or_opt(a) or self.or_three(a)
            if touched:
                for v in touched:
                    if not queued[v]:
                        queued[v] = True
                        queue.append(v)
                if not queued[a]:
                    queued[a] = True
                    queue.append(a)


def _cycle_length(order: list[int], dist: Callable[[int, int], float]) -> float:
    return sum(dist(order[i - 1], order[i]) for i in range(len(order)))


def default_budget(n: int) -> float:
    """The most seconds :func:`solve` may take for n doors (a ceiling, not what it
    takes): 0.28 s at 100 doors, 1.8 s from 1,900 on. Within it the search stops once
    kicks stop paying (:func:`_patience`), so how long it runs follows the shape of the
    problem as well as its size."""
    return min(1.8, 0.2 + 0.0008 * n)


def _patience(n: int, settled: float) -> float:
    """Seconds of kicks without a shorter tour after which the search stops: long
    enough for a fresh improvement to be likely still to come. It grows with the doors
    (each kick only touches a few) and with ``settled``, the time the first local search
    took, which measures how hard the shape is (clusters and long streets take longer
    to settle than an even spread of the same size)."""
    return 0.05 + 0.00025 * n + 2.0 * settled


def _far(xy: np.ndarray) -> float:
    """A step longer than any two real steps together (three diagonals of the points'
    box): the cost of leaving the dummy node of an open path anywhere but its start."""
    span = xy.max(axis=0) - xy.min(axis=0)
    return 3.0 * float(math.hypot(span[0], span[1])) + 1.0


def solve(points: Sequence[Point], *, time_limit: float | None = None, seed: int = 0,
          max_kicks: int | None = None, start: int | None = None) -> list[int]:
    """A short tour through ``points`` (metres): a permutation of their indexes.

    Closed (back to the first door) by default; with ``start``, an open path that
    begins at ``points[start]`` and ends wherever is shortest (the walk from a
    canvasser's car). The open path is solved as a closed tour through one more,
    dummy node that costs nothing to reach from ``start`` and more than any real
    detour from anywhere else, so the best tour enters it from ``start``.

    ``time_limit`` is a ceiling on the whole call (default :func:`default_budget`;
    the first tour is always completed, and the search stops earlier once kicks stop
    paying); ``max_kicks`` bounds the iterated improvement by count instead
    (deterministic, for tests)."""
    n = len(points)
    if start is not None and not 0 <= start < n:
        raise ValueError("start must be the index of one of the points")
    if n <= 3:
        if start is None or n <= 2:
            order = list(range(n))
            return order if start is None else [start] + [i for i in order if i != start]
        return _small_path(points, start)
    started = time.perf_counter()
    budget = default_budget(n) if time_limit is None else time_limit
    xy = np.asarray(points, dtype=float)
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    size = n if start is None else n + 1
    dummy = n
    far = _far(xy) if start is not None else 0.0
    if size <= 800:
        matrix = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        if start is not None:
            matrix = np.pad(matrix, ((0, 1), (0, 1)), constant_values=far)
            matrix[dummy, dummy] = 0.0
            matrix[dummy, start] = matrix[start, dummy] = 0.0
        rows = matrix.tolist()

        def dist(a: int, b: int) -> float:
            return rows[a][b]
    elif start is None:
        hypot = math.hypot

        def dist(a: int, b: int) -> float:
            return hypot(xs[a] - xs[b], ys[a] - ys[b])
    else:
        hypot = math.hypot
        xs.append(0.0)
        ys.append(0.0)

        def dist(a: int, b: int) -> float:
            if a == dummy or b == dummy:
                return 0.0 if a + b - dummy == start or a == b else far
            return hypot(xs[a] - xs[b], ys[a] - ys[b])

    near, near_d = neighbours.candidates(xy, NEIGHBOURS_SMALL if n <= SMALL else NEIGHBOURS)
    first = _greedy_edges(n, near, near_d, xy)
    if start is not None:
        # The start's first neighbour is the dummy; the dummy's only one is the start.
        near[start] = [dummy] + near[start][:-1]
        near_d[start] = [0.0] + near_d[start][:-1]
        near.append([start])
        near_d.append([0.0])
        at = first.index(start)
        first = first[at:] + first[:at]
        # Leave the tour's longer step at the start out of the path.
        if math.dist(points[start], points[first[1]]) > \
                math.dist(points[start], points[first[-1]]):
            first = [start] + first[:0:-1]
        first.append(dummy)
    tour = _Tour(first, near, near_d, dist)
    # The first descent is bounded too (with a little room for what follows), so a
    # machine busy with other work gets a slightly longer walk, not a late one.
    tour.local_search(list(range(size)), None if max_kicks is not None
                      else started + 0.95 * budget)
    settled = time.perf_counter() - started
    tour.journal = []
    rng = random.Random(seed)  # noqa: S311 (not for secrets: a reproducible search)
    kicks = 0
    deadline = started + budget
    patience = _patience(n, settled)
    last_gain = time.perf_counter()
    span = max(1, min(KICK_SPAN, (size - 2) // 2))
    wide = max(1, (size - 2) // 2)
    t = tour.t
    while True:
        if max_kicks is None:
            now = time.perf_counter()
            if now >= deadline or now - last_gain >= patience:
                break
        elif kicks >= max_kicks:
            break
        kicks += 1
        # A double bridge: two consecutive stretches swap places; mostly short ones
        # (a local change), one kick in ten anywhere in the tour (which moves both places
        # where a tour crosses between two clusters at once, out of reach of the rest).
        reach = wide if rng.random() < 0.1 else span
        l1, l2 = rng.randint(1, reach), rng.randint(1, reach)
        i = rng.randrange(1, size - l1 - l2)
        before = tour.length
        a, b1, bl = t[i - 1], t[i], t[i + l1 - 1]
        c1, cl, d = t[i + l1], t[i + l1 + l2 - 1], t[(i + l1 + l2) % size]
        tour.length += (dist(a, c1) + dist(cl, b1) + dist(bl, d)
                        - dist(a, b1) - dist(bl, c1) - dist(cl, d))
        tour.swap(i, l1, l2)
        tour.local_search([a, b1, bl, c1, cl, d])
        if tour.length < before - EPS:
            tour.journal.clear()
            last_gain = time.perf_counter()
        else:
            tour.undo(0)
            tour.length = before
    order = list(tour.t)
    if size <= 800:
        # Where it is cheap, never hand over a walk longer than the nearest-neighbour
        # one: greedy edges can start the search in a basin whose bottom is (a few
        # scattered doors, many at one spot); then the plain walk, improved, is used.
        plain = nearest_neighbour(points, 0 if start is None else start)
        if start is not None:
            plain.append(dummy)
        if _cycle_length(plain, dist) < tour.length - EPS:
            other = _Tour(plain, near, near_d, dist)
            other.local_search(list(range(size)))
            if other.length < tour.length:
                order = list(other.t)
    if start is None:
        return order
    return _open_from(order, start, dummy)


def _open_from(cycle: list[int], start: int, dummy: int) -> list[int]:
    """The path of a tour through the dummy node: from ``start`` away from the dummy."""
    size = len(cycle)
    at = cycle.index(start)
    if cycle[(at + 1) % size] == dummy:  # walk the other way round
        cycle = cycle[::-1]
        at = size - 1 - at
    path = cycle[at:] + cycle[:at]
    path.remove(dummy)
    return path


def _small_path(points: Sequence[Point], start: int) -> list[int]:
    """The shortest open path from ``start`` through three points."""
    a, b = (i for i in range(3) if i != start)
    first = [start, a, b]
    other = [start, b, a]
    return min(first, other, key=lambda o: tour_length(points, o, closed=False))



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


def walk_order(doors: Sequence[Door], *, start: tuple[float, float] | None = None,
               time_limit: float | None = None, seed: int = 0) -> list[int]:
    """The doors' keys in knocking order, each block face and side walked whole and in
    house-number order, faces in the order the walk first reaches them.

    With ``start`` (latitude, longitude: the canvasser's car, the office) the walk is
    the shortest open path from there; without, the optimized closed tour opened at
    its longest step (so the walk leaves that step out)."""
    if not doors:
        return []
    latlons = [(d.lat, d.lon) for d in doors]
    if start is not None:
        points = project([*latlons, start])
        order = solve(points, time_limit=time_limit, seed=seed, start=len(doors))[1:]
    else:
        points = project(latlons)
        order = solve(points, time_limit=time_limit, seed=seed)
        n = len(order)
        if n > 2:
            gaps = [math.dist(points[order[i]], points[order[(i + 1) % n]])
                    for i in range(n)]
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
