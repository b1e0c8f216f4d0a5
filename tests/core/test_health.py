"""/health: the database answers and a background worker was seen recently."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from groundswell.core.management.commands.worker import beat
from groundswell.core.models import WorkerHeartbeat

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def get_health(client) -> tuple[int, dict]:
    response = client.get("/health")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


def test_no_heartbeat_means_worker_down(client):
    status, body = get_health(client)
    assert status == 503
    assert body["database"] == "ok"
    assert body["worker"] == "down"
    assert body["worker_last_seen_seconds"] is None
    assert body["status"] == "degraded"


def test_fresh_heartbeat_is_healthy(client):
    WorkerHeartbeat.objects.create(worker_id="w1", last_seen=timezone.now())
    status, body = get_health(client)
    assert status == 200
    assert body == {"database": "ok", "worker": "ok", "status": "ok",
                    "worker_last_seen_seconds": body["worker_last_seen_seconds"]}
    assert 0 <= body["worker_last_seen_seconds"] < 5


@override_settings(WORKER_HEARTBEAT_SECONDS=10)
def test_heartbeat_goes_stale_after_three_intervals(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        beat("w1")
        clock.shift(timedelta(seconds=29))
        assert get_health(client)[0] == 200
        clock.shift(timedelta(seconds=1))
        assert get_health(client)[0] == 200  # exactly 3× is still fine
        clock.shift(timedelta(seconds=1))
        status, body = get_health(client)
        assert status == 503
        assert body["worker"] == "down"
        assert body["worker_last_seen_seconds"] == 31.0


def test_the_newest_of_several_workers_counts(client):
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="old", last_seen=now - timedelta(hours=2))
    WorkerHeartbeat.objects.create(worker_id="new", last_seen=now)
    assert get_health(client)[0] == 200


def test_beat_updates_its_own_row(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        beat("w1")
        clock.shift(timedelta(hours=1))
        assert get_health(client)[0] == 503
        beat("w1")
        assert get_health(client)[0] == 200
    assert WorkerHeartbeat.objects.filter(worker_id="w1").count() == 1
    assert WorkerHeartbeat.objects.get(worker_id="w1").last_seen == start + timedelta(hours=1)


def test_health_needs_no_login_and_accepts_only_get(client):
    beat("w1")
    assert client.get("/health").status_code == 200
    assert client.post("/health").status_code == 405


def test_database_down_is_reported(client, monkeypatch):
    beat("w1")

    class Broken:
        def __enter__(self):
            raise RuntimeError("connection refused")

        def __exit__(self, *exc):
            return False

    from groundswell.core import views

    monkeypatch.setattr(views.connection, "cursor", lambda: Broken())
    status, body = get_health(client)
    assert status == 503
    assert body["database"] == "down"
    assert body["status"] == "degraded"


# --- a real worker process ------------------------------------------------------------


@contextmanager
def separate_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated database that subprocesses (a worker, concurrent writers) and this
    process can share, on the same engine as the test run: a file SQLite database in
    a temporary var folder, or a fresh database on the same PostgreSQL server.
    Yields the environment for the subprocesses."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update({
        "GROUNDSWELL_ENV": "test",
        "GROUNDSWELL_VAR_DIR": str(tmp_path / "var"),
        "GROUNDSWELL_TEST_DB_TASKS": "1",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("DATABASE_URL", None)
    drop = None
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.settings_dict
        name = f"gs_sub_{uuid.uuid4().hex[:12]}"
        conninfo = {"host": params["HOST"] or None, "port": params["PORT"] or None,
                    "user": params["USER"] or None, "password": params["PASSWORD"] or None}
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        auth = quote(params["USER"] or "", safe="")
        if params["PASSWORD"]:
            auth += ":" + quote(params["PASSWORD"], safe="")
        env["DATABASE_URL"] = (f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:"
                               f"{params['PORT'] or 5432}/{name}")
    try:
        manage(env, "migrate", "-v0", timeout=120)
        yield env
    finally:
        if drop is not None:
            drop()


def manage(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result


def shell(env: dict[str, str], code: str, timeout: float = 60) -> str:
    return manage(env, "shell", "-c", textwrap.dedent(code), timeout=timeout).stdout


HEALTH_PROBE = """
    import json, time
    from datetime import timedelta
    import time_machine
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone
    from groundswell.core.models import WorkerHeartbeat

    client = Client(HTTP_HOST="localhost")
    deadline = time.monotonic() + WAIT
    while True:
        response = client.get("/health")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    result = {"status": response.status_code, "body": response.json(),
              "workers": list(WorkerHeartbeat.objects.values_list("worker_id", flat=True))}
    later = timezone.now() + timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 3 + 5)
    with time_machine.travel(later, tick=False):
        result["later"] = client.get("/health").status_code
    print("RESULT " + json.dumps(result))
"""


def probe(env: dict[str, str], *, wait: float) -> dict:
    """/health as seen from another process on the shared database, polled for up to
    ``wait`` seconds until it turns 200, and once more three intervals later."""
    out = shell(env, f"WAIT = {wait}\n" + textwrap.dedent(HEALTH_PROBE), timeout=wait + 60)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_a_running_worker_process_makes_health_ok(tmp_path):
    with separate_database(tmp_path) as env:
        before = probe(env, wait=0)
        assert before["status"] == 503 and before["workers"] == []

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay",
             "--worker-id", "integration-worker"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            running = probe(env, wait=30)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                out, err = worker.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                out, err = worker.communicate()
        assert running["status"] == 200, (running, err)
        assert running["body"]["worker"] == "ok"
        assert running["workers"] == ["integration-worker"]
        # A worker that stops beating shows as down once three intervals pass.
        assert running["later"] == 503
        assert worker.returncode == 0, err
