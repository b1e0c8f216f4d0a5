"""The import wizard end to end on SQLite: a generated spreadsheet (about 15% of its
rows are duplicates: of people already in the database, with a typo, a nickname or
another format of their phone, and of earlier rows of the same file) imported into an
organization that already holds many people, through the same services the wizard
uses (upload, mapping, matching, commit in chunks). Next to it, in the same run, a
plain bulk insert of the same rows without matching. Prints rows per second for both
and the precision and recall of the duplicate detection against the generated truth,
one JSON line per figure (ARCHITECTURE.md, "benchmarks/").

    python benchmarks/import.py [--quick] [--people N] [--rows N] [--keep DIR]

Defaults: 1,000,000 people already there and 100,000 rows (issue 5); ``--quick``:
20,000 and 2,000. Target: >= 2,000 rows/s end to end with matching.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

NICKNAMES = {"José": "Pepe", "Roberto": "Bob", "Guillermo": "William", "Francisco": "Paco",
             "Jesús": "Chuy", "Guadalupe": "Lupe", "Alejandro": "Alex", "Antonio": "Tony",
             "Michael": "Mike", "James": "Jim", "Manuel": "Manny", "Daniel": "Danny"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 people, 2,000 rows")
    parser.add_argument("--people", type=int, help="people already there (default 1,000,000)")
    parser.add_argument("--rows", type=int, help="rows to import (default 100,000)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    return parser.parse_args()


def setup_django(var_dir: str) -> None:
    os.environ["GROUNDSWELL_ENV"] = "test"
    os.environ["GROUNDSWELL_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/import-benchmark.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def phone(i: int) -> str:
    """A distinct valid Philadelphia number per i (E.164)."""
    return f"+1267{200 + (i // 10_000) % 800:03d}{i % 10_000:04d}"


def national(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


def typo(name: str, rng: random.Random) -> str:
    if len(name) < 5:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def organization(slug: str):
    from django.contrib.auth import get_user_model
    from django_scopes import scopes_disabled

    from groundswell.core.models import Membership, Organization, Role

    with scopes_disabled():
        return _organization(slug, get_user_model(), Membership, Organization, Role)


def _organization(slug, user_model, Membership, Organization, Role):  # noqa: N803
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        org = Organization.objects.create(name=f"Benchmark {slug}", slug=slug)
    user, _created = user_model.objects.get_or_create(email=f"admin@{slug}.example.org")
    membership, _created = Membership.objects.get_or_create(
        user=user, organization=org, defaults={"role": Role.ADMIN})
    return org, membership


def _insert_sql(model, values: dict[str, object]) -> tuple[str, list[str], list[object]]:
    """An INSERT of every column of ``model``: the given values, each other column its
    field's default as the database stores it (computed once, not per row)."""
    from django.db import connection

    columns, constants = [], []
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        if f.attname in values:
            constants.append(values[f.attname])
        else:
            constants.append(f.get_db_prep_save(f.get_default(), connection))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES " \
          f"({', '.join('%s' for _ in columns)})"  # noqa: S608 (names from the model)
    return sql, [f.attname for f in model._meta.concrete_fields], constants


