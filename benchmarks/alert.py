"""Benchmark: a rapid-response alert to 10,000 subscribers across zones.

    python benchmarks/alert.py            # 10,000 subscribers
    python benchmarks/alert.py --quick    # 1,000 subscribers
    python benchmarks/alert.py --cpu-hog  # the capped run only, beside a busy loop
    scripts/with-postgres .venv/bin/python benchmarks/alert.py   # on PostgreSQL

Builds a throwaway database with our migrations (SQLite, or DATABASE_URL's PostgreSQL
when set), a network with four zones and N subscribers on a 4 km square (people,
households, phones and rapid-response consents written with ``bulk_create``, then
``sync_subscribers``); the SQLite build is cached under var/bench-cache/ by size, seed,
migrations and build code. Then a report confirmed by two responders through
``record_reply``, and it measures, from the moment the dispatcher sends the sighting
alert (``send_alert``: ranking, the alert, its nearest recipients and their outbox rows,
in the dispatcher's transaction; the rest is queued by the ``queue_alert_rest`` task in
the background worker) to the local test gateway (real HTTP on 127.0.0.1) accepting

* the first message, and the last one, with no carrier caps;
* the same with caps modeled on real senders: 10 long codes at 1 text/s and one short
  code at 100 texts/s (the gateway counts any text over a cap as a violation);

and checks the order: the median distance to the sighting of the first 10% of texts
the gateway accepted is below that of the last 10%. The gateway, the sender
(``manage.py send_messages``) and the worker (``manage.py worker``, its default
settings) run as their own processes, as in production. One JSON line per figure
(ARCHITECTURE.md). There is no peer to run here, so ``peer`` is null, except for the
order check where it is the last 10%'s median.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "benchmarks")]

import fanout  # noqa: E402 - the gateway and sender processes, as messaging's benchmark runs them

CENTER = (39.9900, -75.1300)
LONG_CODES = fanout.LONG_CODES  # 10 long codes at 1 text/s
SHORT_CODE = fanout.SHORT_CODE  # and a short code at 100 texts/s


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 subscribers")
    parser.add_argument("--subscribers", type=int, help="how many (default 10,000)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--only", choices=["uncapped", "capped"],
                        help="run one of the two (while developing; report both)")
    parser.add_argument("--cpu-hog", type=int, nargs="?", const=1, default=0, metavar="N",
                        help="only the capped run, beside N busy-loop processes (1): "
                        "the caps must hold on a loaded host")
    return parser.parse_args()


def setup_django(var_dir: str) -> str | None:
    """Django on a throwaway database: DATABASE_URL's PostgreSQL when set (as
    ``scripts/with-postgres`` sets it), else SQLite in ``var_dir``. Returns the SQLite
    file's path (None on PostgreSQL)."""
    os.environ["GROUNDSWELL_ENV"] = "test"
    os.environ["GROUNDSWELL_VAR_DIR"] = var_dir
    path = None
    if not os.environ.get("DATABASE_URL"):
        path = f"{var_dir}/alert-benchmark.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    # Tasks go to the database queue and a worker process runs them, as in production.
    os.environ["GROUNDSWELL_TEST_DB_TASKS"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    import django

    django.setup()
    return path


def cache_file(n: int, seed: int) -> Path:
    """The folder of the built SQLite database for (size, seed) and the keys its
    encrypted columns were written with, keyed also by the migrations and this file's
    build code, under var/bench-cache/ (gitignored)."""
    import inspect

    digest = hashlib.sha256(inspect.getsource(build).encode())
    for migration in sorted((ROOT / "src").glob("groundswell/*/migrations/*.py")):
        digest.update(migration.name.encode())
        digest.update(migration.read_bytes())
    return ROOT / "var" / "bench-cache" / f"alert-{n}-{seed}-{digest.hexdigest()[:12]}"


def sqlite_copy(source: Path | str, target: Path | str) -> None:
    """A consistent copy of a SQLite database (WAL included), by SQLite's backup API."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def emit(name: str, ours: float | int, unit: str, target: str, meets: bool,
         peer: float | None = None, peer_name: str | None = None) -> None:
    print(json.dumps({"name": name, "ours": ours, "peer": peer, "peer_name": peer_name,
                      "unit": unit, "target": target, "meets": bool(meets)}), flush=True)


def build(n: int, rng: random.Random):  # noqa: ANN201 - Django objects
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_scopes import scope

    from groundswell.core.models import Membership, Role
    from groundswell.core.services import create_organization
    from groundswell.people.models import (
        Address,
        Consent,
        ContactPoint,
        Household,
        Person,
        Residence,
    )
    from groundswell.people.normalize import phone_last_four
    from groundswell.people.services.records import last_four_index, phone_index
    from groundswell.rapidresponse import services

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("admin@bench.test", "x" * 20, name="Admin")
    org = create_organization(name="Benchmark Center", slug="bench", admin=user)
    dispatcher_user = get_user_model().objects.create_user("d@bench.test", "x" * 20,
                                                           name="Dispatcher")
    with scope(organization=org):
        admin = Membership.objects.get(organization=org, user=user)
        dispatcher = Membership.objects.create(organization=org, user=dispatcher_user,
                                               role=Role.DISPATCHER)
        network = services.save_network(admin, name="Benchmark network",
                                        center_lat=CENTER[0], center_lon=CENTER[1],
                                        confirmations_required=2, responders_per_request=3,
                                        # every subscriber takes alerts from the whole 4 km
                                        # square (their own radius must reach the sighting)
                                        default_radius_m=5000)
        half = 0.018  # about 2 km each way
        lat0, lon0 = CENTER
        for name, (south, west) in {"NW": (lat0, lon0 - half), "NE": (lat0, lon0),
                                    "SW": (lat0 - half, lon0 - half),
                                    "SE": (lat0 - half, lon0)}.items():
            ring = [[west, south], [west + half, south], [west + half, south + half],
                    [west, south + half], [west, south]]
            services.save_zone(admin, network, name=name,
                               geometry_json=json.dumps({"type": "Polygon",
                                                         "coordinates": [ring]}))
        addresses = [Address(organization=org, street=f"{i} BENCH ST", city="PHILADELPHIA",
                             postal_code="19133",
                             latitude=round(lat0 + rng.uniform(-half, half), 6),
                             longitude=round(lon0 + rng.uniform(-half, half), 6))
                     for i in range(n)]
        Address.objects.bulk_create(addresses, batch_size=2000)
        households = [Household(organization=org, address=a) for a in addresses]
        Household.objects.bulk_create(households, batch_size=2000)
        people = [Person(organization=org, given_name=f"P{i}", family_name="Bench",
                         language="es" if rng.random() < 0.6 else "en") for i in range(n)]
        Person.objects.bulk_create(people, batch_size=2000)
        Residence.objects.bulk_create([Residence(organization=org, person=p, household=h)
                                       for p, h in zip(people, households, strict=True)],
                                      batch_size=2000)
        phones = {}
        contacts = []
        for i, person in enumerate(people):
            e164 = f"+1267{2000000 + i:07d}"
            phones[person.pk] = e164
            contacts.append(ContactPoint(
                organization=org, person=person, kind="phone", value=e164,
                value_index=phone_index(e164),
                last_four_index=last_four_index(phone_last_four(e164)), is_primary=True))
        ContactPoint.objects.bulk_create(contacts, batch_size=2000)
        Consent.objects.bulk_create([Consent(organization=org, person=p, channel="sms",
                                             purpose="rapid_response", source="door")
                                     for p in people], batch_size=2000)
        services.sync_subscribers(admin, network)
        from groundswell.rapidresponse.models import Subscriber

        Subscriber.objects.filter(network=network, pk__in=list(
            Subscriber.objects.filter(network=network).order_by("pk")
            .values_list("pk", flat=True)[:5])).update(role="responder")
    return org, dispatcher, network


def built():  # noqa: ANN201 - Django objects
    """(organization, dispatcher, network) of a database ``build`` made (from the cache)."""
    from django_scopes import scopes_disabled

    from groundswell.core.models import Membership, Organization, Role
    from groundswell.rapidresponse.models import Network

    with scopes_disabled():
        org = Organization.objects.get(slug="bench")
        return (org, Membership.objects.get(organization=org, role=Role.DISPATCHER),
                Network.objects.get(organization=org))


def prepare(n: int, seed: int, var_dir: str):  # noqa: ANN201 - Django objects
    """Django on a throwaway database holding the built data set: a copy of the cached
    SQLite file (and its keys) when there is one, built and cached otherwise; always
    built on PostgreSQL."""
    cached = None if os.environ.get("DATABASE_URL") else cache_file(n, seed)
    if cached is not None and cached.exists():
        shutil.copytree(cached / "secrets", Path(var_dir) / "secrets")
        sqlite_copy(cached / "alert.sqlite3", Path(var_dir) / "alert-benchmark.sqlite3")
        setup_django(var_dir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"using the built database {cached.name}", file=sys.stderr)
        return built()
    path = setup_django(var_dir)
    started = time.monotonic()
    result = build(n, random.Random(seed))
    print(f"built {n} subscribers in {time.monotonic() - started:.1f}s", file=sys.stderr)
    if cached is not None and path is not None:
        from django.db import connection

        connection.close()
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
        partial.mkdir(parents=True)
        sqlite_copy(path, partial / "alert.sqlite3")
        shutil.copytree(Path(var_dir) / "secrets", partial / "secrets")
        partial.replace(cached)
    return result


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux), for the diagnostics."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_worker() -> subprocess.Popen:
    """The background worker (``manage.py worker``, as in production, its default
    polling interval), which queues an alert's later chunks (``queue_alert_rest``)."""
    from groundswell.core.models import WorkerHeartbeat

    worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "worker"],
                              env=dict(os.environ), cwd=ROOT)
    fanout.wait_for(lambda: WorkerHeartbeat.objects.exclude(
        worker_id__startswith="sender-").exists(), 60, 0.05)
    time.sleep(1.5)  # past its start-up delay, in its polling loop
    return worker


