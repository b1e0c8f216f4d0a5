"""The life of a report, as a pure state machine (no Django import).

    new ──ask──▶ verifying ──k confirmations──▶ confirmed
     │              │
     └──────────────┴──▶ false alarm / duplicate (a dispatcher closes it)
                         expired (nobody confirmed before ``expires_at``)

A sighting alert to neighbors goes out only from a confirmed report, or from a new or
verifying one that a dispatcher explicitly overrode (the alert is then labeled
"unverified"), and never at or after ``expires_at``. An all-clear follows a sighting
alert that was sent, to the same people, at any time: it ends an alert rather than
raising one. The services hold every report to these rules through :func:`apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

NEW, VERIFYING, CONFIRMED = "new", "verifying", "confirmed"
FALSE_ALARM, DUPLICATE, EXPIRED = "false_alarm", "duplicate", "expired"
OPEN = frozenset({NEW, VERIFYING})
CLOSED = frozenset({FALSE_ALARM, DUPLICATE, EXPIRED})

# Replies a responder can text back.
CONFIRM, NOT_SEEN, CANT_GO = "confirmed", "not_seen", "cant_go"
REPLIES = (CONFIRM, NOT_SEEN, CANT_GO)


class Refused(Exception):
    """An event the report's state does not allow; ``reason`` is a code the caller
    turns into words: "expired", "closed", "not_open", "not_confirmed", "no_alert",
    "already", "no_responders"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Snapshot:
    """What the rules need to know about one report."""

    state: str
    expires_at: datetime
    required: int  # confirmations needed
    confirmations: int = 0  # distinct responders who replied "1" in time
    overridden: bool = False
    sightings_sent: int = 0
    all_clears_sent: int = 0


@dataclass(frozen=True)
class Event:
    """``kind`` is one of: "ask" (verification requests sent), "reply" (with
    ``reply``), "false_alarm", "duplicate", "override", "expire", "alert" (a sighting
    alert to neighbors), "all_clear"."""

    kind: str
    reply: str = ""


def is_expired(snapshot: Snapshot, now: datetime) -> bool:
    return snapshot.state == EXPIRED or now >= snapshot.expires_at


def may_alert(snapshot: Snapshot, now: datetime) -> bool:
    """Whether a sighting alert to neighbors may go out now."""
    if is_expired(snapshot, now):
        return False
    return snapshot.state == CONFIRMED or (snapshot.overridden and snapshot.state in OPEN)


def apply(snapshot: Snapshot, event: Event, now: datetime) -> Snapshot:
    """The report after ``event`` at ``now``, or :class:`Refused`."""
    kind, state = event.kind, snapshot.state
    if kind == "expire":
        if state in OPEN and now >= snapshot.expires_at:
            return replace(snapshot, state=EXPIRED)
        raise Refused("not_open" if state not in OPEN else "already")
    if kind == "all_clear":
        if snapshot.sightings_sent == 0:
            raise Refused("no_alert")
        return replace(snapshot, all_clears_sent=snapshot.all_clears_sent + 1)
    if kind == "reply":
        if event.reply not in REPLIES:
            raise Refused("unknown_reply")
        if is_expired(snapshot, now):
            raise Refused("expired")
        if state in CLOSED:
            raise Refused("closed")
        if event.reply != CONFIRM:
            return snapshot
        confirmations = snapshot.confirmations + 1
        new_state = CONFIRMED if confirmations >= snapshot.required else state
        return replace(snapshot, confirmations=confirmations, state=new_state)
    if is_expired(snapshot, now):
        raise Refused("expired")
    if kind == "ask":
        if state not in OPEN:
            raise Refused("not_open")
        return replace(snapshot, state=VERIFYING)
    if kind in ("false_alarm", "duplicate"):
        if state in CLOSED:
            raise Refused("closed")
        return replace(snapshot, state=FALSE_ALARM if kind == "false_alarm" else DUPLICATE)
    if kind == "override":
        if state not in OPEN:
            raise Refused("not_open")
        if snapshot.overridden:
            raise Refused("already")
        return replace(snapshot, overridden=True)
    if kind == "alert":
        if not may_alert(snapshot, now):
            raise Refused("not_confirmed")
        return replace(snapshot, sightings_sent=snapshot.sightings_sent + 1)
    raise Refused("unknown_event")


def label_unverified(snapshot: Snapshot) -> bool:
    """An alert sent on an override, before confirmation, carries the label."""
    return snapshot.state != CONFIRMED and snapshot.overridden
