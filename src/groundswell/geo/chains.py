"""Along the streets: the stretches of a turf cut (a block face, or both sides of a
street paired), chained end to end in walking order, and a chain cut into runs of
balanced door counts. Pure (no Django import); used by :mod:`groundswell.geo.turfcut`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass

import numpy as np

from groundswell.geo import neighbours


@dataclass
class Stretch:
    """One side of a block face, or both sides paired across the street: the units
    walked together, and the two ends of the line they stand along."""

    units: list[int]
    ends: tuple[tuple[float, float], tuple[float, float]]
    size: int


def axis(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Centre, unit direction and length of the line a group of doors stands along
    (the principal axis of their spread)."""
    centre = xy.mean(axis=0)
    dx, dy = xy[:, 0] - centre[0], xy[:, 1] - centre[1]
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    if sxx + syy == 0:
        return centre, np.array([1.0, 0.0]), 0.0
    angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
    direction = np.array([math.cos(angle), math.sin(angle)])
    along = dx * direction[0] + dy * direction[1]
    return centre, direction, float(along.max() - along.min())


def chain(stretches: list[Stretch]) -> tuple[list[int], list[float]]:
    """The stretches in walking order: from an outer end, walk each stretch to its
    other end, then on to the nearest end of a stretch not yet walked (the shortest of
    such greedy walks from the ends farthest out in eight directions); then runs of
    stretches the greedy walk left behind (to be fetched with a long step later) are
    moved to wherever in the chain they cost the least. Returns the order and the step
    from each stretch to the next."""
    ends = np.array([e for s in stretches for e in s.ends], dtype=float)  # 2k, 2k + 1
    centred = ends - ends.mean(axis=0)
    starts = set()
    for angle in range(8):
        direction = np.array([math.cos(angle * math.pi / 4), math.sin(angle * math.pi / 4)])
        starts.add(int(np.argmax(centred @ direction)))
    near = neighbours.nearest_others(ends, min(8, len(ends) - 1))
    walk = min((greedy_walk(ends, start, near) for start in sorted(starts)),
               key=lambda w: walk_length(w, ends))
    walk = reinsert(walk, ends)
    steps = [float(np.hypot(*(ends[b] - ends[a ^ 1]))) for a, b in zip(walk, walk[1:],
                                                                     strict=False)]
    return [e // 2 for e in walk], steps


def greedy_walk(ends: np.ndarray, start: int, near: list[list[int]]) -> list[int]:
    """Nearest-neighbour walk over stretches (ends 2k and 2k + 1 of stretch k) from end
    ``start``: the end each stretch is entered by, in order. ``near`` lists each end's
    nearest other ends, nearest first: the first free one there is the nearest free end;
    only when all are taken are all ends compared."""
    free = np.ones(len(ends), dtype=bool)
    walk: list[int] = []
    current = start
    left = len(ends) // 2
    for _ in range(left):
        walk.append(current)
        free[current] = free[current ^ 1] = False
        left -= 1
        if not left:
            break
        out = current ^ 1
        current = next((e for e in near[out] if free[e]), -1)
        if current < 0:
            gaps = np.hypot(ends[:, 0] - ends[out, 0], ends[:, 1] - ends[out, 1])
            gaps[~free] = np.inf
            current = int(np.argmin(gaps))
    return walk


def walk_length(walk: list[int], ends: np.ndarray) -> float:
    """The steps between the stretches of a walk, summed."""
    entries = ends[np.array(walk[1:], dtype=np.int64)]
    exits = ends[np.array(walk[:-1], dtype=np.int64) ^ 1]
    return float(np.hypot(*(entries - exits).T).sum())


def reinsert(walk: list[int], ends: np.ndarray, passes: int = 3,
              longest: int = 8) -> list[int]:
    """Or-opt on the chain of stretches: take out each run of 1 to ``longest``
    stretches and put it back (either way round) where the steps around it are
    shortest, when that shortens the chain. ``walk`` holds the end each stretch is
    entered by (2k or 2k + 1 for stretch k); turning a run round enters each of its
    stretches by the other end."""

    def step(x: int, y: int) -> float:  # from stretch entered by x on to one entered by y
        return float(np.hypot(*(ends[y] - ends[x ^ 1])))

    for _pass in range(passes):
        improved = False
        i = 0
        while i < len(walk):
            count = len(walk)
            moved = False
            for length in range(1, min(longest, count - 1) + 1):
                if i + length > count:
                    break
                seg = walk[i:i + length]
                before = step(walk[i - 1], seg[0]) if i > 0 else 0.0
                after = step(seg[-1], walk[i + length]) if i + length < count else 0.0
                bridge = (step(walk[i - 1], walk[i + length])
                          if 0 < i and i + length < count else 0.0)
                saved = before + after - bridge
                if saved <= 1e-9:
                    continue
                rest = walk[:i] + walk[i + length:]
                outs = ends[np.array(rest) ^ 1]  # exit end of each stretch left
                ins = ends[np.array(rest)]  # entry end of each
                old = np.hypot(*(ins[1:] - outs[:-1]).T)
                best = (saved - 1e-9, -1, 0)
                for way, (first, last) in enumerate(((ends[seg[0]], ends[seg[-1] ^ 1]),
                                                     (ends[seg[-1] ^ 1], ends[seg[0]]))):
                    # At j: before rest[j] (j = 0: at the front; j = len: at the back).
                    into = np.hypot(*(outs - first).T)  # from rest[j] into the run
                    onto = np.hypot(*(ins - last).T)  # from the run on to rest[j]
                    costs = np.concatenate([[onto[0]], into[:-1] + onto[1:] - old,
                                            [into[-1]]])
                    j = int(np.argmin(costs))
                    if costs[j] < best[0]:
                        best = (float(costs[j]), j, way)
                if best[1] < 0:
                    continue
                _cost, j, way = best
                placed = seg if way == 0 else [e ^ 1 for e in reversed(seg)]
                walk = rest[:j] + placed + rest[j:]
                improved = moved = True
                break
            if not moved:
                i += 1
        if not improved:
            break
    return walk


def runs(sizes: list[int], steps: list[float], parts: int, low: int,
          high: int) -> tuple[float, list[int]] | None:
    """Cut a sequence into ``parts`` consecutive runs of low..high doors each, with the
    least sum of steps inside runs (so runs end where the walk jumps). Dynamic
    programming with a sliding-window minimum: O(len × parts). Returns the cost and the
    start of each run, or None when no such cut exists."""
    count = len(sizes)
    prefix = [0] * (count + 1)
    for i, size in enumerate(sizes):
        prefix[i + 1] = prefix[i] + size
    inside = [0.0] * (count + 1)  # inside[i]: steps between items 0..i-1
    for i in range(1, count):
        inside[i] = inside[i - 1] + steps[i - 1]
    inf = math.inf
    best = [0.0] + [inf] * count
    choices: list[list[int]] = []
    total = prefix[count]
    for part in range(1, parts + 1):
        now = [inf] * (count + 1)
        choice = [-1] * (count + 1)
        # Only ends of run ``part`` that leave room for the runs before and after it.
        first = bisect_left(prefix, max(part * low, total - (parts - part) * high), 1)
        last = bisect_right(prefix, min(part * high, total - (parts - part) * low)) - 1
        window: deque[int] = deque()
        nxt = bisect_left(prefix, prefix[first] - high) if first <= count else count
        for i in range(first, last + 1):
            while nxt < i and prefix[nxt] <= prefix[i] - low:
                if best[nxt] < inf:
                    value = best[nxt] - inside[nxt]
                    while window and best[window[-1]] - inside[window[-1]] >= value:
                        window.pop()
                    window.append(nxt)
                nxt += 1
            while window and prefix[window[0]] < prefix[i] - high:
                window.popleft()
            if window:
                j = window[0]
                now[i] = best[j] - inside[j] + inside[i - 1]
                choice[i] = j
        choices.append(choice)
        best = now
    if best[count] == inf:
        return None
    starts = []
    i = count
    for choice in reversed(choices):
        i = choice[i]
        starts.append(i)
    return best[count], starts[::-1]
