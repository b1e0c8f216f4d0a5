"""Backup and restore (issue 15, point 7), and start-up refusing keys that cannot read
the data.

The drill, on the engine of the test run (SQLite or PostgreSQL): create data, back up
while another process keeps writing, restore into a fresh database, compare counts,
verify the audit chain (and a head anchored before the backup), decrypt a sample and
find it by its blind index, and check that the retention purge ran again (a report
past retention does not come back). Then the same backup restored with other keys,
and the restored database started with regenerated keys: both refused, naming the
variable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django.test import override_settings

from groundswell.core import backup, crypto, keycheck
from groundswell.core.models import KeyCanary
from tests.core.test_health import REPO, manage, separate_database, shell
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SEED = """
    from datetime import timedelta
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled
    from groundswell.core.models import Organization, Role
    from groundswell.people import services as people
    from groundswell.rapidresponse import services as rr
    from groundswell.rapidresponse.models import Network, Report
    from tests.factories import make_member

    org = Organization.objects.create(name="Drill", slug="drill")
    actor = make_member(org, Role.ORGANIZER, mfa=False)
    with scope(organization=org):
        people.create_person(actor, given_name="Drill", family_name="Sample",
                             phone="215-555-0123", email="sample@example.org")
        for i in range(20):
            people.create_person(actor, given_name=f"Seed{i}", family_name="Person",
                                 phone=f"215-555-{1000 + i}")
        network = Network.objects.create(organization=org, name="Kensington")
        old = rr.submit_web_report(network, what="Agents at the corner", where="A St")
        rr.submit_web_report(network, what="A van", where="B St")
    with scopes_disabled():
        Report.objects.filter(pk=old.pk).update(
            received_at=timezone.now() - timedelta(days=network.retention_days + 5))
"""

WRITER = """
    import os, sys
    from pathlib import Path
    from django_scopes import scope
    from groundswell.core.models import Membership, Organization
    from groundswell.people import services as people

    from django_scopes import scopes_disabled
    with scopes_disabled():
        org = Organization.objects.get(slug="drill")
        actor = Membership.objects.select_related("organization", "user").filter(
            organization=org).first()
    stop = Path(os.environ["STOP_FILE"])
    i = 0
    with scope(organization=org):
        while not stop.exists():
            people.create_person(actor, given_name=f"Writer{i}", family_name="Busy",
                                 phone=f"267-555-{i % 10000:04d}")
            i += 1
            if i == 5:
                print("writing", flush=True)
    print(f"wrote {i}", flush=True)
"""

COUNTS = """
    import json
    from django_scopes import scopes_disabled
    from groundswell.core.models import AuditEvent, Organization
    from groundswell.people.models import ContactPoint, Person
    from groundswell.rapidresponse.models import Incident, Network, Report

    with scopes_disabled():
        print("COUNTS " + json.dumps({
            "organizations": Organization.objects.count(),
            "people": Person.objects.count(),
            "contact_points": ContactPoint.objects.count(),
            "people_audited": AuditEvent.objects.filter(code="people.person.created")
                .count(),
            "audit_events": AuditEvent.objects.count(),
            "networks": Network.objects.count(),
            "incidents": Incident.objects.count(),
            "reports": Report.objects.count(),
            "purged_incidents": Incident.objects.exclude(purged_at=None).count(),
        }))
"""

SAMPLE = """
    from django_scopes import scopes_disabled
    from groundswell.people.models import ContactPoint

    with scopes_disabled():
        field = ContactPoint._meta.get_field("value")
        found = ContactPoint.objects.get(value_index=field.index_for("+12155550123"))
        print("SAMPLE", found.value, found.person.given_name, found.person.family_name)
