"""What the import benchmark's rows cost the database alone: the same 100,000 rows
(benchmarks/import.py's generated spreadsheet, into the same cached database of
1,000,000 people) written with nothing but prepared INSERTs run by executemany, in
chunks of 2,000 with a commit each (as the import commits, ``--chunk``: another size),
checkpointing as the import does, every value computed
before the clock starts (search text, encrypted phones and emails with their blind and
last-four indexes, the import's row records). Only what the import must write is
written: an ImportRow for every row, and for each row that is not a duplicate (by the
benchmark's generated truth: the rows the import creates people for) the person (with
the search index's triggers) and the phone; nothing for the duplicates' updates, no
matching, no checks. The import end to end cannot be faster than this; prints rows/s
as one JSON line.

    python benchmarks/import_floor.py [--people N] [--rows N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
_spec = importlib.util.spec_from_file_location("import_benchmark", ROOT / "benchmarks" /
                                               "import.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=2_000,
                        help="rows a transaction (default 2,000, as the import)")
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="gs-import-floor-")
    try:
        if not bench.cached_database(var_dir, args.people, args.seed):
            sys.exit("No cached database: run benchmarks/import.py with the same sizes first.")
        bench.setup_django(var_dir)
        from django_scopes import scope

        org, actor = bench.organization("import-benchmark")
        with scope(organization=org):
            existing = bench.existing_people(org)
        data, truth = bench.spreadsheet(existing, args.rows, args.seed)
        with scope(organization=org):
            seconds = write(org, actor, data, args.chunk, set(truth))
        print(json.dumps({"name": f"import benchmark's rows written by the database alone "
                          f"({args.rows:,} rows into {args.people:,} people, SQLite, "
                          f"commit every {args.chunk:,})", "ours": round(args.rows / seconds, 1),
                          "unit": "rows/s", "seconds": round(seconds, 1)}), flush=True)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def write(org, actor, data: bytes, chunk: int, duplicates: set[int]) -> float:
    import csv
    import io

    from django.db import connection, transaction
    from django.utils import timezone

    from groundswell.core.crypto import encrypt
    from groundswell.imports import services
    from groundswell.imports.chunk_matching import contact_index
    from groundswell.imports.models import ImportBatch, ImportRow
    from groundswell.people.models import ContactPoint, Person
    from groundswell.people.normalize import normalize_phone, phone_last_four
    from groundswell.people.search import compose_search_text
    from groundswell.people.services.records import last_four_index

    now = timezone.now()
    batch = ImportBatch.objects.create(organization=org, file_name="floor.csv",
                                       stored_path="-", kind="csv", encoding="utf-8",
                                       created_by=actor)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    context = ContactPoint._meta.get_field("value").context
    person_sql, p_names, p_row = bench._insert_sql(Person, {
        "organization_id": org.pk, "created_at": now, "updated_at": now})
    contact_sql, c_names, c_row = bench._insert_sql(ContactPoint, {
        "organization_id": org.pk, "created_at": now, "kind": "phone", "is_primary": True,
        "sms_capable": True})
    row_sql, r_names, r_row = bench._insert_sql(ImportRow, {
        "organization_id": org.pk, "created_at": now, "batch_id": batch.pk,
        "outcome": "created", "messages": "[]"})
    p_at, c_at, r_at = ({n: i for i, n in enumerate(names)}
                        for names in (p_names, c_names, r_names))
    first = 1 + (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    people: list[list[list[object]]] = [[] for _ in range(0, len(rows), chunk)]
    contacts: list[list[list[object]]] = [[] for _ in range(0, len(rows), chunk)]
    records: list[list[list[object]]] = [[] for _ in range(0, len(rows), chunk)]
    for i, (given, family, phone, _email) in enumerate(rows):
        pk, part = first + i, i // chunk
        record = list(r_row)
        record[r_at["id"]], record[r_at["number"]] = None, i + 2
        records[part].append(record)
        if i + 2 in duplicates:
            continue
        record[r_at["person_id"]] = pk
        record[r_at["undo"]] = json.dumps({"created": pk})
        person = list(p_row)
        person[p_at["id"]], person[p_at["given_name"]] = pk, given
        person[p_at["family_name"]] = family
        person[p_at["search_text"]] = compose_search_text(given_name=given,
                                                          family_name=family)
        people[part].append(person)
        number = normalize_phone(phone)
        contact = list(c_row)
        contact[c_at["id"]], contact[c_at["person_id"]] = None, pk
        contact[c_at["value"]] = encrypt(number, context=context)
        contact[c_at["value_index"]] = contact_index(number)
        contact[c_at["last_four_index"]] = last_four_index(phone_last_four(number))
        contacts[part].append(contact)
    started = time.perf_counter()
    with services._fewer_checkpoints():  # as the import checkpoints
        for part in range(len(records)):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(person_sql, people[part])
                cursor.executemany(contact_sql, contacts[part])
                cursor.executemany(row_sql, records[part])
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
