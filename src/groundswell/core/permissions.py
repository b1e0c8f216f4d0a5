"""What each role may do. Views and services ask here; nothing checks roles by hand."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from groundswell.core.models import Membership, Role

ALL_ROLES = frozenset(Role)

CAPABILITIES: dict[str, frozenset[Role]] = {
    "organization.view": ALL_ROLES,
    "bases.view": ALL_ROLES,
    "bases.manage": frozenset({Role.ADMIN, Role.ORGANIZER}),
    "members.view": frozenset({Role.ADMIN, Role.ORGANIZER}),
    "members.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    # People: canvassers only ever see their walk list, never the people list.
    "people.view": frozenset({Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER, Role.PROGRAM_STAFF}),
    "people.edit": frozenset({Role.ADMIN, Role.ORGANIZER}),
    # What a canvasser records about the people at a door on their walk list
    # (people/services/door.py), without the right to edit people at large.
    "people.record_at_door": frozenset({Role.ADMIN, Role.ORGANIZER, Role.CANVASSER}),
    "people.reveal_phone": frozenset({Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER}),
    "people.merge": frozenset({Role.ADMIN, Role.ORGANIZER}),
    "people.export": frozenset({Role.ADMIN, Role.ORGANIZER}),
    "people.forget": frozenset({Role.ADMIN}),
    "people.configure": frozenset({Role.ADMIN}),
}


def register_capabilities(capabilities: dict[str, frozenset[Role]]) -> None:
    """Each area declares its own capabilities from its AppConfig.ready(), as it
    declares its audit events; a name declared twice is a mistake."""
    clash = set(capabilities) & set(CAPABILITIES)
    if clash:
        raise ValueError(f"Capabilities declared twice: {sorted(clash)}")
    CAPABILITIES.update(capabilities)


def can(membership: Membership | None, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    return membership is not None and membership.role in CAPABILITIES[capability]


def require(membership: Membership | None, capability: str) -> None:
    if not can(membership, capability):
        raise PermissionDenied
