"""The one way to write to the audit log, and the check that it is intact.

Each organization has its own chain (events without one go to ``system``); every
event stores the hash of the previous event of its chain and its own hash over its
content, so a changed row breaks its own hash and a deleted row leaves a gap in the
sequence or a head that points past the last row.

The hash is an HMAC-SHA256 under ``GROUNDSWELL_AUDIT_KEY``, a key kept outside the
database: someone who can write the database cannot recompute the chain after a row
they changed. Chains begun before the key existed keep their old rows (plain SHA-256,
never rewritten); the head's ``keyed_from`` says where the keyed part starts and is
itself sealed with the key, and the first keyed row's MAC covers the last unkeyed
hash, so nothing before the mark can be rewritten either.

What the key cannot show is rows cut from the end with the head moved back to the new
last row: that is a valid shorter chain. ``verify_audit_chain`` therefore prints each
chain's head as an anchor (``gsaudit1:<chain>:<seq>:<mac>``) to be kept outside the
database (cron mail, a file elsewhere); given a kept anchor, it checks that the row at
that seq still carries that MAC, so nothing up to it was cut or rewritten.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from groundswell.core.models import AuditChainHead, AuditEvent, Membership, Organization

SYSTEM_CHAIN = "system"
GENESIS = "0" * 64
CODE_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")

# Set by AuditContextMiddleware for the current request; services never pass it.
current_ip: contextvars.ContextVar[str] = contextvars.ContextVar("audit_ip", default="")


# What each event code means, for people reading the log. Areas add theirs with
# register_events() from their AppConfig.ready().
EVENT_LABELS: dict[str, Promise | str] = {
    "core.organization.created": _("Organization created"),
    "core.base.created": _("Base added"),
    "core.base.updated": _("Base edited"),
    "core.base.archived": _("Base archived"),
    "core.base.restored": _("Base restored"),
    "core.member.invited": _("Member invited"),
    "core.member.invitation_revoked": _("Invitation withdrawn"),
    "core.member.joined": _("Member joined"),
    "core.member.role_changed": _("Role changed"),
    "core.member.removed": _("Member removed"),
    "accounts.user.logged_in": _("Logged in"),
    "accounts.user.logged_out": _("Logged out"),
    "accounts.user.login_failed": _("Failed login"),
}


def register_events(labels: dict[str, Promise | str]) -> None:
    EVENT_LABELS.update(labels)


def describe(code: str) -> str:
    return str(EVENT_LABELS.get(code, code))


def describe_object(object_type: str) -> str:
    """'core.base' -> 'base' in the reader's language."""
    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def chain_for(organization_id: int | None) -> str:
    return str(organization_id) if organization_id else SYSTEM_CHAIN


