"""Forgetting someone leaves nothing of them in the SQLite file or its write-ahead log:
deleted and rewritten rows are zeroed (secure_delete while forgetting) and the log,
which holds older copies of pages, is emptied by the compaction task."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Quetzalcoatlxyz"

SCRIPT = f"""
from django.contrib.auth import get_user_model
from django.db import connection
from django_scopes import scope
from groundswell.core.services import create_organization
from groundswell.core.models import Membership
from groundswell.people import services
from groundswell.people.models import Grievance
from groundswell.people.tasks import compact_search_index

admin = get_user_model().objects.create_user(email="admin@example.org", password="x" * 20)
org = create_organization(name="Front Street", slug="front-street", admin=admin)
with scope(organization=org):
    actor = Membership.objects.get(organization=org, user=admin)
    others = [services.create_person(actor, given_name=f"Neighbour {{i}}",
                                     family_name="Delgado", street=f"{{100 + i}} N Front St")
              for i in range(40)]
    person = services.create_person(actor, given_name="Rosa", family_name="{TOKEN}",
                                    phone="+12155550187", email="{TOKEN.lower()}@example.org",
                                    street="2417 N Front St")
    services.record_grievance(actor, person, category=Grievance.Category.OTHER,
                              text="{TOKEN} landlord")
    services.record_interaction(actor, person, kind="note", summary="{TOKEN} said hello")
    # What was written so far is in the database file itself, not only in the log.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    services.forget_person(actor, person)
compact_search_index.call(org.pk)
# Read the files while this process still holds its connection, as the web server and
# the worker do (closing the last connection would checkpoint and remove the log).
import pathlib
from django.conf import settings
for f in sorted(pathlib.Path(settings.VAR_DIR).glob("groundswell.sqlite3*")):
    print("FOUND", f.name, f.read_bytes().lower().count(b"{TOKEN.lower()}"))
"""


@pytest.mark.skipif(connection.vendor != "sqlite",
                    reason="checks a SQLite file; the PostgreSQL run has no such file")
def test_a_forgotten_name_is_nowhere_in_the_database_file_or_its_log(tmp_path):
    env = {**os.environ, "GROUNDSWELL_ENV": "test", "GROUNDSWELL_VAR_DIR": str(tmp_path),
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("GROUNDSWELL_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, timeout=600)
    shell = subprocess.run([*manage, "shell", "-c", SCRIPT], env=env, check=True,
                           timeout=600, capture_output=True, text=True)
    found = {line.split()[1]: int(line.split()[2]) for line in shell.stdout.splitlines()
             if line.startswith("FOUND ")}
    assert "groundswell.sqlite3" in found and "groundswell.sqlite3-wal" in found, shell.stdout
    assert sum(found.values()) == 0, found