def run(org, dispatcher, network, report_point, caps: dict[str, float],  # noqa: ANN001
        expected: int, var_dir: str) -> dict:
    """Confirm a report, start the gateway, the sender and the worker (separate
    processes, as in production), then time the sighting alert from the dispatcher's
    click."""
    from django_scopes import scope

    from groundswell.core.models import WorkerHeartbeat
    from groundswell.messaging.models import Message
    from groundswell.messaging.services import cancel_messages
    from groundswell.rapidresponse import outbound, services
    from groundswell.rapidresponse.models import Report

    with scope(organization=org):
        report = services.create_report(dispatcher, network, what="vans", where="B & Lehigh",
                                        latitude=report_point[0], longitude=report_point[1])
        for request in services.request_verification(dispatcher, report)[:2]:
            services.record_reply(org, request, "confirmed")
        report = Report.objects.get(pk=report.pk)
        assert report.state == "confirmed"
        # Only the alert is timed: the verification texts are not part of it.
        cancel_messages(Message.objects.filter(cause_key__startswith="rr-verify-"))
        target = services.make_target(network, zone=None, radius_m=20000, report=report)
    WorkerHeartbeat.objects.all().delete()
    processes, url = fanout.start_processes(var_dir, caps)
    processes.append(start_worker())
    try:
        with scope(organization=org):
            t0 = time.time()
            alert = services.send_alert(dispatcher, network, kind="sighting", target=target,
                                        report=report)
            dispatcher_wait = time.time() - t0
            assert alert.recipients_count == expected, alert.recipients_count
        final = fanout.wait_for(lambda: (s := fanout.stats(url))["accepted"] >= expected
                                and s, 1800, 0.05)
        used = {name: cpu_seconds(p.pid) for name, p in zip(("gateway", "sender", "worker"),
                                                              processes, strict=True)}
        print("CPU seconds used: " + ", ".join(f"{k} {v:.1f}" for k, v in used.items())
              + f", this process {time.process_time():.1f}", file=sys.stderr)
    finally:
        fanout.stop_processes(processes)
    from django_tasks_db.models import DBTaskResult

    for task in DBTaskResult.objects.filter(task_path__endswith="queue_alert_rest",
                                            args_kwargs__args=[alert.pk]):
        print(f"queue_alert_rest: started {task.started_at.timestamp() - t0:.2f}s, "
              f"finished {task.finished_at.timestamp() - t0:.2f}s after the click",
              file=sys.stderr)
    with scope(organization=org):
        sent = list(Message.objects.filter(cause_key=outbound.alert_cause(alert.pk))
                    .exclude(sent_at=None).order_by("sent_at", "pk")
                    .values_list("person_id", flat=True))
        far = dict(alert.recipients.values_list("subscriber__person_id", "distance_m"))
    return {"first": final["first_at"] - t0, "last": final["last_at"] - t0,
            "violations": final["cap_violations"], "dispatcher_wait": dispatcher_wait,
            "order": [far[p] for p in sent if far.get(p) is not None]}


