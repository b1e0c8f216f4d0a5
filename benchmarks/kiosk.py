"""Benchmark: kiosk sign-in lookup and quick-add through HTTP, on 1,000,000 people.

    python benchmarks/kiosk.py            # 1,000,000 people, 500 lookups, 200 quick-adds
    python benchmarks/kiosk.py --quick    # 20,000 people, 100 lookups, 50 quick-adds
    python benchmarks/kiosk.py --rebuild  # build the database again (else the cached one)

The database is built once per size and seed under ``var/bench-cache/`` (people with
the real search index, built in bulk with the migration's own statements, and their
phones: about 40 minutes for 1,000,000 people on a loaded two-core machine, 8 minutes
of CPU) and copied for each run, so a run takes a minute or two; the staff member, the
event (happening now) and the session are made on the copy.

Builds a throwaway SQLite database with our migrations and the people generator of
``benchmarks/search.py`` (real search index and triggers), gives a share of them a phone
(encrypted, with its blind and last-four indexes, as ``people.services`` writes them),
then starts the application under gunicorn on 127.0.0.1 and drives a kiosk the way a
tablet at the door does: a staff session starts kiosk mode on an event with a PIN, then

* lookup: ``POST /o/<org>/events/<pk>/kiosk/search/`` (htmx) with a name typed with one
  mistake, or the last four digits of a phone (one in five lookups);
* quick-add: ``POST /o/<org>/events/<pk>/kiosk/add/`` with a new resident (name, phone,
  address), which runs duplicate matching, creates the person and household, records
  the consent and the sign-in, and answers with the redirect back to the kiosk.

Each request is timed end to end from the client (one keep-alive connection, one
request at a time). One JSON line per figure (ARCHITECTURE.md); there is no peer on
this machine to compare with, so ``peer`` is null.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

TARGET_P95_MS = 150.0
PHONE_SHARE = 0.2  # people given a phone number (encrypted writes are the slow part)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="20,000 people, 100 lookups, 50 quick-adds")
    parser.add_argument("--people", type=int, help="how many people (default 1,000,000)")
    parser.add_argument("--lookups", type=int, help="how many lookups (default 500)")
    parser.add_argument("--adds", type=int, help="how many quick-adds (default 200)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the database again even if var/bench-cache has it")
    parser.add_argument("--build-into", metavar="DIR", help=argparse.SUPPRESS)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_phones(organization: object, share: float, seed: int) -> dict[int, str]:
    """Give ``share`` of the people a phone; returns {person id: last four}."""
    from django.db import transaction
    from django_scopes import scope

    from groundswell.people.models import ContactPoint, Person
    from groundswell.people.services.records import last_four_index

    rng = random.Random(seed)
    value_field = ContactPoint._meta.get_field("value")
    last_fours: dict[int, str] = {}
    with scope(organization=organization), transaction.atomic():
        ids = list(Person.objects.values_list("pk", flat=True))
        chosen = rng.sample(ids, int(len(ids) * share))
        batch = []
        for number, pk in enumerate(chosen):
            e164 = f"+1215{2000000 + number:07d}"
            contact = ContactPoint(organization=organization, person_id=pk, kind="phone",
                                   value=e164, is_primary=True,
                                   last_four_index=last_four_index(e164[-4:]))
            contact.value_index = value_field.index_for(e164)  # type: ignore[attr-defined]
            batch.append(contact)
            last_fours[pk] = e164[-4:]
            if len(batch) == 5000:
                ContactPoint.objects.bulk_create(batch)
                batch = []
        if batch:
            ContactPoint.objects.bulk_create(batch)
    return last_fours


BUILD_VERSION = 2  # bump when what the build puts in the database changes
CACHE_DIR = ROOT / "var" / "bench-cache"
DATABASE_NAME = "search-benchmark.sqlite3"  # what benchmarks.search.setup_django names it


def load_people(n: int, seed: int) -> tuple[object, float]:
    """``n`` generated people (``benchmarks/search.py``'s generator and search text) with
    the real search index, built in bulk: the migration's index triggers are set aside
    while the rows go in, then the index and the vocabulary are built with the
    migration's own statements (what ``0002_search_index`` does for existing rows) and
    the triggers put back, so the database ends exactly as row-by-row inserts leave it,
    several times faster."""
    import importlib

    from django.db import connection, transaction
    from django_scopes import scope

    from benchmarks.search import insert_generated_people
    from groundswell.core.models import Organization

    migration = importlib.import_module("groundswell.people.migrations.0002_search_index")
    statements = migration.SQLITE_FORWARD
    rebuild = [s for s in statements if "('rebuild')" in s
               or s.startswith("INSERT OR IGNORE INTO people_searchword")]
    triggers = [s for s in statements if s.startswith("CREATE TRIGGER")]
    assert len(rebuild) == 3 and len(triggers) == 3, "the search index migration changed"
    names = [s.split()[2] for s in triggers]

    organization = Organization.objects.create(name="Benchmark Neighbors", slug="benchmark")
    started = time.perf_counter()
    with connection.cursor() as cursor:  # a throwaway database: no crash safety needed
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-500000")
        cursor.execute("PRAGMA temp_store=MEMORY")
    with scope(organization=organization), transaction.atomic():
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP TRIGGER {name}")
        insert_generated_people(organization, n, seed)
        print(f"inserted {n:,} people in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        with connection.cursor() as cursor:
            for statement in rebuild + triggers:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return organization, time.perf_counter() - started


def build(var_dir: str, n: int, seed: int) -> dict[str, object]:
    """The slow part: migrations, ``n`` people with their search index, phones. Returns
    what the run needs to know of them (the organization, a sample of people)."""
    from benchmarks.search import setup_django

    setup_django(var_dir)
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope

    from groundswell.people.models import Person

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    organization, seconds = load_people(n, seed)
    print(f"loaded {n:,} people in {seconds:.0f} s", file=sys.stderr)
    started = time.perf_counter()
    last_fours = add_phones(organization, PHONE_SHARE, seed)
    print(f"gave {len(last_fours):,} of them a phone in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    rng = random.Random(seed + 1)
    with scope(organization=organization):
        sample = list(Person.objects.filter(pk__in=rng.sample(range(1, n + 1), 2000))
                      .values_list("pk", "given_name", "family_name"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {"org": organization.pk, "sample": sample,
            "last_fours": {str(pk): last_fours[pk] for pk, *_rest in sample
                           if pk in last_fours}}


def cached_build(n: int, seed: int, fresh: bool) -> Path:
    """The built folder (database and its generated keys) for this size and seed, built
    once under ``var/bench-cache/`` (in a child process: Django is set up per folder)."""
    target = CACHE_DIR / f"kiosk-{n}-seed{seed}-v{BUILD_VERSION}"
    if target.exists() and not fresh:
        print(f"using the cached build {target}", file=sys.stderr)
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"kiosk-{n}-building-", dir=CACHE_DIR))
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--build-into", str(partial), "--people",
                    str(n), "--seed", str(seed)], check=True)
    print(f"built {n:,} people in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target


def prepare(var_dir: str, built: dict[str, object]) -> dict[str, object]:
    """On a copy of the build: the staff member, the event happening now, and a logged-in
    session (cheap, so done per run: the event's time is relative to now)."""
    from benchmarks.search import setup_django

    setup_django(var_dir)
    from datetime import timedelta

    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scope

    from groundswell.accounts.sessions import SessionStore
    from groundswell.core.models import Membership, Organization, Role
    from groundswell.events import services

    call_command("migrate", verbosity=0)  # migrations newer than the build, if any
    organization = Organization.objects.get(pk=built["org"])

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = get_user_model().objects.create_user("staff@bench.example", "a-long-passphrase-1",
                                                name="Door Staff", language="en")
    TOTP.activate(user, generate_totp_secret())
    with scope(organization=organization):
        Membership.objects.create(organization=organization, user=user,
                                  role=Role.PROGRAM_STAFF)
        admin_user = get_user_model().objects.create_user("admin@bench.example",
                                                          "a-long-passphrase-2")
        admin = Membership.objects.create(organization=organization, user=admin_user,
                                          role=Role.ADMIN)
        starts = timezone.now() - timedelta(hours=1)
        event = services.create_event(admin, kind="block_party", title_en="Benchmark party",
                                      starts_at=starts, ends_at=starts + timedelta(hours=5))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    from django.db import connection

    connection.close()
    return {"slug": organization.slug, "event": event.pk, "session": session.session_key,
            "sample": built["sample"],
            "last_fours": {int(pk): four for pk, four in built["last_fours"].items()}}


class Client:
    """One keep-alive HTTP connection with cookies, like a tablet's browser."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = dict(cookies)

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        body = urllib.parse.urlencode(form or {}) if form is not None else None
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                       "Host": "127.0.0.1", **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            all_headers["Referer"] = "http://127.0.0.1/"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=all_headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, elapsed


def wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figure(name: str, values: list[float]) -> None:
    p95 = round(percentile(values, 0.95), 1)
    print(json.dumps({"name": name, "ours": p95, "peer": None, "peer_name": None,
                      "unit": "ms", "target": f"< {TARGET_P95_MS:g} ms",
                      "meets": p95 < TARGET_P95_MS}), flush=True)
    print(f"{name}: p50 {percentile(values, 0.5):.1f} ms, max {max(values):.1f} ms",
          file=sys.stderr)


def typo(name: str, rng: random.Random) -> str:
    from benchmarks.search import misspell

    return misspell(name, rng)


def run(args: argparse.Namespace) -> None:
    n = args.people or (20_000 if args.quick else 1_000_000)
    lookups = args.lookups or (100 if args.quick else 500)
    adds = args.adds or (50 if args.quick else 200)
    built_dir = cached_build(n, args.seed, args.rebuild)
    built = json.loads((built_dir / "build.json").read_text())
    var_dir = tempfile.mkdtemp(prefix="groundswell-kiosk-bench-")
    process = None
    try:
        started = time.perf_counter()
        shutil.copytree(built_dir, var_dir, dirs_exist_ok=True)
        print(f"copied the build in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        setup = prepare(var_dir, built)
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "groundswell.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(args.workers), "--log-level", "warning"],
            cwd=ROOT, env=env)
        wait_for(port, process)
        client = Client(port, {"sessionid": str(setup["session"])})
        base = f"/o/{setup['slug']}/events/{setup['event']}/kiosk/"
        status, _content, _ms = client.request("GET", base)
        assert status == 200, f"kiosk start page answered {status}"
        status, _content, _ms = client.request("POST", base, {"pin": "2468",
                                                              "pin_again": "2468"})
        assert status == 302, f"starting kiosk mode answered {status}"

        rng = random.Random(args.seed + 2)
        sample = list(setup["sample"])  # type: ignore[call-overload]
        last_fours = setup["last_fours"]
        phone_people = [pk for pk, *_rest in sample if pk in last_fours]  # type: ignore
        queries = []
        for i in range(lookups):
            if i % 5 == 4 and phone_people:
                queries.append(last_fours[rng.choice(phone_people)])  # type: ignore[index]
            else:
                _pk, given, family = rng.choice(sample)
                queries.append(f"{typo(given, rng)} {family}")
        for query in queries[:10]:  # warm up both workers' caches
            client.request("POST", base + "search/", {"q": query}, {"HX-Request": "true"})
        lookup_ms = []
        for query in queries:
            status, content, ms = client.request("POST", base + "search/", {"q": query},
                                                 {"HX-Request": "true"})
            assert status == 200, f"lookup answered {status}"
            lookup_ms.append(ms)

        add_ms = []
        for i in range(adds):
            _pk, given, family = rng.choice(sample)
            form = {"given_name": given, "family_name": f"{family} {i}",
                    "phone": f"267-555-{1000 + i:04d}", "street": f"{100 + i} W Somerset St",
                    "unit": "", "language": "es", "consent_sms": "on"}
            status, content, ms = client.request("POST", base + "add/", form)
            assert status == 302, f"quick-add answered {status}: {content[:300]!r}"
            add_ms.append(ms)

        size = f"{n:,} people"
        figure(f"kiosk sign-in lookup p95 over HTTP ({size}, {lookups} lookups)", lookup_ms)
        figure(f"kiosk quick-add p95 over HTTP ({size}, {adds} adds)", add_ms)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)


def build_into(args: argparse.Namespace) -> None:
    n = args.people or (20_000 if args.quick else 1_000_000)
    built = build(args.build_into, n, args.seed)
    (Path(args.build_into) / "build.json").write_text(json.dumps(built))


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.build_into:
        build_into(arguments)
    else:
        run(arguments)
