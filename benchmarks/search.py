"""Benchmark: typo-tolerant people search on 1,000,000 people (SQLite).

    python benchmarks/search.py            # 1,000,000 people, 1,000 queries
    python benchmarks/search.py --quick    # 20,000 people, 100 queries

Generates people locally (``generate_people.py``: Latino, Black, white and Asian names on
a street grid) into a throwaway SQLite database made by our migrations, so the search
index and its triggers are the real ones (rows go in with ``bulk_create``; only the
Person table is filled: search reads nothing else). Then it types 1,000 queries for
known people, "given family" with one mistake each (a dropped accent, a missing,
extra or wrong letter, two letters swapped), and runs each through

* ours: ``search_people(Person.objects.active(), query, limit=10)``;
* the peer: a plain ``icontains`` query, every query word in the given or the family
  name, ten results in name order, on the same database in the same run.

It prints one JSON line per figure (ARCHITECTURE.md): p50 and p95 latency, and recall
at 10: the share of queries whose intended person is in the first ten results. A
name cannot tell namesakes apart (a million people hold many "María García"s), so a
result with exactly the intended person's name (folded) counts as finding them; the
share that found the very same record is printed to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

TARGET_P95_MS = 50.0
TARGET_RECALL = 0.95
PEER_NAME = "Django icontains on given/family name (same SQLite database)"

# Neighbors on a QWERTY keyboard, for realistic wrong letters.
KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij",
    "i": "uok", "o": "ipl", "p": "o", "a": "qsz", "s": "adwx", "d": "sfec", "f": "dgrv",
    "g": "fhtb", "h": "gjyn", "j": "hkum", "k": "jli", "l": "ko", "z": "ax", "x": "zcs",
    "c": "xvd", "v": "cbf", "b": "vng", "n": "bmh", "m": "nj",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="20,000 people and 100 queries")
    parser.add_argument("--people", type=int, help="how many people (default 1,000,000)")
    parser.add_argument("--queries", type=int, help="how many queries (default 1,000)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--keep", metavar="DIR",
                        help="build the database in DIR and keep it (default: a temporary "
                             "folder, deleted at the end)")
    return parser.parse_args()


def setup_django(var_dir: str) -> None:
    os.environ["GROUNDSWELL_ENV"] = "test"
    os.environ["GROUNDSWELL_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/search-benchmark.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    import django

    django.setup()


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def misspell(name: str, rng: random.Random) -> str:
    """One mistake: the accents left out, or a missing, extra, wrong or swapped letter."""
    plain = strip_accents(name)
    if plain != name and rng.random() < 0.35:
        return plain
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    kind = rng.choice(["delete", "insert", "substitute", "swap"])
    i = rng.choice(letters)
    lower = strip_accents(name[i].lower())
    if kind == "delete" and len(letters) > 2:
        return name[:i] + name[i + 1:]
    if kind == "swap" and i + 1 < len(name) and name[i + 1].isalpha() \
            and name[i + 1].lower() != name[i].lower():
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if kind == "insert":
        return name[:i] + rng.choice(KEYBOARD.get(lower, "e")) + name[i:]
    return name[:i] + rng.choice(KEYBOARD.get(lower, "e")) + name[i + 1:]


def typed_query(given: str, family: str, rng: random.Random) -> str:
    """What an organizer types for this person: one mistake in one of the names, in
    lower case half of the time."""
    if rng.random() < 0.5:
        given = misspell(given, rng)
    else:
        family = misspell(family, rng)
    query = f"{given} {family}"
    return query.lower() if rng.random() < 0.5 else query


def insert_generated_people(organization: object, n: int, seed: int) -> None:
    """``generate_people.people(n, seed)`` as Person rows of ``organization``, each with
    the search text ``refresh_search_text`` would give it (search and kiosk
    benchmarks), 10,000 to an insert, in the caller's transaction."""
    from benchmarks.generate_people import people
    from groundswell.people.models import Person
    from groundswell.people.search import compose_search_text

    batch: list[Person] = []
    for record in people(n, seed):
        batch.append(Person(
            organization=organization, given_name=record.given_name,
            family_name=record.family_name, preferred_name=record.preferred_name,
            search_text=compose_search_text(
                given_name=record.given_name, family_name=record.family_name,
                preferred_name=record.preferred_name, street=record.street,
                unit=record.unit,
                phone_last_fours=[record.phone_last_four] if record.phone_last_four
                else [])))
        if len(batch) == 10_000:
            Person.objects.bulk_create(batch)
            batch = []
    if batch:
        Person.objects.bulk_create(batch)