def main() -> None:
    args = parse_args()
    n = args.subscribers or (1000 if args.quick else 10_000)
    with tempfile.TemporaryDirectory(prefix="gs-alert-bench-") as var_dir:
        org, dispatcher, network = prepare(n, args.seed, var_dir)
        point = (CENTER[0] + 0.004, CENTER[1] - 0.003)

        def order_check(name: str, order: list[int]) -> None:
            tenth = max(1, len(order) // 10)
            first10 = statistics.median(order[:tenth])
            last10 = statistics.median(order[-tenth:])
            emit(name, round(first10, 1), "m", "< median of the last 10%", first10 < last10,
                 peer=round(last10, 1), peer_name="median distance of the last 10% sent "
                 "(same run)")

        if args.only != "capped" and not args.cpu_hog:
            uncapped(org, dispatcher, network, point, n, var_dir, order_check)
        if args.cpu_hog:
            with fanout.cpu_hog(args.cpu_hog):
                capped(org, dispatcher, network, point, n, var_dir, order_check, "_cpu_hog")
            return
        if args.only != "uncapped":
            capped(org, dispatcher, network, point, n, var_dir, order_check)


def uncapped(org, dispatcher, network, point, n: int, var_dir: str,  # noqa: ANN001
             order_check) -> None:  # noqa: ANN001
    uncapped = run(org, dispatcher, network, point, {}, n, var_dir)
    print(f"uncapped: the dispatcher waited {uncapped['dispatcher_wait']:.2f}s",
          file=sys.stderr)
    emit("alert_first_text_uncapped", round(uncapped["first"], 3), "s", "< 1",
         uncapped["first"] < 1)
    emit(f"alert_all_{n}_uncapped", round(uncapped["last"], 3), "s", "< 10",
         uncapped["last"] < 10)
    order_check("alert_order_median_distance_first_10pct", uncapped["order"])


def capped(org, dispatcher, network, point, n: int, var_dir: str,  # noqa: ANN001
           order_check, suffix: str = "") -> None:  # noqa: ANN001
    caps = {number: 1.0 for number in LONG_CODES} | {SHORT_CODE: 100.0}
    summed = sum(caps.values())
    capped = run(org, dispatcher, network, point, caps, n, var_dir)
    at_caps = n / summed
    emit(f"alert_first_text_capped{suffix}", round(capped["first"], 3), "s", "< 1",
         capped["first"] < 1)
    emit(f"alert_all_{n}_capped{suffix}", round(capped["last"], 3), "s",
         f"<= {at_caps * 1.1:.1f} (1.1 x {n} / {summed:g} texts/s)",
         capped["last"] <= at_caps * 1.1)
    share = at_caps / capped["last"] if capped["last"] else 0.0
    emit(f"alert_capped_share_of_caps{suffix}", round(share, 3), "x caps", ">= 0.95",
         share >= 0.95)
    emit(f"alert_cap_violations{suffix}", capped["violations"], "texts", "0",
         capped["violations"] == 0)
    order_check(f"alert_order_median_distance_first_10pct_capped{suffix}", capped["order"])


if __name__ == "__main__":
    main()
