"""Benchmark: cutting 10,000 doors into 40 turfs (groundswell.geo.turfcut) against
k-means-constrained with turf sizes held within ±5 % of 250, on the same points, in
the same run.

    python benchmarks/turfcut.py            # 10,000 doors, 40 turfs, both layouts
    python benchmarks/turfcut.py --quick    # 2,000 doors, 8 turfs

Two layouts (generated here with a fixed seed):

* ``grid``: a row-house street grid: blocks of 100 m × 60 m, doors 5 m apart on both
  sides of every block face (the layout of issue 6);
* ``clustered``: five neighbourhoods of unequal size (patches of 100 m × 60 m blocks
  with streets both ways, doors 5 m apart on 85 % of the lots, on both sides of every
  face) separated by parks (150–300 m across), highways (100–140 m between the
  nearest doors) and rail lines (100–130 m). Each holds a whole number of turfs' worth
  of doors (3 to 20 turfs, drawn at random) within ±2 %: where neighbourhoods hold
  1.5 turfs' worth no cut that keeps turfs inside them can be balanced, and the figure
  ``whole_neighbourhood_bound`` says how balanced any such cut could be at best.

Both cuts are measured the same way: each turf's walking route with our router
(closed tour, a fixed number of improvement kicks so both get the same effort), summed
over the turfs. Figures (one JSON line each, with the 1-minute load average when
measured): our time (target < 2 s), largest/smallest turf in doors (target ≤ 1.10),
summed route length against the baseline's (target ≤ 1.00×), how many block faces
each cut splits (ours should split none) and, on the clustered layout, how many turfs
hold doors of two neighbourhoods (target 0; the neighbourhoods are the generator's,
not our detector's).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from groundswell.geo import routing, turfcut  # noqa: E402


def street_grid(n: int, seed: int) -> list[turfcut.Door]:
    rng = random.Random(seed)
    faces_needed = math.ceil(n / 40)
    cols = max(1, round(math.sqrt(faces_needed * 0.6)))
    doors: list[turfcut.Door] = []
    face = 0
    while len(doors) < n:
        i, j = face % cols, face // cols
        for side in (-6.0, 6.0):
            for k in range(20):
                if len(doors) < n:
                    doors.append(turfcut.Door(i * 100 + 2.5 + 5 * k + rng.uniform(-0.3, 0.3),
                                              j * 60 + side, (i, j, side)))
        face += 1
    return doors


def _block(x0: float, y0: float) -> list[tuple[float, float, tuple]]:
    """The door slots of one 100 m × 60 m block with streets both ways: both sides of
    its south and west faces (the others belong to the next blocks), 5 m apart, with the
    face and side each stands on."""
    slots = [(x0 + 2.5 + 5 * k, y0 + side, ("ew", side)) for side in (-6.0, 6.0)
             for k in range(20)]
    slots += [(x0 + side, y0 + 2.5 + 5 * k, ("ns", side)) for side in (-6.0, 6.0)
              for k in range(12)]
    return slots


def clustered(n: int, parts: int, seed: int,
              count: int = 5) -> tuple[list[turfcut.Door], list[int]]:
    """``count`` neighbourhoods of unequal size separated by parks, highways and rail
    lines; the doors and the neighbourhood of each. Each neighbourhood holds a whole
    number of turfs' worth of doors (drawn at random, at least 3) within ±2 %, so a cut
    that keeps every turf in one neighbourhood can be balanced."""
    rng = random.Random(seed)
    shares = [3] * count
    for _ in range(parts - 3 * count):
        shares[rng.randrange(count)] += 1
    weights = [share * rng.uniform(0.98, 1.02) for share in shares]
    sizes = [math.floor(n * w / sum(weights)) for w in weights]
    sizes[0] += n - sum(sizes)
    cols = math.ceil(math.sqrt(count))

    def gap() -> float:
        kind = rng.choice(("park", "highway", "rail"))
        return {"park": rng.uniform(150, 300), "highway": rng.uniform(100, 140),
                "rail": rng.uniform(100, 130)}[kind]

    doors: list[turfcut.Door] = []
    hood: list[int] = []
    x = y = 0.0
    row_height = 0.0
    for k, size in enumerate(sizes):
        blocks = math.ceil(size / (64 * 0.85))
        bcols = max(1, math.ceil(math.sqrt(blocks * 0.6)))
        brows = math.ceil(blocks / bcols)
        slots = []
        for b in range(blocks):
            i, j = b % bcols, b // bcols
            slots += [(sx, sy, (k, i, j, *face))
                      for sx, sy, face in _block(x + 100 * i, y + 60 * j)]
        for s in sorted(rng.sample(range(len(slots)), size)):
            sx, sy, face = slots[s]
            doors.append(turfcut.Door(sx + rng.uniform(-0.3, 0.3), sy + rng.uniform(-0.3, 0.3),
                                      face))
            hood.append(k)
        # The block grid's last street (east and north) has no doors on its far side.
        row_height = max(row_height, 60.0 * brows)
        x += 100.0 * bcols + gap()
        if k % cols == cols - 1:
            x = rng.uniform(-50, 50)
            y += row_height + gap()
            row_height = 0.0
    return doors, hood


def spanning(labels: list[int], hood: list[int]) -> int:
    """Turfs holding doors of more than one neighbourhood."""
    seen: dict[int, set[int]] = defaultdict(set)
    for label, k in zip(labels, hood, strict=True):
        seen[label].add(k)
    return sum(len(v) > 1 for v in seen.values())


def route_total(doors: list[turfcut.Door], labels: list[int], parts: int) -> float:
    groups: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for door, label in zip(doors, labels, strict=True):
        groups[label].append((door.x, door.y))
    total = 0.0
    for label in range(parts):
        points = groups[label]
        total += routing.tour_length(points, routing.solve(points, max_kicks=300))
    return total


def split_faces(doors: list[turfcut.Door], labels: list[int]) -> int:
    faces: dict[object, set[int]] = defaultdict(set)
    for door, label in zip(doors, labels, strict=True):
        faces[door.face].add(label)
    return sum(len(parts) > 1 for parts in faces.values())


def figure(name: str, ours: float, peer: float | None, peer_name: str, unit: str,
           target: str, meets: bool) -> None:
    print(json.dumps({"name": name, "ours": round(ours, 4),
                      "peer": None if peer is None else round(peer, 4),
                      "peer_name": peer_name, "unit": unit, "target": target,
                      "meets": meets, "load_average_1m": round(os.getloadavg()[0], 2)}),
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 doors into 8 turfs")
    parser.add_argument("--doors", type=int)
    parser.add_argument("--turfs", type=int)
    parser.add_argument("--layouts", nargs="*", choices=("grid", "clustered"))
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    n = args.doors or (2000 if args.quick else 10_000)
    parts = args.turfs or (8 if args.quick else 40)
    for kind in args.layouts or ("grid", "clustered"):
        if kind == "grid":
            run(kind, street_grid(n, args.seed), None, parts, args.seed)
        else:
            doors, hood = clustered(n, parts, args.seed, count=5 if parts >= 20 else 2)
            run(kind, doors, hood, parts, args.seed)


def run(kind: str, doors: list[turfcut.Door], hood: list[int] | None, parts: int,
        seed: int) -> None:
    n = len(doors)
    started = time.perf_counter()
    ours = turfcut.cut(doors, parts)
    our_time = time.perf_counter() - started

    import numpy as np
    from k_means_constrained import KMeansConstrained

    size = n / parts
    started = time.perf_counter()
    model = KMeansConstrained(n_clusters=parts, size_min=math.floor(size * 0.95),
                              size_max=math.ceil(size * 1.05), random_state=seed)
    theirs = [int(v) for v in model.fit_predict(np.array([(d.x, d.y) for d in doors]))]
    their_time = time.perf_counter() - started
    peer = "k-means-constrained (sizes within ±5 %)"
    label = f"turfcut.{kind}.{n}.{parts}"

    figure(f"{label}.time", our_time, their_time, peer, "s", "< 2", our_time < 2)
    sizes = turfcut.sizes_of(ours, parts)
    their_sizes = turfcut.sizes_of(theirs, parts)
    balance = max(sizes) / min(sizes)
    figure(f"{label}.largest_over_smallest", balance,
           max(their_sizes) / min(their_sizes), peer, "ratio", "<= 1.10", balance <= 1.10)
    our_route, their_route = route_total(doors, ours, parts), route_total(doors, theirs, parts)
    figure(f"{label}.route_length_vs_baseline", our_route / their_route, 1.0,
           peer, "ratio", "<= 1.00", our_route <= their_route)
    figure(f"{label}.split_block_faces", split_faces(doors, ours),
           split_faces(doors, theirs), peer, "faces", "fewest", split_faces(doors, ours)
           <= split_faces(doors, theirs))
    if hood is not None:
        counts = [hood.count(k) for k in range(max(hood) + 1)]
        shares = turfcut._allocate(counts, parts)
        averages = [c / k for c, k in zip(counts, shares, strict=True)]
        bound = max(averages) / min(averages)
        figure(f"{label}.whole_neighbourhood_bound", bound, None, "none: the least "
               "largest/smallest average turf of any cut keeping turfs inside "
               "neighbourhoods", "ratio", "<= 1.10 (reachable)", bound <= 1.10)
        ours_span, theirs_span = spanning(ours, hood), spanning(theirs, hood)
        figure(f"{label}.turfs_spanning_a_gap", ours_span, theirs_span, peer, "turfs",
               "0", ours_span == 0)
    print(f"# {label}: ours {our_route:.0f} m in {our_time:.2f} s; baseline: "
          f"{their_route:.0f} m in {their_time:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