def _digest(prev_hash: str, fields: dict[str, Any], *, keyed: bool = True) -> str:
    """The row's MAC (unkeyed SHA-256 only for rows written before the audit key)."""
    payload = (prev_hash + json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                      default=str)).encode("utf-8")
    if not keyed:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(settings.AUDIT_KEY.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def seal_for(chain: str, keyed_from: int) -> str:
    """The MAC of a chain's mark where keyed rows start (the same in migration 0002)."""
    message = f"groundswell.audit.keyed_from\x00{chain}\x00{keyed_from}"
    return hmac.new(settings.AUDIT_KEY.encode("utf-8"), message.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _fields_of(event: AuditEvent) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "seq": event.seq,
        "organization": event.organization_id,
        "actor": event.actor_id,
        "code": event.code,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "ip": event.ip,
        "created_at": event.created_at.astimezone(UTC).isoformat(),
    }


def record(
    code: str,
    *,
    by: Membership | None = None,
    organization: Organization | None = None,
    actor: Any = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event. Call inside the service's transaction so it commits or rolls
    back with the change it describes. ``data`` must hold ids, codes and counts only.

    ``by`` is the acting membership: the event is in its organization and names its
    user. Without it (a system action: a worker, a public form) ``organization`` says
    whose log it is and ``actor`` may name a user acting outside any membership."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"Audit codes are dotted lowercase like 'core.member.invited': {code!r}")
    if by is not None:
        if organization is not None and organization.pk != by.organization_id:
            raise ValueError("An audit event belongs to the acting member's organization.")
        if actor is not None:
            raise ValueError("Name the acting member or a user, not both.")
        organization, actor = by.organization, by.user
    payload = json.loads(json.dumps(data or {}, default=str))
    _refuse_floats(payload)
    org_id = organization.pk if organization is not None else None
    chain = chain_for(org_id)
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        # A new chain is keyed from its first row (existing ones were marked by migration).
        AuditChainHead.objects.get_or_create(chain=chain, defaults={
            "keyed_from": 1, "seal": seal_for(chain, 1)})
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
        event = AuditEvent(
            chain=chain,
            seq=head.last_seq + 1,
            organization_id=org_id,
            actor_id=actor_id,
            code=code,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=payload,
            ip=current_ip.get(),
            created_at=timezone.now(),
            prev_hash=head.last_hash,
        )
        event.hash = _digest(event.prev_hash, _fields_of(event),
                             keyed=head.keyed_from is None or event.seq >= head.keyed_from)
        event.save()
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def _refuse_floats(value: Any) -> None:
    """Audit data holds ids, codes and counts. Floats are refused because PostgreSQL's
    jsonb rewrites them (1e16, -0.0), which would make an untouched row fail its hash."""
    if isinstance(value, float):
        raise ValueError("Audit data holds ids, codes and counts, not decimal numbers.")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event id {self.event_id}" if self.event_id else "no row"
        return f"chain {self.chain}: seq {self.seq} ({where}): {self.reason}"


ANCHOR_PREFIX = "gsaudit1"
ANCHOR_PATTERN = re.compile(ANCHOR_PREFIX + r":([A-Za-z0-9_-]{1,32}):([0-9]+):([0-9a-f]{64})")


@dataclass(frozen=True)
class Anchor:
    """A chain's head as it was once, kept outside the database."""

    chain: str
    seq: int
    mac: str

    def __str__(self) -> str:
        return f"{ANCHOR_PREFIX}:{self.chain}:{self.seq}:{self.mac}"


def parse_anchors(text: str) -> list[Anchor]:
    """Every anchor in ``text`` (a kept line, a file of them, a saved cron mail)."""
    return [Anchor(m[1], int(m[2]), m[3]) for m in ANCHOR_PATTERN.finditer(text)]


@dataclass(frozen=True)
class ChainReport:
    chain: str
    problem: ChainProblem | None
    last_seq: int
    keyed_from: int | None
    head: Anchor | None  # the anchor to keep (only when the chain is intact)


def verify_chain(chain: str, *, batch_size: int = 2000,
                 anchors: list[Anchor] | None = None) -> ChainProblem | None:
    """Return the first problem found in ``chain``, or None when it is intact."""
    return check_chain(chain, batch_size=batch_size, anchors=anchors).problem


def check_chain(chain: str, *, batch_size: int = 2000,
                anchors: list[Anchor] | None = None) -> ChainReport:
    """Check every row's MAC and link, the head, the sealed mark where keyed rows start,
    and each kept anchor of this chain."""
    with scopes_disabled():
        return _check_chain(chain, batch_size, anchors or [])


def _check_chain(chain: str, batch_size: int, anchors: list[Anchor]) -> ChainReport:
    kept = sorted((a for a in anchors if a.chain == chain), key=lambda a: a.seq)
    head = AuditChainHead.objects.filter(chain=chain).first()
    keyed_from = head.keyed_from if head is not None else None

    def report(problem: ChainProblem | None, last_seq: int = 0) -> ChainReport:
        anchor = Anchor(chain, head.last_seq, head.last_hash) \
            if problem is None and head is not None and head.last_seq else None
        return ChainReport(chain, problem, last_seq, keyed_from, anchor)

    if head is None:
        first = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
        if first is not None:
            return report(ChainProblem(chain, first.seq, None, "chain head is missing"),
                          first.seq)
        if kept:
            return report(ChainProblem(chain, kept[0].seq, None,
                                       f"an anchor was kept at seq {kept[0].seq} but the "
                                       "chain is gone: every row was deleted"))
        return report(None)
    if (keyed_from is None or keyed_from < 1 or not hmac.compare_digest(
            head.seal, seal_for(chain, keyed_from))):
        return report(ChainProblem(
            chain, keyed_from or 0, None,
            "the mark where keyed rows start was changed or removed (or "
            "GROUNDSWELL_AUDIT_KEY is not the key this chain was written with)"))
    expected_seq, prev_hash = 1, GENESIS
    pending = list(kept)
    for event in _iter_chain(chain, batch_size):
        if event.seq != expected_seq:
            return report(ChainProblem(chain, expected_seq, None,
                                       f"missing (next row is seq {event.seq}): a row was "
                                       "deleted"))
        if event.prev_hash != prev_hash:
            return report(ChainProblem(chain, event.seq, event.pk,
                                       "does not link to the previous row"))
        keyed = keyed_from is not None and event.seq >= keyed_from
        if not hmac.compare_digest(_digest(event.prev_hash, _fields_of(event), keyed=keyed),
                                   event.hash):
            return report(ChainProblem(
                chain, event.seq, event.pk,
                "content does not match its MAC: the row was modified" if keyed else
                "content does not match its hash: the row was modified"))
        while pending and pending[0].seq == event.seq:
            if not hmac.compare_digest(pending.pop(0).mac, event.hash):
                return report(ChainProblem(
                    chain, event.seq, event.pk,
                    "differs from the anchor kept for this seq: the chain was rewritten"))
        expected_seq, prev_hash = event.seq + 1, event.hash
    last_seq = expected_seq - 1
    if pending:
        return report(ChainProblem(
            chain, pending[0].seq, None,
            f"an anchor was kept at seq {pending[0].seq} but the chain ends at {last_seq}: "
            "rows were deleted from the end and the head moved back"), last_seq)
    if head.last_seq != last_seq or head.last_hash != prev_hash:
        return report(ChainProblem(chain, head.last_seq, None,
                                   f"head expects seq {head.last_seq} but the chain ends at "
                                   f"{last_seq}: rows were deleted from the end"), last_seq)
    return report(None, last_seq)


def _iter_chain(chain: str, batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(chain=chain, seq__gt=last).order_by("seq")
                     [:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def all_chains() -> list[str]:
    with scopes_disabled():
        names = set(AuditChainHead.objects.values_list("chain", flat=True))
        names |= set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    return sorted(names)
