"""Benchmark: fan-out of one text to 10,000 recipients through the outbox to the local
test gateway, without caps and with caps modeled on real senders.

    python benchmarks/fanout.py            # 10,000 recipients, both runs
    python benchmarks/fanout.py --quick    # 1,000 uncapped, 1,100 capped

Each run uses a throwaway SQLite database made by our migrations (or DATABASE_URL's
PostgreSQL if set), 10,000 people with a phone and consent, the local gateway as its
own process (``python -m groundswell.messaging.gateway``) and the real sender as
another (``manage.py send_messages``), already polling the empty outbox. The clock
starts when the broadcast's transaction commits (``enqueue_many``: the send is
confirmed) and stops when the gateway has the last text. Figures (JSON lines, see
ARCHITECTURE.md):

* uncapped throughput (target >= 1,000 texts/s), time to first text (target < 1 s);
* capped: 10 long codes at 1 text/s and a short code at 100 texts/s (110/s summed):
  throughput as a share of the summed caps (target >= 0.95) and cap violations counted
  by the gateway over a sliding one-second window per sender (target 0).

Peer (same machine, same run): a naive sender that claims, sends and records one
message per transaction, sequentially, on the same database and gateway.

    python benchmarks/fanout.py --cpu-hog  # the capped run only, beside a busy loop

``--cpu-hog [N]`` runs the capped run with N busy-loop processes (default 1) beside the
gateway and the sender, as on a loaded host: the caps must hold just the same (the
figures are named ``..._cpu_hog``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

TOKEN = "benchmark-token"  # noqa: S105 - the throwaway local gateway's token
SID = "AC-bench"
LONG_CODES = [f"+1215555{n:04d}" for n in range(100, 110)]
SHORT_CODE = "+12155550999"
AREA_CODES = ("267", "445", "484", "610", "717", "814")
PEER_NAME = "naive sender: one message per claim/send/record transaction, sequential"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--recipients", type=int)
    parser.add_argument("--capped-recipients", type=int)
    parser.add_argument("--cpu-hog", type=int, nargs="?", const=1, default=0, metavar="N",
                        help="only the capped run, beside N busy-loop processes (1)")
    return parser.parse_args()


class cpu_hog:  # noqa: N801 - used as a context manager, like open()
    """N processes spinning in a busy loop while the block runs (a loaded host)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> cpu_hog:
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          for _ in range(self.count)]
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


def emit(name: str, ours: float | None, peer: float | None, unit: str, target: str,
         meets: bool) -> None:
    print(json.dumps({"name": name, "ours": ours, "peer": peer,
                      "peer_name": PEER_NAME if peer is not None else None, "unit": unit,
                      "target": target, "meets": meets}), flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_stats", timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def wait_for(predicate, timeout: float, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise SystemExit("benchmark: timed out")


def setup(var_dir: str) -> None:
    os.environ["GROUNDSWELL_ENV"] = "test"
    os.environ["GROUNDSWELL_VAR_DIR"] = var_dir
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/fanout.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_people(org, count: int, offset: int) -> list:
    from groundswell.people.models import Consent, ContactPoint, Person
    from groundswell.people.services.records import last_four_index

    people = Person.objects.bulk_create(
        [Person(organization=org, given_name=f"Vecina{offset + i}", family_name="Fanout",
                language="es" if i % 2 else "en") for i in range(count)], batch_size=1000)
    contacts = []
    for i, person in enumerate(people):
        area = AREA_CODES[(offset + i) // 10000]  # 555 numbers of Philadelphia's area codes
        number = f"+1{area}555{(offset + i) % 10000:04d}"
        contacts.append(ContactPoint(organization=org, person=person, kind="phone",
                                     value=number, is_primary=True,
                                     last_four_index=last_four_index(number[-4:])))
    ContactPoint.objects.bulk_create(contacts, batch_size=1000)
    Consent.objects.bulk_create([Consent(organization=org, person=p, channel="sms",
                                         purpose="rapid_response", source="door")
                                 for p in people], batch_size=1000)
    return people


def start_processes(var_dir: str, caps: dict[str, float]) -> tuple[list, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    caps_arg = ",".join(f"{number}:{rate:g}" for number, rate in caps.items())
    gateway = subprocess.Popen(
        [sys.executable, "-m", "groundswell.messaging.gateway", "--port", str(port),
         "--account-sid", SID, "--auth-token", TOKEN, "--caps", caps_arg],
        env={**env, "PYTHONPATH": str(ROOT / "src")}, stdout=subprocess.DEVNULL)
    wait_for(lambda: _up(url), 30, 0.05)
    env.update({"GROUNDSWELL_SMS_PROVIDER": "gateway", "GROUNDSWELL_SMS_GATEWAY_URL": url,
                "GROUNDSWELL_TWILIO_ACCOUNT_SID": SID, "GROUNDSWELL_TWILIO_AUTH_TOKEN": TOKEN,
                "GROUNDSWELL_SMS_SENDERS": caps_arg,
                "GROUNDSWELL_SMS_STATUS_CALLBACKS": "false",
                "GROUNDSWELL_WORKER_HEARTBEAT_SECONDS": "5"})
    sender = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "send_messages", "--batch", "500",
         "--threads", "16", "--poll", "0.05"], env=env, cwd=ROOT)
    from groundswell.core.models import WorkerHeartbeat

    wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id__startswith="sender-").exists(),
             60, 0.05)
    time.sleep(1.0)  # the sender is in its polling loop
    return [gateway, sender], url


