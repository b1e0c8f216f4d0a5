"""The keyed audit chain (issue 15, point 5): the chain's hash is an HMAC under
GROUNDSWELL_AUDIT_KEY, so someone who can write the database cannot rewrite a row and
recompute what follows; ``verify_audit_chain`` prints each head as an anchor to keep
outside the database and, given it back, finds rows cut from the end even when the
head was moved back with them. Chains begun before the key keep their old rows, from a
sealed mark on."""

from __future__ import annotations

import hashlib
import importlib
import json
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_scopes import scopes_disabled

from groundswell.core import audit
from groundswell.core.models import AuditChainHead, AuditEvent
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def record_n(org, n: int) -> list[AuditEvent]:
    return [audit.record("core.test.event", organization=org, data={"i": i}) for i in range(n)]


def verify(*args: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from None
    return out.getvalue()


def anchor_lines(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if line.startswith("ANCHOR "))


def sha256_digest(prev_hash: str, fields: dict) -> str:
    """What the chain's hash was before it was keyed: anyone can compute it."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def rewrite_and_recompute(chain: str, seq: int, digest, **changes) -> None:
    """An attacker with write access to the database: change one row, then recompute
    the hash of it and of every row after it, and the head, so every link holds."""
    with scopes_disabled():
        AuditEvent.objects.filter(chain=chain, seq=seq).update(**changes)
        rows = list(AuditEvent.objects.filter(chain=chain).order_by("seq"))
        prev = rows[seq - 2].hash if seq > 1 else audit.GENESIS
        for row in rows[seq - 1:]:
            row.prev_hash = prev
            row.hash = digest(prev, audit._fields_of(row))
            AuditEvent.objects.filter(pk=row.pk).update(prev_hash=row.prev_hash, hash=row.hash)
            prev = row.hash
        AuditChainHead.objects.filter(chain=chain).update(last_seq=rows[-1].seq, last_hash=prev)


def truncate_and_move_head(chain: str, keep: int) -> None:
    """Delete every row after ``keep`` and point the head at the new last row."""
    with scopes_disabled():
        AuditEvent.objects.filter(chain=chain, seq__gt=keep).delete()
        last = AuditEvent.objects.get(chain=chain, seq=keep)
        AuditChainHead.objects.filter(chain=chain).update(last_seq=keep, last_hash=last.hash)


# --- (a) rows cut from the end, head moved back: found given a kept anchor -------------


def test_truncation_with_the_head_moved_back_is_found_given_the_anchor(tmp_path):
    org = OrganizationFactory()
    record_n(org, 6)
    chain = str(org.pk)
    kept = tmp_path / "audit-anchor.txt"
    kept.write_text(verify(), encoding="utf-8")  # what cron mails, or a file elsewhere
    assert f"ANCHOR gsaudit1:{chain}:" in kept.read_text()
    truncate_and_move_head(chain, keep=4)
    # A shorter chain with its head moved back is valid on its own ...
    assert audit.verify_chain(chain) is None
    # ... but not against the head kept before.
    anchors = audit.parse_anchors(kept.read_text())
    problem = audit.verify_chain(chain, anchors=anchors)
    assert problem is not None and "deleted from the end" in problem.reason
    with pytest.raises(CommandError, match="TAMPERED chain .*ends at 4"):
        verify("--anchor", str(kept))
    with pytest.raises(CommandError, match="TAMPERED"):
        verify("--anchor", anchor_lines(kept.read_text()).split()[-1])


def test_a_whole_chain_deleted_is_found_given_the_anchor():
    org = OrganizationFactory()
    record_n(org, 3)
    kept = anchor_lines(verify())
    with scopes_disabled():
        AuditEvent.objects.filter(chain=str(org.pk)).delete()
        AuditChainHead.objects.filter(chain=str(org.pk)).delete()
    with pytest.raises(CommandError, match="chain is gone"):
        verify("--anchor", kept)


def test_an_anchor_matches_after_more_rows_are_written():
    org = OrganizationFactory()
    record_n(org, 3)
    kept = anchor_lines(verify())
    record_n(org, 4)
    out = verify("--anchor", kept)
    assert "kept anchor(s) matched" in out
    assert f"ANCHOR gsaudit1:{org.pk}:7:" in out  # the new head, to keep next


# --- (b) a row rewritten and everything after recomputed, without the key -----------


@pytest.mark.parametrize("forger", ["sha256", "wrong key"])
def test_a_rewritten_row_with_everything_after_recomputed_is_found(forger):
    org = OrganizationFactory()
    events = record_n(org, 6)
    chain = str(org.pk)

    def wrong_key(prev, fields):
        with override_settings(AUDIT_KEY="not-the-audit-key-at-all"):
            return audit._digest(prev, fields)

    rewrite_and_recompute(chain, 3, sha256_digest if forger == "sha256" else wrong_key,
                          code="core.member.removed")
    problem = audit.verify_chain(chain)
    assert problem is not None
    assert (problem.seq, problem.event_id) == (3, events[2].pk)
    assert "modified" in problem.reason
    with pytest.raises(CommandError, match="TAMPERED"):
        verify()


def test_moving_the_keyed_mark_to_pass_rows_off_as_unkeyed_is_found():
    org = OrganizationFactory()
    record_n(org, 6)
    chain = str(org.pk)
    rewrite_and_recompute(chain, 3, sha256_digest, data={"i": 99})
    for keyed_from in (None, 7):  # no mark, or a mark after the forged rows
        AuditChainHead.objects.filter(chain=chain).update(keyed_from=keyed_from)
        problem = audit.verify_chain(chain)
        assert problem is not None and "GROUNDSWELL_AUDIT_KEY" in problem.reason


def test_another_audit_key_is_named_when_the_chain_does_not_verify():
    org = OrganizationFactory()
    record_n(org, 2)
    with override_settings(AUDIT_KEY="a-different-audit-key-entirely"):
        problem = audit.verify_chain(str(org.pk))
    assert problem is not None and "GROUNDSWELL_AUDIT_KEY" in problem.reason


# --- chains begun before the key --------------------------------------------------------


def _legacy_chain(org, n: int) -> str:
    """A chain as main wrote it before the key: plain SHA-256, a head with no mark."""
    chain = str(org.pk)
    record_n(org, n)
    AuditChainHead.objects.filter(chain=chain).update(keyed_from=None, seal="")
    rewrite_and_recompute(chain, 1, sha256_digest)  # every row hashed the old way
    return chain


def test_the_migration_marks_old_chains_and_new_rows_are_keyed_from_there():
    org = OrganizationFactory()
    chain = _legacy_chain(org, 4)
    migration = importlib.import_module("groundswell.core.migrations.0002_keyed_audit_chain")
    migration.mark_where_keying_starts(django_apps, None)
    head = AuditChainHead.objects.get(chain=chain)
    assert head.keyed_from == 5 and head.seal == audit.seal_for(chain, 5)
    assert audit.verify_chain(chain) is None
    record_n(org, 3)
    with scopes_disabled():
        fifth = AuditEvent.objects.get(chain=chain, seq=5)
    assert fifth.hash == audit._digest(fifth.prev_hash, audit._fields_of(fifth))
    assert fifth.hash != sha256_digest(fifth.prev_hash, audit._fields_of(fifth))
    out = verify("--chain", chain)
    assert f"chain {chain}: seq 5 on is keyed with GROUNDSWELL_AUDIT_KEY" in out
    assert "seq 1 to 4 were written before the key" in out
    # An old, unkeyed row rewritten and the old rows recomputed: the first keyed row's
    # MAC covers the last old hash, so the link breaks there.
    with scopes_disabled():
        AuditEvent.objects.filter(chain=chain, seq=2).update(data={"i": 42})
        rows = list(AuditEvent.objects.filter(chain=chain, seq__lte=4).order_by("seq"))
        prev = rows[0].hash
        for row in rows[1:]:
            new = sha256_digest(prev, audit._fields_of(row))
            AuditEvent.objects.filter(pk=row.pk).update(prev_hash=prev, hash=new)
            prev = new
        AuditEvent.objects.filter(chain=chain, seq=5).update(prev_hash=prev)
    problem = audit.verify_chain(chain)
    assert problem is not None and problem.seq == 5


def test_new_chains_are_keyed_from_their_first_row():
    org = OrganizationFactory()
    record_n(org, 2)
    head = AuditChainHead.objects.get(chain=str(org.pk))
    assert head.keyed_from == 1
    assert "seq 1 on is keyed" not in verify()  # nothing unkeyed to mention


def test_a_bad_anchor_argument_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="neither an anchor"):
        verify("--anchor", str(tmp_path / "missing.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here\n")
    with pytest.raises(CommandError, match="no anchor"):
        verify("--anchor", str(empty))