def load(n: int, seed: int) -> tuple[object, float]:
    from django.db import connection, transaction
    from django_scopes import scope

    from groundswell.core.models import Organization

    organization = Organization.objects.create(name="Benchmark Neighbors", slug="benchmark")
    started = time.perf_counter()
    with connection.cursor() as cursor:  # a throwaway database: no crash safety needed
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-500000")
        cursor.execute("PRAGMA temp_store=MEMORY")
    with scope(organization=organization), transaction.atomic():
        insert_generated_people(organization, n, seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Measure on a fresh connection with the settings the application uses (its page
    # cache too), not the large cache of the load.
    connection.close()
    return organization, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figure(name: str, ours: float, peer: float | None, unit: str, target: str,
           meets: bool) -> None:
    print(json.dumps({"name": name, "ours": ours, "peer": peer, "peer_name": PEER_NAME,
                      "unit": unit, "target": target, "meets": meets}), flush=True)


def run(args: argparse.Namespace) -> None:
    n = args.people or (20_000 if args.quick else 1_000_000)
    query_count = args.queries or (100 if args.quick else 1_000)
    var_dir = args.keep or tempfile.mkdtemp(prefix="groundswell-search-bench-")
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    setup_django(var_dir)

    from django.core.management import call_command
    from django.db.models import Q
    from django_scopes import scope

    from groundswell.people.models import Person
    from groundswell.people.normalize import fold
    from groundswell.people.search import search_people

    call_command("migrate", verbosity=0)
    organization, load_seconds = load(n, args.seed)
    print(f"loaded {n:,} people in {load_seconds:.0f} s", file=sys.stderr)

    rng = random.Random(args.seed + 1)
    with scope(organization=organization):
        ids = rng.sample(range(1, n + 1), query_count)
        targets = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
        cases = []
        for pk in ids:
            person = targets[pk]
            cases.append((pk, fold(f"{person.given_name} {person.family_name}"),
                          typed_query(person.given_name, person.family_name, rng)))

        def ours(query: str) -> list[tuple[int, str, str]]:
            return list(search_people(Person.objects.active(), query, limit=10)
                        .values_list("pk", "given_name", "family_name"))

        def peer(query: str) -> list[tuple[int, str, str]]:
            condition = Q()
            for word in query.split():
                condition &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
            return list(Person.objects.active().filter(condition)
                        .values_list("pk", "given_name", "family_name")[:10])

        for _pk, _name, query in cases[:20]:  # warm the caches for both alike
            ours(query)
            peer(query)
        figures = {}
        for label, function in (("ours", ours), ("peer", peer)):
            latencies, found, same_record = [], 0, 0
            for pk, name, query in cases:
                started = time.perf_counter()
                results = function(query)
                latencies.append((time.perf_counter() - started) * 1000)
                found += any(fold(f"{g} {f}") == name for _p, g, f in results)
                same_record += any(p == pk for p, _g, _f in results)
            figures[label] = (percentile(latencies, 0.50), percentile(latencies, 0.95),
                              found / len(cases), same_record / len(cases))
            print(f"{label}: the very same record in the first ten for "
                  f"{same_record / len(cases):.1%} of queries", file=sys.stderr)

    ours_p50, ours_p95, ours_recall, _same = figures["ours"]
    peer_p50, peer_p95, peer_recall, _same = figures["peer"]
    size = f"{n:,} people, {query_count:,} typo'd queries"
    figure(f"search p50 latency ({size})", round(ours_p50, 2), round(peer_p50, 2), "ms",
           f"< {TARGET_P95_MS:g} ms", ours_p50 < TARGET_P95_MS)
    figure(f"search p95 latency ({size})", round(ours_p95, 2), round(peer_p95, 2), "ms",
           f"< {TARGET_P95_MS:g} ms", ours_p95 < TARGET_P95_MS)
    figure(f"search recall at 10 ({size})", round(ours_recall, 4), round(peer_recall, 4),
           "share of queries", f">= {TARGET_RECALL:g}", ours_recall >= TARGET_RECALL)
    if not args.keep:
        import shutil

        from django.db import connection

        connection.close()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    run(parse_args())