def _up(url: str) -> bool:
    try:
        stats(url)
        return True
    except OSError:
        return False


def stop_processes(processes: list) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def fan_out(org, people, cause: str) -> float:
    from django.db import transaction
    from django_scopes import scope

    from groundswell.messaging import services

    committed: list[float] = []
    with scope(organization=org), transaction.atomic():
        result = services.enqueue_many(
            None, organization=org, channel="sms", purpose="rapid_response", cause_key=cause,
            body_en="Alert: agents seen near Front and Lehigh. Stay inside.",
            body_es="Alerta: agentes cerca de Front y Lehigh. Quédese adentro.",
            emergency=True, recipients=[services.Recipient(p, priority=i)
                                        for i, p in enumerate(people)])
        # The send is confirmed when this transaction commits: the clock starts just
        # before the commit, so the time to the first text includes the commit itself.
        committed.append(time.time())
    assert result.queued == len(people), result.suppressed
    return committed[0]


def run(org, people, caps: dict[str, float], var_dir: str, cause: str) -> dict:
    from groundswell.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.all().delete()
    processes, url = start_processes(var_dir, caps)
    try:
        confirmed = fan_out(org, people, cause)
        final = wait_for(lambda: (s := stats(url))["accepted"] + s["refused"] >= len(people)
                         and s["accepted"] >= len(people) and s, 1800, 0.05)
    finally:
        stop_processes(processes)
    elapsed = final["last_at"] - confirmed
    return {"throughput": len(people) / elapsed, "first": final["first_at"] - confirmed,
            "violations": final["cap_violations"], "accepted": final["accepted"],
            "duplicates": final["duplicates"], "elapsed": elapsed}


def naive_peer(org, people, cause: str) -> float:
    """One message per transaction, sequentially: the shape of a simple job queue."""
    from django.db import transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from groundswell.messaging import providers
    from groundswell.messaging.gateway import LocalGateway
    from groundswell.messaging.models import Message

    gateway = LocalGateway(account_sid=SID, auth_token=TOKEN).start()
    provider = providers.GatewayProvider(gateway.url, SID, TOKEN)
    fan_out(org, people, cause)
    start = time.time()
    with scopes_disabled():
        while True:
            with transaction.atomic():
                message = Message.objects.select_for_update().filter(
                    status="queued", cause_key=cause).order_by("priority", "pk").first()
                if message is None:
                    break
                Message.objects.filter(pk=message.pk).update(status="sending")
            sent = provider.send(providers.Outgoing(str(message.client_reference), "sms",
                                                    message.to_address, message.body,
                                                    sender=""))
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(
                    status="sent", provider_sid=sent.provider_sid, sent_at=timezone.now())
    elapsed = time.time() - start
    gateway.stop()
    return len(people) / elapsed


def main() -> None:
    args = parse_args()
    count = args.recipients or (1000 if args.quick else 10_000)
    capped_count = args.capped_recipients or (1100 if args.quick else 10_000)
    with tempfile.TemporaryDirectory(prefix="groundswell-fanout-") as var_dir:
        setup(var_dir)
        from django_scopes import scope

        from groundswell.core.models import Organization

        org = Organization.objects.create(name="Fan-out benchmark", slug="fanout-bench")
        with scope(organization=org):
            uncapped_people = make_people(org, count, 0)
            capped_people = make_people(org, capped_count, count)
            peer_people = make_people(org, max(count // 5, 200), count + capped_count)

        caps = {**dict.fromkeys(LONG_CODES, 1.0), SHORT_CODE: 100.0}
        if args.cpu_hog:
            with cpu_hog(args.cpu_hog):
                capped = run(org, capped_people, caps, var_dir, "bench:capped")
            print(f"capped beside {args.cpu_hog} busy loop(s): {json.dumps(capped)}",
                  file=sys.stderr)
            emit_capped(capped, capped_count, caps, "_cpu_hog")
            return
        uncapped = run(org, uncapped_people, {}, var_dir, "bench:uncapped")
        print(f"uncapped: {json.dumps(uncapped)}", file=sys.stderr)
        with scope(organization=org):
            peer = naive_peer(org, peer_people, "bench:peer")
        capped = run(org, capped_people, caps, var_dir, "bench:capped")
        print(f"capped: {json.dumps(capped)}", file=sys.stderr)

    emit(f"fanout_uncapped_throughput_{count}", round(uncapped["throughput"], 1),
         round(peer, 1), "texts/s", ">= 1000", uncapped["throughput"] >= 1000)
    emit("fanout_time_to_first_text", round(uncapped["first"], 3), None, "s", "< 1",
         uncapped["first"] < 1.0)
    emit("fanout_uncapped_lost_or_duplicated", count - uncapped["accepted"]
         + uncapped["duplicates"], None, "texts", "0",
         uncapped["accepted"] == count and uncapped["duplicates"] == 0)
    emit_capped(capped, capped_count, caps)


def emit_capped(capped: dict, capped_count: int, caps: dict[str, float],
                suffix: str = "") -> None:
    summed = sum(caps.values())
    share = capped["throughput"] / summed
    emit(f"fanout_capped_share_of_caps_{capped_count}{suffix}", round(share, 3), None,
         f"x {summed:g} texts/s", ">= 0.95", share >= 0.95)
    emit(f"fanout_capped_violations{suffix}", capped["violations"], None,
         "texts over a cap", "0", capped["violations"] == 0)
    emit(f"fanout_capped_time_to_first_text{suffix}", round(capped["first"], 3), None, "s",
         "< 1", capped["first"] < 1.0)


if __name__ == "__main__":
    main()
