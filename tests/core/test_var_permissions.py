"""var/ is this user's alone (issue 15): the folder 0700, the database, development mail
(live invitation links), the development SMS file and generated secrets 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMessage

from groundswell.core.mail import PrivateFileEmailBackend
from groundswell.env import private_dir, private_file
from groundswell.messaging.providers import FileProvider, Outgoing

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_and_file_are_made_and_tightened(tmp_path):
    folder = tmp_path / "var" / "deep"
    assert mode(private_dir(folder)) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    assert mode(private_dir(loose)) == 0o700
    made = private_file(folder / "db.sqlite3")
    assert mode(made) == 0o600 and made.read_bytes() == b""
    made.write_bytes(b"kept")
    made.chmod(0o644)
    assert mode(private_file(made)) == 0o600 and made.read_bytes() == b"kept"


def test_development_mail_files_are_private(tmp_path):
    backend = PrivateFileEmailBackend(file_path=str(tmp_path / "mail"))
    backend.send_messages([EmailMessage("Invitation", "https://x/invite/secret",
                                        "a@example.org", ["b@example.org"])])
    [written] = list((tmp_path / "mail").iterdir())
    assert mode(tmp_path / "mail") == 0o700 and mode(written) == 0o600
    assert "invite/secret" in written.read_text()


def test_the_development_sms_file_is_private(tmp_path):
    provider = FileProvider(tmp_path / "sms")
    provider.send(Outgoing(client_reference="r1", channel="sms", to="+12155550100",
                           body="Hola"))
    assert mode(tmp_path / "sms") == 0o700
    assert mode(tmp_path / "sms" / "outbox.jsonl") == 0o600


def test_a_fresh_development_var_folder_is_private(tmp_path):
    """Settings of a fresh install: var/ 0700, the SQLite database and its WAL files and
    the generated secrets 0600, whatever the umask."""
    var = tmp_path / "var"
    script = (
        "import django, os; os.umask(0o022); django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('create table t (x)');"
        "c.execute('insert into t values (1)')")
    env = {**os.environ, "GROUNDSWELL_ENV": "development", "GROUNDSWELL_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "groundswell.settings",
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT)
    assert mode(var) == 0o700 and mode(var / "secrets") == 0o700
    database = var / "groundswell.sqlite3"
    assert mode(database) == 0o600
    for extra in ("groundswell.sqlite3-wal", "groundswell.sqlite3-shm"):
        if (var / extra).exists():
            assert mode(var / extra) == 0o600, extra
    secrets = list((var / "secrets").iterdir())
    assert secrets and all(mode(p) == 0o600 for p in secrets)
