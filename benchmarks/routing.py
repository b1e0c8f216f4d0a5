"""Benchmark: walking order (groundswell.geo.routing) against OR-tools and a
nearest-neighbour walk, on the same points, with the same distance, in the same run.

    python benchmarks/routing.py            # 100, 500 and 2,000 doors; OR-tools 10 s
    python benchmarks/routing.py --quick    # 100 and 500 doors; OR-tools 2 s

Five layouts for each size (all generated here with a fixed seed):

* ``grid``: a row-house street grid: blocks of 100 m × 60 m with streets both ways,
  doors 5 m apart on both sides of every block face (6 m either side of the street's
  centre line);
* ``uniform``: uniform random points in a square holding the same density of doors;
* ``neighbourhoods``: dense patches of such blocks (doors on most lots) separated by
  parks (150–300 m) and highways (60–100 m);
* ``avenue``: one long avenue with doors on both sides (10 m either side, 6–10 m
  apart) and short side streets off it every 80–140 m, 30–150 m long, doors on both
  sides;
* ``mixed``: a grid patch, an avenue leaving it, a neighbourhood across a park and
  houses strewn along a country road.

Each layout is solved twice: the closed tour (back to the first door) and the open
walk from a chosen door (a door picked with the seed: the canvasser's car), which is
what a walk list hands over. OR-tools gets the open walk as a route from that door to
a dummy end node that every door reaches for nothing.

For each case it prints one JSON line per figure (ARCHITECTURE.md): our length against
OR-tools' guided local search given the time limit (target ≤ 1.00×), against a
nearest-neighbour walk (target ≤ 0.88×, closed tours of grid and uniform only, as in
issue 6), and our time (target ≤ 0.2 s at 100 doors, ≤ 2 s otherwise). Lengths are
Euclidean metres for all three (OR-tools is given the distances in centimetres,
rounded; its tour is measured here in metres like the others). Every line carries the
1-minute load average when it was measured (the machine is shared).

For closed tours a further figure is a proven lower bound on the shortest tour through
the points (the Held–Karp 1-tree bound, a few hundred subgradient steps), over the
nearest-neighbour tour: where it is above 0.88, no tour at all can be 0.88 × the
nearest-neighbour one, so that target is out of reach on that case for any router.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from groundswell.geo import routing  # noqa: E402

Point = tuple[float, float]


def street_grid(n: int, seed: int) -> list[Point]:
    """n row-house doors on a street grid: blocks of 100 m (east-west) by 60 m, streets
    in both directions, doors 5 m apart on both sides of every block face (6 m either
    side of the street's centre line), blocks taken in a roughly square area."""
    rng = random.Random(seed)
    per_block = 2 * 20 + 2 * 12  # an east-west and a north-south face, both sides
    blocks = math.ceil(n / per_block)
    cols = max(1, math.ceil(math.sqrt(blocks * 0.6)))
    points: list[Point] = []
    block = 0
    while len(points) < n:
        i, j = block % cols, block // cols
        x0, y0 = i * 100, j * 60
        doors = [(x0 + 2.5 + 5 * k, y0 + side) for side in (-6.0, 6.0) for k in range(20)]
        doors += [(x0 + side, y0 + 2.5 + 5 * k) for side in (-6.0, 6.0) for k in range(12)]
        for x, y in doors:
            if len(points) < n:
                points.append((x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3)))
        block += 1
    return points


def uniform(n: int, seed: int, like: list[Point]) -> list[Point]:
    rng = random.Random(seed)
    xs, ys = [p[0] for p in like], [p[1] for p in like]
    w, h = max(xs) - min(xs) or 1.0, max(ys) - min(ys) or 1.0
    side = math.sqrt(w * h)
    return [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(n)]


