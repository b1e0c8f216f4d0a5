"""The audit log: one hash chain per organization, append-only, and a check that
finds the first modified, deleted or truncated row."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.core import audit
from groundswell.core.models import AuditChainHead, AuditEvent
from tests.core.test_health import REPO, manage, separate_database, shell
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def record_n(org, n: int, *, prefix: str = "core.test.event") -> list[AuditEvent]:
    return [audit.record(prefix, organization=org, data={"i": i}) for i in range(n)]


def chain_rows(chain: str) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(chain=chain).order_by("seq"))


def tamper(pk: int, **changes) -> None:
    """What someone with database access does: a raw UPDATE, bypassing save()."""
    with scopes_disabled():
        assert AuditEvent.objects.filter(pk=pk).update(**changes) == 1


def remove(*pks: int) -> None:
    with scopes_disabled():
        AuditEvent.objects.filter(pk__in=pks).delete()


def run_verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit_chain", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- chaining -----------------------------------------------------------------------


def test_events_of_an_organization_form_a_linked_sequence():
    org = OrganizationFactory()
    record_n(org, 5)
    rows = chain_rows(str(org.pk))
    assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS
    for previous, current in zip(rows, rows[1:], strict=False):
        assert current.prev_hash == previous.hash
    assert len({e.hash for e in rows}) == 5
    head = AuditChainHead.objects.get(chain=str(org.pk))
    assert (head.last_seq, head.last_hash) == (5, rows[-1].hash)
    assert audit.verify_chain(str(org.pk)) is None


def test_each_organization_has_its_own_chain_and_system_events_their_own():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    audit.record("core.test.event", organization=org_a)
    audit.record("core.test.event", organization=org_b)
    audit.record("core.test.event", organization=org_a)
    system = audit.record("core.test.event", organization=None)
    assert [e.seq for e in chain_rows(str(org_a.pk))] == [1, 2]
    assert [e.seq for e in chain_rows(str(org_b.pk))] == [1]
    assert system.chain == audit.SYSTEM_CHAIN and system.organization_id is None
    assert set(audit.all_chains()) >= {str(org_a.pk), str(org_b.pk), audit.SYSTEM_CHAIN}
    for chain in audit.all_chains():
        assert audit.verify_chain(chain) is None


def test_record_stores_actor_object_and_data():
    org = OrganizationFactory()
    user = UserFactory()
    event = audit.record("core.organization.renamed", organization=org, actor=user, obj=org,
                         data={"count": 3, "ids": [1, 2]})
    with scopes_disabled():
        stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == user.pk
    assert (stored.object_type, stored.object_id) == ("core.organization", str(org.pk))
    assert stored.data == {"count": 3, "ids": [1, 2]}
    anonymous = audit.record("core.test.event", organization=org, actor=AnonymousUser())
    assert anonymous.actor_id is None


def test_events_are_visible_only_inside_their_organization_scope():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    record_n(org_a, 2)
    record_n(org_b, 3)
    with scope(organization=org_a):
        assert AuditEvent.objects.count() == 2
    with scope(organization=org_b):
        assert AuditEvent.objects.count() == 3


@pytest.mark.parametrize("code", [
    "loggedin", "core.member", "Core.Member.Invited", "core.member.", ".core.member",
    "core..member", "core.member invited.x", "", "core.member.invited!",
])
def test_record_rejects_a_code_that_is_not_dotted_lowercase(code):
    org = OrganizationFactory()
    with pytest.raises(ValueError, match="dotted"):
        audit.record(code, organization=org)
    assert not AuditChainHead.objects.filter(chain=str(org.pk)).exists()
    assert chain_rows(str(org.pk)) == []


def test_an_event_in_a_rolled_back_transaction_leaves_no_row_and_the_head_unchanged():
    org = OrganizationFactory()
    record_n(org, 2)
    head_before = AuditChainHead.objects.values("last_seq", "last_hash").get(chain=str(org.pk))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        audit.record("core.test.rolled_back", organization=org)
        raise Boom

    rows = chain_rows(str(org.pk))
    assert [e.seq for e in rows] == [1, 2]
    assert all(e.code != "core.test.rolled_back" for e in rows)
    head_after = AuditChainHead.objects.values("last_seq", "last_hash").get(chain=str(org.pk))
    assert head_after == head_before
    assert audit.verify_chain(str(org.pk)) is None
    # The next event continues the chain where it really ends.
    nxt = audit.record("core.test.event", organization=org)
    assert nxt.seq == 3 and nxt.prev_hash == rows[-1].hash
    assert audit.verify_chain(str(org.pk)) is None


def test_the_first_event_of_a_chain_rolled_back_leaves_no_head():
    org = OrganizationFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("core.test.event", organization=org)
        raise RuntimeError
    assert not AuditChainHead.objects.filter(chain=str(org.pk)).exists()
    assert audit.verify_chain(str(org.pk)) is None


def test_audit_events_are_append_only():
    org = OrganizationFactory()
    event = audit.record("core.test.event", organization=org)
    event.code = "core.test.rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    stored = chain_rows(str(org.pk))
    assert [e.code for e in stored] == ["core.test.event"]


def test_ip_is_stored_encrypted_and_read_back_in_the_clear():
    org = OrganizationFactory()
    token = audit.current_ip.set("198.51.100.23")
    try:
        event = audit.record("core.test.event", organization=org)
    finally:
        audit.current_ip.reset(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ip FROM core_auditevent WHERE id = %s", [event.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("gs1:")
    assert "198.51.100.23" not in raw
    with scopes_disabled():
        assert AuditEvent.objects.get(pk=event.pk).ip == "198.51.100.23"
    assert audit.verify_chain(str(org.pk)) is None


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payloads=st.lists(
    st.dictionaries(
        st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**53), 2**53)
            | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                      max_size=12),
            lambda inner: st.lists(inner, max_size=3)
            | st.dictionaries(st.text("abcxyz", max_size=3), inner, max_size=3),
            max_leaves=6,
        ),
        max_size=4,
    ),
    min_size=1, max_size=4,
))
def test_any_json_data_keeps_the_chain_verifiable(payloads):
    """What goes in ``data`` comes back from the database possibly reordered (jsonb);
    the hash must not depend on that."""
    org = OrganizationFactory()
    for payload in payloads:
        audit.record("core.test.event", organization=org, data=payload)
    assert audit.verify_chain(str(org.pk)) is None


# --- detection ------------------------------------------------------------------------


def test_an_intact_chain_verifies():
    org = OrganizationFactory()
    record_n(org, 4)
    assert audit.verify_chain(str(org.pk)) is None
    assert audit.verify_chain(str(org.pk), batch_size=1) is None


def test_an_empty_or_unknown_chain_verifies():
    assert audit.verify_chain("999999") is None


@pytest.mark.parametrize("changes", [
    {"code": "core.member.removed"},
    {"data": {"i": 99}},
    {"object_id": "42"},
    {"ip": "192.0.2.1"},
    {"actor_id": 12345},
])
def test_a_modified_row_is_found(changes):
    org = OrganizationFactory()
    events = record_n(org, 4)
    tamper(events[1].pk, **changes)
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None
    assert (problem.chain, problem.seq, problem.event_id) == (str(org.pk), 2, events[1].pk)
    assert "modified" in problem.reason


def test_a_modified_row_is_found_across_batches():
    org = OrganizationFactory()
    events = record_n(org, 7)
    tamper(events[5].pk, code="core.test.forged")
    problem = audit.verify_chain(str(org.pk), batch_size=2)
    assert problem is not None and problem.seq == 6


def test_a_modified_row_whose_hash_was_recomputed_breaks_the_next_link():
    org = OrganizationFactory()
    events = record_n(org, 4)
    with scopes_disabled():
        forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.code = "core.member.removed"
    tamper(forged.pk, code=forged.code, hash=audit._digest(forged.prev_hash,
                                                          audit._fields_of(forged)))
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None
    assert (problem.seq, problem.event_id) == (3, events[2].pk)
    assert "link" in problem.reason


def test_a_deleted_middle_row_is_found():
    org = OrganizationFactory()
    events = record_n(org, 5)
    remove(events[2].pk)
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None
    assert (problem.seq, problem.event_id) == (3, None)
    assert "deleted" in problem.reason


def test_a_deleted_first_row_is_found():
    org = OrganizationFactory()
    events = record_n(org, 3)
    remove(events[0].pk)
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None and problem.seq == 1


@pytest.mark.parametrize("deleted", [1, 2])
def test_deleted_tail_rows_are_found_by_the_head(deleted):
    org = OrganizationFactory()
    events = record_n(org, 5)
    remove(*(e.pk for e in events[-deleted:]))
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None
    assert problem.seq == 5
    assert f"ends at {5 - deleted}" in problem.reason


def test_every_row_deleted_is_found_by_the_head():
    org = OrganizationFactory()
    events = record_n(org, 3)
    remove(*(e.pk for e in events))
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None and problem.seq == 3


def test_a_deleted_head_with_rows_left_is_found():
    org = OrganizationFactory()
    record_n(org, 2)
    AuditChainHead.objects.filter(chain=str(org.pk)).delete()
    problem = audit.verify_chain(str(org.pk))
    assert problem is not None and "head" in problem.reason


def test_a_problem_in_one_chain_does_not_hide_or_spoil_another():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    events_a = record_n(org_a, 3)
    record_n(org_b, 3)
    tamper(events_a[0].pk, data={"i": -1})
    assert audit.verify_chain(str(org_a.pk)) is not None
    assert audit.verify_chain(str(org_b.pk)) is None


# --- the management command -----------------------------------------------------------


def test_command_reports_ok_when_every_chain_is_intact():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    record_n(org_a, 3)
    record_n(org_b, 2)
    audit.record("core.test.event", organization=None)
    out, err = run_verify()
    assert "OK" in out
    assert f"{len(audit.all_chains())} audit chain(s) intact" in out
    assert err == ""


def test_command_on_an_empty_database_is_ok():
    out, _ = run_verify()
    assert "OK" in out


def test_command_fails_and_names_the_first_tampered_row():
    org = OrganizationFactory()
    events = record_n(org, 5)
    tamper(events[1].pk, code="core.test.forged")
    tamper(events[3].pk, code="core.test.forged")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of"):
        call_command("verify_audit_chain", stdout=out, stderr=err)
    lines = [line for line in err.getvalue().splitlines() if line.startswith("TAMPERED")]
    assert len(lines) == 1
    assert f"chain {org.pk}" in lines[0] and "seq 2" in lines[0]
    assert "OK" not in out.getvalue()


def test_command_reports_each_broken_chain():
    org_a, org_b, org_c = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    events_a, events_b = record_n(org_a, 3), record_n(org_b, 4)
    record_n(org_c, 2)
    remove(events_a[1].pk)
    remove(events_b[3].pk)
    err = StringIO()
    with pytest.raises(CommandError, match="2 of 3"):
        call_command("verify_audit_chain", stdout=StringIO(), stderr=err)
    text = err.getvalue()
    assert f"TAMPERED chain {org_a.pk}: seq 2" in text
    assert f"TAMPERED chain {org_b.pk}: seq 4" in text
    assert f"chain {org_c.pk}" not in text


def test_command_checks_a_single_chain_when_asked():
    org_ok, org_bad = OrganizationFactory(), OrganizationFactory()
    record_n(org_ok, 2)
    events = record_n(org_bad, 2)
    tamper(events[0].pk, code="core.test.forged")
    out, _ = run_verify("--chain", str(org_ok.pk))
    assert "OK: 1 audit chain(s)" in out
    with pytest.raises(CommandError):
        run_verify("--chain", str(org_bad.pk))


def test_command_exits_non_zero_from_the_command_line(capsys):
    org = OrganizationFactory()
    events = record_n(org, 3)
    remove(events[2].pk)
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "verify_audit_chain"]).execute()
    assert exc.value.code != 0
    assert "TAMPERED" in capsys.readouterr().err


# --- concurrent writers ---------------------------------------------------------------

WRITER = """
    import os, time
    from groundswell.core import audit
    from groundswell.core.models import Organization

    org = Organization.objects.get(slug="concurrent")
    start_at = float(os.environ["START_AT"])
    while time.time() < start_at:
        time.sleep(0.005)
    for i in range(int(os.environ["EVENTS"])):
        audit.record("core.test.concurrent", organization=org, data={"i": i})
