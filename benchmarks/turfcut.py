"""Benchmark: cutting 10,000 doors into 40 turfs (groundswell.geo.turfcut) against
k-means-constrained with turf sizes held within ±5 % of 250, on the same points, in
the same run.

    python benchmarks/turfcut.py            # 10,000 doors, 40 turfs
    python benchmarks/turfcut.py --quick    # 2,000 doors, 8 turfs

The doors stand on a row-house street grid: blocks of 100 m × 60 m, doors 5 m apart
on both sides of every block face. Both cuts are then measured the same way: each
turf's walking route with our router (closed tour, a fixed number of improvement
kicks so both get the same effort), summed over the turfs. Figures (one JSON line
each): our time (target < 2 s), largest/smallest turf in doors (target ≤ 1.10), summed
route length against the baseline's (target ≤ 1.00×), and how many block faces each
cut splits (ours should split none).
"""

from __future__ import annotations

import argparse
import json
import math
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
                      "meets": meets}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 doors into 8 turfs")
    parser.add_argument("--doors", type=int)
    parser.add_argument("--turfs", type=int)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    n = args.doors or (2000 if args.quick else 10_000)
    parts = args.turfs or (8 if args.quick else 40)
    doors = street_grid(n, args.seed)

    started = time.perf_counter()
    ours = turfcut.cut(doors, parts)
    our_time = time.perf_counter() - started

    import numpy as np
    from k_means_constrained import KMeansConstrained

    size = n / parts
    started = time.perf_counter()
    model = KMeansConstrained(n_clusters=parts, size_min=math.floor(size * 0.95),
                              size_max=math.ceil(size * 1.05), random_state=args.seed)
    theirs = [int(v) for v in model.fit_predict(np.array([(d.x, d.y) for d in doors]))]
    their_time = time.perf_counter() - started
    peer = "k-means-constrained (sizes within ±5 %)"

    figure(f"turfcut.{n}.{parts}.time", our_time, their_time, peer, "s", "< 2",
           our_time < 2)
    sizes = turfcut.sizes_of(ours, parts)
    their_sizes = turfcut.sizes_of(theirs, parts)
    balance = max(sizes) / min(sizes)
    figure(f"turfcut.{n}.{parts}.largest_over_smallest", balance,
           max(their_sizes) / min(their_sizes), peer, "ratio", "<= 1.10", balance <= 1.10)
    our_route, their_route = route_total(doors, ours, parts), route_total(doors, theirs, parts)
    figure(f"turfcut.{n}.{parts}.route_length_vs_baseline", our_route / their_route, 1.0,
           peer, "ratio", "<= 1.00", our_route <= their_route)
    figure(f"turfcut.{n}.{parts}.split_block_faces", split_faces(doors, ours),
           split_faces(doors, theirs), peer, "faces", "fewest", split_faces(doors, ours)
           <= split_faces(doors, theirs))
    print(f"# ours: {our_route:.0f} m in {our_time:.2f} s; baseline: {their_route:.0f} m in "
          f"{their_time:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
