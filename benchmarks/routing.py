"""Benchmark: walking order (groundswell.geo.routing) against OR-tools and a
nearest-neighbour tour, on the same points, with the same distance, in the same run.

    python benchmarks/routing.py            # 100, 500 and 2,000 doors; OR-tools 10 s
    python benchmarks/routing.py --quick    # 100 and 500 doors; OR-tools 2 s

Two kinds of points for each size:

* a row-house street grid: blocks of 100 m × 60 m with streets both ways, doors 5 m
  apart on both sides of every block face (6 m either side of the street's centre
  line);
* uniform random points in a square holding the same density of doors.

For each case it prints one JSON line per figure (ARCHITECTURE.md): our closed-tour
length against OR-tools' guided local search given the time limit (target ≤ 1.00×),
against a nearest-neighbour tour (target ≤ 0.88×), and our time (target ≤ 0.2 s at 100
doors, ≤ 2 s at 2,000; 500 doors is held to 2 s). Lengths are Euclidean metres for all
three (OR-tools is given the distances in centimetres, rounded; its tour is measured
here in metres like the others).

A fourth figure per case is a proven lower bound on the shortest closed tour through
the points (the Held–Karp 1-tree bound, a few hundred subgradient steps), over the
nearest-neighbour tour: where it is above 0.88, no tour at all can be 0.88 × the
nearest-neighbour one, so that target is out of reach on that case for any router.
"""

from __future__ import annotations

import argparse
import json
import math
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


def ortools_tour(points: list[Point], seconds: float) -> list[int] | None:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(points)
    scaled = [[round(math.dist(a, b) * 100) for b in points] for a in points]
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
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
    return order


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
                      "meets": meets}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 500 doors, OR-tools 2 s")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--ortools-seconds", type=float)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    sizes = args.sizes or ([100, 500] if args.quick else [100, 500, 2000])
    seconds = args.ortools_seconds or (2.0 if args.quick else 10.0)
    for n in sizes:
        grid = street_grid(n, args.seed)
        cases = {"grid": grid, "uniform": uniform(n, args.seed, grid)}
        for kind, points in cases.items():
            started = time.perf_counter()
            ours = routing.solve(points)
            took = time.perf_counter() - started
            assert sorted(ours) == list(range(n))
            our_len = routing.tour_length(points, ours)
            reference = ortools_tour(points, seconds)
            nn_len = routing.tour_length(points, routing.nearest_neighbour(points))
            label = f"routing.{kind}.{n}"
            if reference is None:
                ref_len = math.inf
                figure(f"{label}.length_vs_ortools", our_len, None,
                       f"OR-tools guided local search, {seconds:g} s: no tour in time", "m",
                       "<= 1.00 x OR-tools", True)
            else:
                ref_len = routing.tour_length(points, reference)
                ratio = our_len / ref_len
                figure(f"{label}.length_vs_ortools", ratio, 1.0,
                       f"OR-tools guided local search, {seconds:g} s", "ratio", "<= 1.00",
                       ratio <= 1.0)
            ratio_nn = our_len / nn_len
            figure(f"{label}.length_vs_nearest_neighbour", ratio_nn, 1.0,
                   "nearest-neighbour tour", "ratio", "<= 0.88", ratio_nn <= 0.88)
            bound = held_karp_bound(points, our_len)
            figure(f"{label}.lower_bound_vs_nearest_neighbour", bound / nn_len, 0.88,
                   "the target for our route (a proven lower bound above it means no "
                   "tour can meet it)", "ratio", "<= 0.88 (reachable)", bound / nn_len <= 0.88)
            limit = 0.2 if n <= 100 else 2.0
            figure(f"{label}.time", took, seconds, "OR-tools time limit", "s",
                   f"<= {limit:g}", took <= limit)
            print(f"# {label}: ours {our_len:.0f} m in {took:.2f} s, OR-tools "
                  f"{ref_len:.0f} m, nearest neighbour {nn_len:.0f} m, lower bound "
                  f"{bound:.0f} m (ours {our_len / bound:.3f} × it)", file=sys.stderr)


if __name__ == "__main__":
    main()