def _block_doors(x0: float, y0: float, spacing: float = 5.0) -> list[Point]:
    """The door slots of one block of 100 m × 60 m whose corner is (x0, y0): both sides
    of its south face and of its west face (the grid's other faces belong to the next
    blocks)."""
    along = int(100 // spacing)
    up = int(60 // spacing)
    doors = [(x0 + spacing / 2 + spacing * k, y0 + side) for side in (-6.0, 6.0)
             for k in range(along)]
    doors += [(x0 + side, y0 + spacing / 2 + spacing * k) for side in (-6.0, 6.0)
              for k in range(up)]
    return doors


def _jitter(rng: random.Random, points: list[Point], by: float = 0.3) -> list[Point]:
    return [(x + rng.uniform(-by, by), y + rng.uniform(-by, by)) for x, y in points]


def _patch(rng: random.Random, doors: int, x0: float, y0: float,
           filled: float = 0.75) -> tuple[list[Point], float, float]:
    """A patch of grid blocks holding ``doors`` doors on ``filled`` of its lots; its
    points, width and height."""
    blocks = max(1, math.ceil(doors / (64 * filled)))
    cols = max(1, math.ceil(math.sqrt(blocks * 0.6)))
    rows = math.ceil(blocks / cols)
    slots = [p for b in range(blocks)
             for p in _block_doors(x0 + 100 * (b % cols), y0 + 60 * (b // cols))]
    chosen = sorted(rng.sample(range(len(slots)), min(doors, len(slots))))
    return [slots[i] for i in chosen], 100.0 * cols, 60.0 * rows


def neighbourhoods(n: int, seed: int) -> list[Point]:
    """Dense patches of blocks separated by parks (150–300 m) and highways (60–100 m):
    two patches at 100 doors, up to eight at 2,000, of unequal sizes."""
    rng = random.Random(seed)
    count = max(2, min(8, round(math.sqrt(n) / 5.5)))
    weights = [rng.uniform(0.6, 1.4) for _ in range(count)]
    sizes = [math.floor(n * w / sum(weights)) for w in weights]
    sizes[0] += n - sum(sizes)
    cols = math.ceil(math.sqrt(count))
    points: list[Point] = []
    x = y = 0.0
    row_height = 0.0
    for k, size in enumerate(sizes):
        patch, width, height = _patch(rng, size, x, y)
        points += patch
        row_height = max(row_height, height)
        gap = rng.uniform(150, 300) if rng.random() < 0.5 else rng.uniform(60, 100)
        x += width + gap
        if k % cols == cols - 1:
            x = rng.uniform(-50, 50)
            y += row_height + (rng.uniform(150, 300) if rng.random() < 0.5
                               else rng.uniform(60, 100))
            row_height = 0.0
    return _jitter(rng, points)


def avenue(n: int, seed: int, x0: float = 0.0, y0: float = 0.0) -> list[Point]:
    """One long avenue along x, doors on both sides (10 m off its centre line, 6–10 m
    apart), and every 80–140 m a short side street (30–150 m, going north, south or
    both) with doors on both sides (6 m off its line, 5–9 m apart)."""
    rng = random.Random(seed)
    points: list[Point] = []
    x = 0.0
    while len(points) < n:
        block = rng.uniform(80, 140)
        for side in (-10.0, 10.0):
            along = rng.uniform(0, 4)
            while along < block - 12:
                points.append((x + along + 6, side))
                along += rng.uniform(6, 10)
        x += block
        for way in (-1, 1):
            if rng.random() < 0.7:
                length = rng.uniform(30, 150)
                for side in (-6.0, 6.0):
                    up = 16 + rng.uniform(0, 3)
                    while up < length:
                        points.append((x + side, way * up))
                        up += rng.uniform(5, 9)
    points = points[:n]
    return [(px + x0, py + y0) for px, py in _jitter(rng, points)]


def mixed(n: int, seed: int) -> list[Point]:
    """A grid patch (45 %), an avenue leaving it eastwards (30 %), a neighbourhood across
    a 200 m park to the north (15 %) and houses strewn along a country road to the
    south-west (the rest, 20–80 m apart)."""
    rng = random.Random(seed)
    grid_n, avenue_n, across_n = round(0.45 * n), round(0.3 * n), round(0.15 * n)
    rural_n = n - grid_n - avenue_n - across_n
    patch, width, height = _patch(rng, grid_n, 0.0, 0.0)
    points = list(patch)
    points += avenue(avenue_n, seed + 1, x0=width + 20, y0=height / 2)
    across, _w, _h = _patch(rng, across_n, rng.uniform(0, width / 2), height + 200)
    points += across
    x, y = -20.0, -20.0
    heading = math.radians(225)
    for _ in range(rural_n):
        heading += rng.uniform(-0.3, 0.3)
        step = rng.uniform(20, 80)
        x, y = x + step * math.cos(heading), y + step * math.sin(heading)
        points.append((x + rng.uniform(-15, 15), y + rng.uniform(-15, 15)))
    return _jitter(rng, points)[:n]


LAYOUTS = ("grid", "uniform", "neighbourhoods", "avenue", "mixed")


def layout(kind: str, n: int, seed: int) -> list[Point]:
    if kind == "grid":
        return street_grid(n, seed)
    if kind == "uniform":
        return uniform(n, seed, street_grid(n, seed))
    return {"neighbourhoods": neighbourhoods, "avenue": avenue, "mixed": mixed}[kind](n, seed)


def ortools_tour(points: list[Point], seconds: float,
                 start: int | None = None) -> list[int] | None:
    """OR-tools' tour (closed, from door 0), or with ``start`` its open walk from that
    door: a route from ``start`` to a dummy end node that every door reaches for 0."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(points)
    scaled = [[round(math.dist(a, b) * 100) for b in points] for a in points]
    if start is None:
        manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    else:
        for row in scaled:
            row.append(0)
        scaled.append([0] * (n + 1))
        manager = pywrapcp.RoutingIndexManager(n + 1, 1, [start], [n])
    model = pywrapcp.RoutingModel(manager)

    # The matrix is handed over whole (no Python callback per arc), so OR-tools spends
    # its time limit searching, not calling back into Python.
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(scaled))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = \
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = model.SolveWithParameters(params)
    if solution is None:  # no tour at all within the time limit
        return None
    order, index = [], model.Start(0)
    while not model.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(model.NextVar(index))
    return order  # (the dummy end, if any, is not part of it)


def held_karp_bound(points: list[Point], upper: float, iterations: int = 120) -> float:
    """A lower bound on the shortest closed tour through ``points`` (metres): the
    Held–Karp bound. For any node weights pi, a minimum 1-tree (a spanning tree of
    every point but the first, plus the first point's two shortest edges) under the
    costs d(i, j) + pi[i] + pi[j], less 2·Σpi, is at most the optimal tour's length
    (every tour is a 1-tree whose nodes all have degree 2). Subgradient steps on pi
    (towards degree 2 everywhere) raise the bound; the best one seen is returned."""
    import numpy as np

    xy = np.asarray(points, dtype=float)
    n = len(xy)
    if n < 3:
        return 0.0
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    pi = np.zeros(n)
    best, scale = 0.0, 2.0
    for k in range(iterations):
        cost = dist + pi[:, None] + pi[None, :]
        degree = np.zeros(n, dtype=np.int64)
        # Prim's minimum spanning tree over points 1..n-1.
        key = cost[1].copy()
        parent = np.full(n, 1)
        done = np.zeros(n, dtype=bool)
        done[:2] = True
        key[done] = np.inf
        total = 0.0
        for _ in range(n - 2):
            v = int(np.argmin(key))
            total += float(key[v])
            degree[v] += 1
            degree[parent[v]] += 1
            done[v] = True
            key[v] = np.inf
            closer = (cost[v] < key) & ~done
            key[closer] = cost[v][closer]
            parent[closer] = v
        first = cost[0].copy()
        first[0] = np.inf
        a, b = np.argpartition(first, 1)[:2]
        total += float(first[a] + first[b])
        degree[0] += 2
        degree[a] += 1
        degree[b] += 1
        bound = total - 2 * float(pi.sum())
        best = max(best, bound)
        slope = degree - 2
        norm = float((slope * slope).sum())
        if norm == 0:  # the 1-tree is a tour: the bound is the optimum
            break
        pi += scale * max(upper - bound, 0.0) / norm * slope
        if k % 15 == 14:
            scale *= 0.7
    return best


def figure(name: str, ours: float, peer: float | None, peer_name: str, unit: str,
           target: str, meets: bool) -> None:
    print(json.dumps({"name": name, "ours": round(ours, 4),
                      "peer": None if peer is None else round(peer, 4),
                      "peer_name": peer_name, "unit": unit, "target": target,
                      "meets": meets, "load_average_1m": round(os.getloadavg()[0], 2)}),
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 500 doors, OR-tools 2 s")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--layouts", nargs="*", choices=LAYOUTS)
    parser.add_argument("--modes", nargs="*", choices=("closed", "open"))
    parser.add_argument("--ortools-seconds", type=float)
    parser.add_argument("--no-bound", action="store_true", help="skip the Held-Karp bound")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    sizes = args.sizes or ([100, 500] if args.quick else [100, 500, 2000])
    seconds = args.ortools_seconds or (2.0 if args.quick else 10.0)
    for n in sizes:
        for kind in args.layouts or LAYOUTS:
            points = layout(kind, n, args.seed)
            assert len(points) == n, (kind, len(points))
            for mode in args.modes or ("closed", "open"):
                start = None if mode == "closed" else random.Random(args.seed).randrange(n)
                run(kind, mode, points, start, seconds, bound=not args.no_bound)


def run(kind: str, mode: str, points: list[Point], start: int | None, seconds: float,
        bound: bool) -> None:
    n = len(points)
    closed = start is None
    started = time.perf_counter()
    ours = routing.solve(points, start=start)
    took = time.perf_counter() - started
    assert sorted(ours) == list(range(n))
    assert closed or ours[0] == start
    our_len = routing.tour_length(points, ours, closed=closed)
    reference = ortools_tour(points, seconds, start)
    nn_len = routing.tour_length(points, routing.nearest_neighbour(points, start or 0),
                                 closed=closed)
    label = f"routing.{kind}.{mode}.{n}"
    if reference is None:
        ref_len = math.inf
        figure(f"{label}.length_vs_ortools", our_len, None,
               f"OR-tools guided local search, {seconds:g} s: no tour in time", "m",
               "<= 1.00 x OR-tools", True)
    else:
        assert closed or reference[0] == start
        ref_len = routing.tour_length(points, reference, closed=closed)
        ratio = our_len / ref_len
        figure(f"{label}.length_vs_ortools", ratio, 1.0,
               f"OR-tools guided local search, {seconds:g} s", "ratio", "<= 1.00",
               ratio <= 1.0)
    ratio_nn = our_len / nn_len
    if closed and kind in ("grid", "uniform"):
        figure(f"{label}.length_vs_nearest_neighbour", ratio_nn, 1.0,
               "nearest-neighbour tour", "ratio", "<= 0.88", ratio_nn <= 0.88)
    limit = 0.2 if n <= 100 else 2.0
    figure(f"{label}.time", took, seconds, "OR-tools time limit", "s",
           f"<= {limit:g}", took <= limit)
    note = ""
    if closed and bound:
        low = held_karp_bound(points, our_len)
        figure(f"{label}.lower_bound_vs_nearest_neighbour", low / nn_len, 0.88,
               "the target for our route (a proven lower bound above it means no "
               "tour can meet it)", "ratio", "<= 0.88 (reachable)", low / nn_len <= 0.88)
        note = f", lower bound {low:.0f} m (ours {our_len / low:.3f} × it)"
    print(f"# {label}: ours {our_len:.0f} m in {took:.2f} s, OR-tools {ref_len:.0f} m, "
          f"nearest neighbour {nn_len:.0f} m{note}", file=sys.stderr)


if __name__ == "__main__":
    main()