"""


def counts(env: dict[str, str]) -> dict[str, int]:
    out = shell(env, COUNTS, timeout=120)
    return json.loads(out.split("COUNTS ", 1)[1].splitlines()[0])


@contextmanager
def fresh_database(env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    """An empty database on the same engine, with the same keys (as an operator restores
    them with the backup): a new var folder for SQLite, a new database for PostgreSQL."""
    var = tmp_path / "restored-var"
    var.mkdir(parents=True)
    shutil.copytree(Path(env["GROUNDSWELL_VAR_DIR"]) / "secrets", var / "secrets")
    fresh = {**env, "GROUNDSWELL_VAR_DIR": str(var)}
    if "DATABASE_URL" not in env:
        yield fresh
        return
    import psycopg

    url = urlsplit(env["DATABASE_URL"])
    name = f"gs_restore_{uuid.uuid4().hex[:12]}"
    admin_url = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    fresh["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{name}"))
    try:
        yield fresh
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_backup_while_writing_then_restore_into_a_fresh_database(tmp_path):
    with separate_database(tmp_path / "source") as env:
        shell(env, SEED, timeout=120)
        anchored = manage(env, "verify_audit_chain").stdout
        assert "ANCHOR gsaudit1:" in anchored
        before = counts(env)
        assert before["reports"] == 2

        stop = tmp_path / "stop"
        writer = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", textwrap.dedent(WRITER)], cwd=REPO,
            env={**env, "STOP_FILE": str(stop)}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            for line in writer.stdout:  # after the shell's own first line
                if line.strip() == "writing":
                    break
            else:
                pytest.fail(f"the writer did not start: {writer.stderr.read()}")
            target = tmp_path / "backups"
            target.mkdir()
            result = manage(env, "backup", "--output", str(target), timeout=180)
        finally:
            stop.touch()
            out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        written = int(out.split("wrote ")[1])
        after = counts(env)
        assert after["people"] == before["people"] + written

        files = list(target.glob("groundswell-*.gsbackup"))
        assert len(files) == 1 and str(files[0]) in result.stdout
        made = files[0]
        assert made.stat().st_mode & 0o077 == 0
        raw = made.read_bytes()
        assert raw.startswith(crypto.FILE_MAGIC)
        for plain in (b"SQLite format 3", b"PGDMP", b"Drill", b"Sample", b"Kensington",
                      b"people.person.created"):
            assert plain not in raw

        with fresh_database(env, tmp_path) as restored_env:
            restored = run(restored_env, "restore", str(made))
            assert restored.returncode == 0, restored.stderr
            assert "1 reports and 0 alerts purged" in restored.stdout
            assert "audit chain(s) intact" in restored.stdout

            got = counts(restored_env)
            for name in ("organizations", "networks", "incidents"):
                assert got[name] == before[name], name
            # A consistent copy: somewhere between before and after the writes, and every
            # person with their phone and their audit event (a torn copy breaks these).
            for name in ("people", "contact_points", "people_audited", "audit_events"):
                assert before[name] <= got[name] <= after[name], name
            assert got["people"] == got["contact_points"] - 1 == got["people_audited"]
            # The report past retention was purged again; the recent one stays.
            assert got["reports"] == 1 and got["purged_incidents"] == 1

            verified = run(restored_env, "verify_audit_chain", "--anchor", anchored)
            assert verified.returncode == 0, verified.stderr
            assert "kept anchor(s) matched" in verified.stdout
            sample = shell(restored_env, SAMPLE)
            assert "SAMPLE +12155550123 Drill Sample" in sample

            # Restoring over a database that is not empty is refused.
            again = run(restored_env, "restore", str(made))
            assert again.returncode != 0 and "not empty" in again.stderr

            # The restored database started with regenerated keys (var/secrets lost):
            # refused, naming the variable, instead of writing under a new "k1".
            shutil.rmtree(Path(restored_env["GROUNDSWELL_VAR_DIR"]) / "secrets")
            refused = run(restored_env, "check")
            assert refused.returncode != 0
            assert "GROUNDSWELL_ENCRYPTION_KEYS: key 'k1' is not the key 'k1'" in refused.stderr
            assert "GROUNDSWELL_BLIND_INDEX_KEY" in refused.stderr
            assert "GROUNDSWELL_AUDIT_KEY" in refused.stderr

        # The backup itself cannot be restored with other keys.
        with fresh_database(env, tmp_path / "other") as other_env:
            shutil.rmtree(Path(other_env["GROUNDSWELL_VAR_DIR"]) / "secrets")
            refused = run(other_env, "restore", str(made))
            assert refused.returncode != 0
            assert "cannot be decrypted with GROUNDSWELL_ENCRYPTION_KEYS" in refused.stderr


def test_backups_roll_off_after_the_kept_days(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old, new, other = (folder / "groundswell-20200101T000000Z.gsbackup",
                       folder / backup.default_name(), folder / "notes.txt")
    for path in (old, new, other):
        path.write_bytes(b"x")
    aged = time.time() - 15 * 86400
    import os
    os.utime(old, (aged, aged))
    os.utime(other, (aged, aged))
    assert backup.roll_off(folder, 14) == [old]
    assert new.exists() and other.exists()


def test_a_file_that_is_not_a_backup_is_refused_clearly(tmp_path):
    path = tmp_path / "x.gsbackup"
    crypto.write_encrypted_file(path, b"hello\n", context=backup.CONTEXT)
    with pytest.raises(backup.BackupError, match="not a Groundswell backup"):
        backup.read_header(path)
    path.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(backup.BackupError, match="cannot be decrypted"):
        backup.read_header(path)


# --- start-up checks the keys against the data (in process) ---------------------------------

OTHER_KEYRING = "k1:" + "A" * 43


def test_the_same_keys_pass_every_time_and_leave_canaries():
    assert keycheck.key_problems() == []
    assert keycheck.key_problems() == []
    names = set(KeyCanary.objects.values_list("name", flat=True))
    assert names == {f"encryption:{crypto.keyring().primary_id}", "blind_index", "audit"}


@pytest.mark.parametrize("setting, value, variable", [
    ("ENCRYPTION_KEYS", OTHER_KEYRING, "GROUNDSWELL_ENCRYPTION_KEYS: key 'k1'"),
    ("ENCRYPTION_KEYS", "k9:" + "B" * 43, "GROUNDSWELL_ENCRYPTION_KEYS has no key"),
    ("BLIND_INDEX_KEY", "another-blind-index-key", "GROUNDSWELL_BLIND_INDEX_KEY"),
    ("AUDIT_KEY", "another-audit-key-entirely", "GROUNDSWELL_AUDIT_KEY"),
])
def test_other_keys_are_refused_naming_the_variable(setting, value, variable):
    assert keycheck.key_problems() == []
    crypto._keyring_for.cache_clear()
    with override_settings(**{setting: value}):
        problems = keycheck.key_problems()
        messages = [str(m) for m in keycheck.check_keys()]
    assert any(variable in p for p in problems), problems
    assert any(variable in m for m in messages)


def test_a_database_from_before_the_canaries_is_checked_by_sampling_its_data(in_org):
    from groundswell.people import services as people

    people.create_person(in_org.member("organizer"), given_name="Ana", phone="215-555-0101")
    with override_settings(ENCRYPTION_KEYS=OTHER_KEYRING):
        problems = keycheck.key_problems()
    assert problems and "GROUNDSWELL_ENCRYPTION_KEYS" in problems[0]
    assert not KeyCanary.objects.exists()  # nothing written under the wrong keys
    with override_settings(BLIND_INDEX_KEY="another-blind-index-key"):
        assert keycheck.key_problems() == [keycheck.BLIND_PROBLEM]
    OrganizationFactory()  # its audit chain head carries a seal
    with override_settings(AUDIT_KEY="another-audit-key-entirely"):
        assert keycheck.key_problems() == [keycheck.AUDIT_PROBLEM]
    assert keycheck.key_problems() == []
    assert KeyCanary.objects.count() == 3


def test_rotation_forgets_the_canary_of_a_retired_key():
    from django.core.management import call_command

    assert keycheck.key_problems() == []
    old = crypto.keyring()
    new_ring = "k2:" + "C" * 43 + "," + ",".join(
        f"{kid}:" + __import__("base64").urlsafe_b64encode(key).decode().rstrip("=")
        for kid, key in old.keys.items())
    with override_settings(ENCRYPTION_KEYS=new_ring):
        assert keycheck.key_problems() == []
        assert KeyCanary.objects.filter(name__startswith="encryption:").count() == 2
        call_command("rotate_encryption_keys", stdout=__import__("io").StringIO())
    with override_settings(ENCRYPTION_KEYS="k2:" + "C" * 43):
        assert keycheck.key_problems() == []


def test_no_tables_yet_is_not_a_problem(monkeypatch):
    monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [])
    assert keycheck.key_problems() == []
