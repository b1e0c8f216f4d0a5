"""A raw database dump (a stolen backup) contains none of the personal data we seal:
the email of an invitation, the IP address in the audit log, a TOTP secret."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django_scopes import scope, scopes_disabled

from groundswell.core import audit, services
from groundswell.core.models import AuditEvent, Invitation
from tests.conftest import login
from tests.factories import PASSWORD, OrganizationFactory, make_member

pytestmark = pytest.mark.django_db

SEEDED_EMAIL = "maria.seeded.4471@example.org"
SEEDED_IP = "203.0.113.77"
DIRECT_EMAIL = "jose.direct.9902@example.org"
DIRECT_IP = "198.51.100.214"
ORG_NAME = "Kensington Plaintext Canary Center"


def stringify(value: object) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace") + " " + bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def dump_database() -> str:
    """Every value of every table, read with a raw cursor as a dump would, plus the
    decoded contents of database sessions (they are only base64 and signed)."""
    qn = connection.ops.quote_name
    parts: list[str] = []
    tables = connection.introspection.table_names()
    assert "core_invitation" in tables and "core_auditevent" in tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {qn(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                parts.append(table)
                for column, value in zip(columns, row, strict=True):
                    parts.append(stringify(value))
                    if table == "django_session" and column == "session_data":
                        parts.append(stringify(SessionStore().decode(value)))
    return "\n".join(parts)


@pytest.fixture
def seeded(client):
    org = OrganizationFactory(name=ORG_NAME)
    admin = make_member(org, "admin")  # with a TOTP authenticator
    # Through a request, as in real use: the middleware records the client's IP.
    login(client, admin)
    response = client.post(f"/o/{org.slug}/members/invite/",
                           {"email": SEEDED_EMAIL, "role": "organizer"},
                           REMOTE_ADDR=SEEDED_IP)
    assert response.status_code == 302, response.content[:500]
    # And directly through the service, with the IP in the audit context.
    token = audit.current_ip.set(DIRECT_IP)
    try:
        with scope(organization=org):
            services.invite_member(admin, email=DIRECT_EMAIL, role="canvasser")
    finally:
        audit.current_ip.reset(token)
    # What was seeded really is there, readable through the models.
    with scopes_disabled():
        assert sorted(Invitation.objects.values_list("email", flat=True)) == \
            sorted([SEEDED_EMAIL, DIRECT_EMAIL])
        assert set(AuditEvent.objects.values_list("ip", flat=True)) >= {SEEDED_IP, DIRECT_IP}
    return admin


def test_a_raw_dump_contains_no_seeded_plaintext(seeded):
    dump = dump_database().lower()
    # The dump really holds the data: what is plaintext by design shows up.
    assert ORG_NAME.lower() in dump
    assert seeded.user.email.lower() in dump
    secrets = {
        "invitation email": SEEDED_EMAIL,
        "invitation email (local part)": SEEDED_EMAIL.split("@")[0],
        "directly invited email": DIRECT_EMAIL,
        "audit IP": SEEDED_IP,
        "audit IP (service)": DIRECT_IP,
        "TOTP secret": seeded.user.totp_secret,
    }
    leaked = [label for label, value in secrets.items() if value.lower() in dump]
    assert leaked == []


def test_the_dump_would_catch_a_leak(seeded):
    """The check above is not vacuous: a value written to a plaintext column is found."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_organization SET name = %s WHERE name = %s",
                       [f"leak {SEEDED_IP} {seeded.user.totp_secret}", ORG_NAME])
    dump = dump_database().lower()
    assert SEEDED_IP in dump
    assert seeded.user.totp_secret.lower() in dump


# --- known failure: bug reported, not yet fixed ----------------------------------------


def test_a_totp_secret_being_enrolled_is_not_in_the_dump(client):
    """allauth keeps the not-yet-confirmed TOTP secret in the session until the code is
    entered; with database sessions (signed, not encrypted) a backup taken meanwhile
    holds the secret the member is about to activate."""
    org = OrganizationFactory(name=ORG_NAME)
    member = make_member(org, "organizer", mfa=False)
    login(client, member)
    response = client.post("/account/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/account/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret.lower() not in dump_database().lower()
