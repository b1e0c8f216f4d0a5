"""The crash test (issue 8's acceptance): a broadcast to 2,000 recipients while the
sender process is killed with SIGKILL ten times at random moments and restarted. At the
end every recipient got the message exactly once at the gateway: 0 lost, 0 duplicates.
The gateway also counts what its idempotency caught (a resend with a reference it had
already seen): at most one per kill, since the sender asks before resending.

Bounded: the sender runs as a real subprocess (``manage.py send_messages``) against
the test database (on SQLite a file copy of the in-memory test database), the gateway
answers on 127.0.0.1 with a small delay so kills land mid-batch, and every wait has a
deadline.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scope, scopes_disabled

from groundswell.messaging import services
from groundswell.messaging.models import Message
from groundswell.people.models import Consent, ContactPoint, Person
from groundswell.people.services.records import last_four_index

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 2000
KILLS = 10
ROOT = Path(__file__).resolve().parents[2]


def make_recipients(org, count: int) -> list[Person]:
    people = Person.objects.bulk_create(
        [Person(organization=org, given_name=f"Vecino{i}", family_name="Crash", language="es")
         for i in range(count)])
    contacts = []
    for i, person in enumerate(people):
        number = f"+1267555{i:04d}"
        contacts.append(ContactPoint(organization=org, person=person, kind="phone", value=number,
                                     is_primary=True, last_four_index=last_four_index(number[-4:])))
    ContactPoint.objects.bulk_create(contacts)
    Consent.objects.bulk_create([
        Consent(organization=org, person=p, channel="sms", purpose="rapid_response",
                source="door") for p in people])
    return people


def database_env(tmp_path: Path) -> tuple[dict[str, str], Path | None]:
    """Environment that points a subprocess at this test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUNDSWELL_")}
    env.pop("DATABASE_URL", None)
    env.update({
        "GROUNDSWELL_ENV": "test", "GROUNDSWELL_VAR_DIR": str(tmp_path / "var"),
        "GROUNDSWELL_SECRET_KEY": settings.SECRET_KEY,
        "GROUNDSWELL_ENCRYPTION_KEYS": settings.ENCRYPTION_KEYS,
        "GROUNDSWELL_BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "GROUNDSWELL_AUDIT_KEY": settings.AUDIT_KEY,
        "PYTHONPATH": str(ROOT / "src"),
    })
    if connection.vendor == "sqlite":
        (tmp_path / "var").mkdir()
        copy = tmp_path / "var" / "groundswell.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return env, copy
    db = connection.settings_dict
    env["DATABASE_URL"] = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                           f"{db['PORT']}/{db['NAME']}")
    return env, None


def statuses(copy: Path | None) -> dict[str, int]:
    if copy is None:
        with scopes_disabled():
            rows = Message.objects.values_list("status", flat=True)
            result: dict[str, int] = {}
            for status in rows:
                result[status] = result.get(status, 0) + 1
            return result
    with sqlite3.connect(copy, timeout=20) as db:
        return dict(db.execute("select status, count(*) from messaging_message group by status"))


def test_kill_the_sender_ten_times_and_nothing_is_lost_or_doubled(personas, sms_gateway,
                                                                  tmp_path):
    with scope(organization=personas.org):
        people = make_recipients(personas.org, RECIPIENTS)
        result = services.enqueue_many(
            None, organization=personas.org, channel="sms", purpose="rapid_response",
            cause_key="alert:crash", body_es="Alerta: agentes vistos en Front y Lehigh.",
            body_en="Alert: agents seen at Front and Lehigh.", emergency=True,
            recipients=[services.Recipient(p, priority=i) for i, p in enumerate(people)])
    assert result.queued == RECIPIENTS

    env, copy = database_env(tmp_path)
    env.update({"GROUNDSWELL_SMS_PROVIDER": "gateway",
                "GROUNDSWELL_SMS_GATEWAY_URL": sms_gateway.url,
                "GROUNDSWELL_TWILIO_ACCOUNT_SID": sms_gateway.account_sid,
                "GROUNDSWELL_TWILIO_AUTH_TOKEN": sms_gateway.auth_token,
                "GROUNDSWELL_SMS_SENDERS": "", "GROUNDSWELL_SMS_STATUS_CALLBACKS": "false"})
    # A little latency per text, so a kill lands while texts are in flight.
    sms_gateway.configure(delay_seconds=0.01)
    launcher = subprocess.Popen([sys.executable, str(Path(__file__).with_name(
        "sender_launcher.py"))], env=env, cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    options = "--batch 40 --threads 4 --lease 2 --poll 0.05"

    def ask(line: str) -> int:
        launcher.stdin.write(line + "\n")
        launcher.stdin.flush()
        return int(launcher.stdout.readline())

    rng = random.Random(8)  # noqa: S311 - test randomness, seeded
    kills = 0
    deadline = time.monotonic() + 180
    try:
        while kills < KILLS:
            before = sms_gateway.snapshot()["accepted"] + sms_gateway.snapshot()["duplicates"]
            pid = ask(f"start {options}")
            # wait until this sender is sending, then kill it at a random moment
            while sms_gateway.snapshot()["accepted"] + sms_gateway.snapshot()["duplicates"] \
                    == before:
                assert time.monotonic() < deadline, "the sender never started sending"
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.4))
            os.kill(pid, signal.SIGKILL)
            assert ask(f"wait {pid}") == -signal.SIGKILL
            kills += 1
        assert sms_gateway.snapshot()["accepted"] < RECIPIENTS, "finished before the last kill"

        # Restart until the outbox is empty (the killed senders' leases expire in 2 s).
        for _ in range(6):
            time.sleep(2.1)
            pid = ask(f"start {options} --until-empty")
            assert ask(f"wait {pid}") == 0
            left = statuses(copy)
            if not left.get("queued") and not left.get("sending"):
                break
    finally:
        launcher.stdin.close()
        launcher.wait(timeout=30)

    assert statuses(copy) == {"sent": RECIPIENTS}
    stats = sms_gateway.snapshot()
    numbers = [m.to for m in sms_gateway.messages]
    assert stats["accepted"] == RECIPIENTS == len(set(numbers))  # 0 lost, 0 duplicates
    assert stats["duplicates"] <= kills  # what idempotency had to catch
    assert stats["lookups"] > 0  # the restarted senders asked before resending
    print(f"crash test: {kills} kills, {stats['lookups']} lookups, "
          f"{stats['duplicates']} resends caught by the gateway")
