"""The one way to write to the audit log, and the check that it is intact.

Each organization has its own chain (events without one go to ``system``); every
event stores the hash of the previous event of its chain and its own hash over its
content, so a changed row breaks its own hash and a deleted row leaves a gap in the
sequence or a head that points past the last row.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from groundswell.core.models import AuditChainHead, AuditEvent, Organization

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


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


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
    organization: Organization | None,
    actor: Any = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event. Call inside the service's transaction so it commits or rolls
    back with the change it describes. ``data`` must hold ids, codes and counts only."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"Audit codes are dotted lowercase like 'core.member.invited': {code!r}")
    payload = json.loads(json.dumps(data or {}, default=str))
    _refuse_floats(payload)
    org_id = organization.pk if organization is not None else None
    chain = chain_for(org_id)
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(chain=chain)
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
        event.hash = _digest(event.prev_hash, _fields_of(event))
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


def verify_chain(chain: str, *, batch_size: int = 2000) -> ChainProblem | None:
    """Return the first problem found in ``chain``, or None when it is intact."""
    with scopes_disabled():
        head = AuditChainHead.objects.filter(chain=chain).first()
        expected_seq, prev_hash = 1, GENESIS
        for event in _iter_chain(chain, batch_size):
            if event.seq != expected_seq:
                return ChainProblem(chain, expected_seq, None,
                                    f"missing (next row is seq {event.seq}): a row was deleted")
            if event.prev_hash != prev_hash:
                return ChainProblem(chain, event.seq, event.pk,
                                    "does not link to the previous row")
            if _digest(event.prev_hash, _fields_of(event)) != event.hash:
                return ChainProblem(chain, event.seq, event.pk,
                                    "content does not match its hash: the row was modified")
            expected_seq, prev_hash = event.seq + 1, event.hash
        last_seq = expected_seq - 1
        if head is None:
            if last_seq:
                return ChainProblem(chain, last_seq, None, "chain head is missing")
            return None
        if head.last_seq != last_seq or head.last_hash != prev_hash:
            return ChainProblem(chain, head.last_seq, None,
                                f"head expects seq {head.last_seq} but the chain ends at "
                                f"{last_seq}: rows were deleted from the end")
    return None


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
