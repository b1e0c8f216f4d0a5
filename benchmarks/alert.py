"""Benchmark: a rapid-response alert to 10,000 subscribers across zones (SQLite).

    python benchmarks/alert.py            # 10,000 subscribers
    python benchmarks/alert.py --quick    # 1,000 subscribers

Builds a throwaway database with our migrations, a network with four zones and N
subscribers on a 4 km square (people, households, phones and rapid-response consents
written with ``bulk_create``, then ``sync_subscribers``), a report confirmed by two
responders through ``record_reply``, then measures, from the moment the dispatcher
sends the sighting alert (``send_alert``: ranking, the alert, its recipient list and
the outbox rows) to the local test gateway (real HTTP on 127.0.0.1) accepting

* the first message, and the last one, with no carrier caps;
* the same with caps modeled on real senders: 10 long codes at 1 text/s and one short
  code at 100 texts/s (the gateway counts any text over a cap as a violation);

and checks the order: the median distance to the sighting of the first 10% of texts
the gateway accepted is below that of the last 10%. One JSON line per figure
(ARCHITECTURE.md). There is no peer to run here, so ``peer`` is null, except for the
order check where it is the last 10%'s median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
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
    return parser.parse_args()


def setup_django(var_dir: str) -> None:
    os.environ["GROUNDSWELL_ENV"] = "test"
    os.environ["GROUNDSWELL_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/alert-benchmark.sqlite3"
    os.environ["GROUNDSWELL_TEST_DB_TASKS"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    import django

    django.setup()


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
                                        confirmations_required=2, responders_per_request=3)
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
    return org, admin, dispatcher, network, phones, {a.pk: a for a in addresses}, people


def run(org, dispatcher, network, report_point, caps: dict[str, float],  # noqa: ANN001
        expected: int, var_dir: str) -> dict:
    """Confirm a report, start the gateway and the sender (separate processes, as in
    production), then time the sighting alert from the dispatcher's click."""
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
    try:
        with scope(organization=org):
            t0 = time.time()
            alert = services.send_alert(dispatcher, network, kind="sighting", target=target,
                                        report=report)
            dispatcher_wait = time.time() - t0
            assert alert.recipients_count == expected, alert.recipients_count
        final = fanout.wait_for(lambda: (s := fanout.stats(url))["accepted"] >= expected
                                and s, 1800, 0.05)
    finally:
        fanout.stop_processes(processes)
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
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="gs-alert-bench-") as var_dir:
        setup_django(var_dir)
        started = time.monotonic()
        org, _admin, dispatcher, network, _phones, _addresses, _people = build(n, rng)
        print(f"built {n} subscribers in {time.monotonic() - started:.1f}s",
              file=sys.stderr)
        point = (CENTER[0] + 0.004, CENTER[1] - 0.003)

        def order_check(name: str, order: list[int]) -> None:
            tenth = max(1, len(order) // 10)
            first10 = statistics.median(order[:tenth])
            last10 = statistics.median(order[-tenth:])
            emit(name, round(first10, 1), "m", "< median of the last 10%", first10 < last10,
                 peer=round(last10, 1), peer_name="median distance of the last 10% sent "
                 "(same run)")

        uncapped = run(org, dispatcher, network, point, {}, n, var_dir)
        print(f"uncapped: the dispatcher waited {uncapped['dispatcher_wait']:.2f}s",
              file=sys.stderr)
        emit("alert_first_text_uncapped", round(uncapped["first"], 3), "s", "< 1",
             uncapped["first"] < 1)
        emit(f"alert_all_{n}_uncapped", round(uncapped["last"], 3), "s", "< 10",
             uncapped["last"] < 10)
        order_check("alert_order_median_distance_first_10pct", uncapped["order"])

        caps = {number: 1.0 for number in LONG_CODES} | {SHORT_CODE: 100.0}
        summed = sum(caps.values())
        capped = run(org, dispatcher, network, point, caps, n, var_dir)
        at_caps = n / summed
        emit("alert_first_text_capped", round(capped["first"], 3), "s", "< 1",
             capped["first"] < 1)
        emit(f"alert_all_{n}_capped", round(capped["last"], 3), "s",
             f"<= {at_caps * 1.1:.1f} (1.1 x {n} / {summed:g} texts/s)",
             capped["last"] <= at_caps * 1.1)
        emit("alert_cap_violations", capped["violations"], "texts", "0",
             capped["violations"] == 0)
        order_check("alert_order_median_distance_first_10pct_capped", capped["order"])


if __name__ == "__main__":
    main()