"""


def test_concurrent_writer_processes_never_fork_a_chain(tmp_path):
    """Several processes append to the same, not yet existing, chain at the same
    moment (web servers and workers share one database): every event gets its own
    seq and the chain verifies."""
    processes, events = 4, 15
    with separate_database(tmp_path) as env:
        shell(env, """
            from groundswell.core.models import Organization
            Organization.objects.create(name="Concurrent", slug="concurrent")
        """)
        start_at = time.time() + 3
        writers = [
            subprocess.Popen([sys.executable, "manage.py", "shell", "-c", textwrap.dedent(WRITER)],
                             cwd=REPO, env={**env, "START_AT": str(start_at),
                                            "EVENTS": str(events)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(processes)
        ]
        failures = []
        for writer in writers:
            _, err = writer.communicate(timeout=120)
            if writer.returncode != 0:
                failures.append(err)
        assert failures == []
        out = shell(env, """
            from django_scopes import scopes_disabled
            from groundswell.core.models import AuditEvent
            with scopes_disabled():
                print(list(AuditEvent.objects.filter(organization__slug="concurrent")
                           .order_by("seq").values_list("seq", flat=True)))
        """)
        assert out.strip().splitlines()[-1] == str(list(range(1, processes * events + 1)))
        result = manage(env, "verify_audit_chain")
        assert "OK" in result.stdout


@pytest.mark.parametrize("value", [1e16, 2.5e20, -0.0, 0.5])
def test_floats_in_data_are_refused_and_nothing_is_written(value):
    """jsonb normalizes numbers (1e16 comes back as 10000000000000000, -0.0 as 0), so a
    float would make an untouched event fail its hash on PostgreSQL: record() refuses
    them (audit data is ids, codes and counts)."""
    org = OrganizationFactory()
    with pytest.raises(ValueError, match="decimal"):
        audit.record("core.test.event", organization=org, data={"nested": [{"v": value}]})
    with scopes_disabled():
        assert not AuditEvent.objects.filter(organization=org).exists()
    assert audit.verify_chain(str(org.pk)) is None


def test_large_integers_keep_the_chain_verifiable():
    org = OrganizationFactory()
    audit.record("core.test.event", organization=org, data={"value": 10**16, "neg": -5})
    assert audit.verify_chain(str(org.pk)) is None