def build_people(org, n: int, seed: int) -> None:
    """n people with a phone each, as a previous import would leave them (their search
    text and encrypted phones with blind and last-four indexes), written with plain
    INSERTs: the ORM's per-object cost would make 1,000,000 take most of an hour."""
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.generate_people import people
    from groundswell.core.crypto import blind_index, encrypt
    from groundswell.people.models import ContactPoint, Person
    from groundswell.people.search import compose_search_text
    from groundswell.people.services.records import last_four_index

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    person_sql, person_names, person_row = _insert_sql(Person, {
        "organization_id": org.pk, "created_at": now, "updated_at": now})
    contact_sql, contact_names, contact_row = _insert_sql(ContactPoint, {
        "organization_id": org.pk, "created_at": now, "kind": "phone", "is_primary": True,
        "sms_capable": True})
    p_at = {name: i for i, name in enumerate(person_names)}
    c_at = {name: i for i, name in enumerate(contact_names)}
    value_field = ContactPoint._meta.get_field("value")
    context = value_field.context
    first = 1 + (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-500000")
    people_rows: list[list[object]] = []
    contact_rows: list[list[object]] = []
    texts: dict[tuple[str, str], str] = {}

    def flush() -> None:
        with connection.cursor() as cursor:
            cursor.executemany(person_sql, people_rows)
            cursor.executemany(contact_sql, contact_rows)
        people_rows.clear()
        contact_rows.clear()

    with transaction.atomic(), search_index_built_after():
        for i, record in enumerate(people(n, seed)):
            row = list(person_row)
            row[p_at["id"]] = first + i
            row[p_at["given_name"]] = record.given_name
            row[p_at["family_name"]] = record.family_name
            names = (record.given_name, record.family_name)
            text = texts.get(names)
            if text is None:  # names repeat: fold each pair once
                text = texts[names] = compose_search_text(given_name=names[0],
                                                          family_name=names[1])
            row[p_at["search_text"]] = text
            people_rows.append(row)
            number = phone(i)
            contact = list(contact_row)
            contact[c_at["id"]] = None
            contact[c_at["person_id"]] = first + i
            contact[c_at["value"]] = encrypt(number, context=context)
            contact[c_at["value_index"]] = blind_index(number, purpose=context)
            contact[c_at["last_four_index"]] = last_four_index(number[-4:])
            contact_rows.append(contact)
            if len(people_rows) == 10_000:
                flush()
        if people_rows:
            flush()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def search_index_built_after():
    """The search index's insert triggers (people migration 0002) off while the people
    are written, then the index built once, with that migration's own statements (an
    FTS 'rebuild' and one INSERT of the vocabulary), and the triggers put back: a
    trigger per row made the build several times slower."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("groundswell.people.migrations.0002_search_index")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                       "AND tbl_name = 'people_person' AND sql LIKE '%AFTER INSERT%'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_searchword")
        for statement in migration.SQLITE_FORWARD:
            if statement.startswith("INSERT"):
                cursor.execute(statement)
        for _name, sql in triggers:
            cursor.execute(sql)


def cached_database(var_dir: str, n: int, seed: int) -> bool:
    """Copy the database of n people (and the secrets its phones are sealed with) built
    by an earlier run into var_dir; False when there is none yet. Keyed by size, seed
    and the core and people migrations (a change to their schema builds again)."""
    source = cache_dir(n, seed)
    if not (source / "done").exists():
        return False
    shutil.copytree(source, var_dir, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("done"))
    return True


def cache_dir(n: int, seed: int) -> Path:
    import hashlib

    # The tables it builds are people's and core's; other areas' migrations run on the
    # copy (setup_django migrates) and need no new build.
    migrations = sorted(str(p.relative_to(ROOT)) for app in ("core", "people") for p in
                        (ROOT / "src" / "groundswell" / app).glob("migrations/0*.py"))
    schema = hashlib.sha256("\n".join(migrations).encode()).hexdigest()[:10]
    return ROOT / "var" / "bench-cache" / f"import-{n}-{seed}-{schema}"


def store_cache(var_dir: str, n: int, seed: int) -> None:
    from django.db import connection

    connection.close()
    target = cache_dir(n, seed)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(Path(var_dir) / "import-benchmark.sqlite3", target)
    shutil.copytree(Path(var_dir) / "secrets", target / "secrets")
    (target / "done").write_text("ok\n")


def existing_people(org) -> list[tuple[int, str, str, str]]:
    """(id, given name, family name, phone) of everyone built (phone(i) for the i-th)."""
    from groundswell.people.models import Person

    rows = list(Person.objects.filter(organization=org).order_by("pk").values_list(
        "pk", "given_name", "family_name"))
    return [(pk, given, family, phone(i)) for i, (pk, given, family) in enumerate(rows)]


def spreadsheet(existing, n_rows: int, seed: int) -> tuple[bytes, dict[int, tuple[str, object]]]:
    """The rows, and the truth: row number -> ("person", id) for a duplicate of someone
    already there, ("row", number) for a repeat of an earlier row."""
    from benchmarks.generate_people import people

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Nombre", "Apellido", "Teléfono", "Correo"])
    truth: dict[int, tuple[str, object]] = {}
    fresh = people(n_rows, seed + 1)
    written: list[list[str]] = []
    for index in range(n_rows):
        number = index + 2
        draw = rng.random()
        if draw < 0.10 and existing:
            pk, given, family, e164 = rng.choice(existing)
            given = NICKNAMES.get(given, given) if rng.random() < 0.3 else given
            family = typo(family, rng) if rng.random() < 0.3 else family
            row = [given, family, national(e164), ""]
            truth[number] = ("person", pk)
        elif draw < 0.15 and written:
            earlier = rng.randrange(len(written))
            row = list(written[earlier])
            if rng.random() < 0.5:
                row[0] = row[0].upper()
            truth[number] = ("row", earlier + 2)
        else:
            record = next(fresh)
            row = [record.given_name, record.family_name,
                   national(phone(5_000_000 + index)),
                   f"p{index}@example.org" if rng.random() < 0.3 else ""]
        writer.writerow(row)
        written.append(row)
    return out.getvalue().encode("utf-8"), truth


def import_rows(actor, data: bytes) -> tuple[float, object]:
    from groundswell.imports import reading, services
    from groundswell.imports.models import ImportBatch

    reading.MAX_BYTES = max(reading.MAX_BYTES, len(data) + 1)
    reading.read_table.__kwdefaults__["max_rows"] = 10_000_000
    started = time.perf_counter()
    batch = services.upload(actor, file_name="benchmark.csv", data=data)
    services.set_mapping(actor, batch, services.batch_mapping(batch))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
    batch.refresh_from_db()
    batch = services.commit_batch(actor, batch)
    return time.perf_counter() - started, batch


def plain_insert(org, data: bytes) -> float:
    """The same rows as people and phones, bulk-inserted, no matching, no checks."""
    from django.db import transaction

    from groundswell.people.models import ContactPoint, Person
    from groundswell.people.normalize import normalize_phone

    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    with transaction.atomic():
        for start in range(0, len(rows), 5_000):
            chunk = rows[start:start + 5_000]
            people = Person.objects.bulk_create([
                Person(organization=org, given_name=r[0], family_name=r[1]) for r in chunk])
            ContactPoint.objects.bulk_create([
                ContactPoint(organization=org, person=p, kind="phone",
                             value=normalize_phone(r[2]))
                for p, r in zip(people, chunk, strict=True) if r[2]], ignore_conflicts=True)
    return time.perf_counter() - started


def detection(batch, truth: dict[int, tuple[str, object]]) -> tuple[float, float]:
    from groundswell.imports.models import ImportRow

    person_of_row = {r.number: r.person_id for r in ImportRow.objects.filter(batch=batch)}
    found = correct = 0
    for row in ImportRow.objects.filter(batch=batch).select_related("candidate"):
        if row.outcome not in ("updated", "review", "skipped"):
            continue
        found += 1
        expected = truth.get(row.number)
        if expected is None:
            continue
        kind, target = expected
        target_person = target if kind == "person" else person_of_row.get(int(target))
        if row.outcome == "skipped":
            same = [m for m in row.messages if m and m[0] == "same_as"]
            hit = kind == "row" and bool(same) and \
                person_of_row.get(int(same[0][1])) == target_person
        elif row.outcome == "updated":
            hit = row.person_id == target_person
        else:
            candidate = row.candidate
            hit = candidate is not None and target_person in (candidate.first_id,
                                                              candidate.second_id)
        correct += hit
    precision = correct / found if found else 0.0
    recall = correct / len(truth) if truth else 0.0
    return precision, recall


def emit(name, ours, peer, peer_name, unit, target, meets) -> None:
    print(json.dumps({"name": name, "ours": ours, "peer": peer, "peer_name": peer_name,
                      "unit": unit, "target": target, "meets": meets}), flush=True)


def main() -> None:
    args = parse_args()
    n_people = args.people or (20_000 if args.quick else 1_000_000)
    n_rows = args.rows or (2_000 if args.quick else 100_000)
    var_dir = args.keep or tempfile.mkdtemp(prefix="gs-import-bench-")
    try:
        cached = cached_database(var_dir, n_people, args.seed)
        setup_django(var_dir)
        from django_scopes import scope

        org, actor = organization("import-benchmark")
        if not cached:
            started = time.perf_counter()
            with scope(organization=org):
                build_people(org, n_people, args.seed)
            print(f"built {n_people:,} people in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
            store_cache(var_dir, n_people, args.seed)
        plain_org, _plain_actor = organization("plain-insert")
        with scope(organization=org):
            existing = existing_people(org)
        data, truth = spreadsheet(existing, n_rows, args.seed)
        with scope(organization=org):
            seconds, batch = import_rows(actor, data)
            precision, recall = detection(batch, truth)
        with scope(organization=plain_org):
            plain_seconds = plain_insert(plain_org, data)
        rate, plain_rate = n_rows / seconds, n_rows / plain_seconds
        label = f"{n_rows:,} rows into {n_people:,} people, SQLite"
        emit(f"import rows/s end to end with matching ({label})", round(rate, 1),
             round(plain_rate, 1), "plain bulk insert of the same rows, no matching",
             "rows/s", ">= 2000", rate >= 2000)
        emit(f"import duplicate-detection precision ({label})", round(precision, 4), None,
             None, "ratio", "for information", True)
        emit(f"import duplicate-detection recall ({label})", round(recall, 4), None, None,
             "ratio", "for information", True)
    finally:
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
