"""Who may be messaged: the one place consent and opt-outs are enforced.

The outbox asks here when a message is queued and again just before it is sent (a STOP
may arrive in between), whatever area queued it. A message goes only to an address that
is not suppressed, on a contact not marked opted out, to a person with active consent
for that channel and purpose; a ``reply`` (an answer to someone's own text) needs no
consent record but only goes to an address that has texted the organization; an
``opt_out_confirmation`` (the one text confirming a STOP) goes only to an address that
texted the organization and is opted out right now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from groundswell.messaging.models import Channel, InboundMessage, Message, Suppression
from groundswell.people.models import Consent

REPLY = "reply"
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
PURPOSES = (*Consent.Purpose.values, REPLY, OPT_OUT_CONFIRMATION)
# Answers to someone's own text: the only messages that may go to a number on no one's
# record (a hotline reporter).
ANSWERS = (REPLY, OPT_OUT_CONFIRMATION)


@dataclass(frozen=True)
class Candidate:
    key: object
    person_id: int | None
    to_index: str
    contact_opted_out: bool = False


def blocked(organization_id: int, channel: str, purpose: str,
            candidates: Iterable[Candidate]) -> dict[object, str]:
    """Reason (a Message.Reason value) for each candidate that must not be messaged."""
    candidates = list(candidates)
    reasons: dict[object, str] = {}
    if not candidates:
        return reasons
    indexes = {c.to_index for c in candidates}
    suppressed = set(Suppression.objects.filter(
        organization_id=organization_id, channel=channel, lifted_at__isnull=True,
        address_index__in=indexes).values_list("address_index", flat=True))
    if purpose in (REPLY, OPT_OUT_CONFIRMATION):
        allowed_index = set(InboundMessage.objects.filter(
            organization_id=organization_id, from_index__in=indexes).values_list(
            "from_index", flat=True)) if channel == Channel.SMS else set()
        consented: set[int] = set()
    else:
        allowed_index = set()
        people = {c.person_id for c in candidates if c.person_id}
        consented = set(Consent.objects.filter(
            organization_id=organization_id, channel=channel, purpose=purpose,
            withdrawn_at__isnull=True, person_id__in=people).values_list("person_id",
                                                                       flat=True))
    for c in candidates:
        if purpose == OPT_OUT_CONFIRMATION:
            # Confirms the opt-out it answers: once START lifts it, there is nothing to
            # confirm any more.
            if c.to_index not in suppressed or c.to_index not in allowed_index:
                reasons[c.key] = Message.Reason.NO_CONSENT
        elif c.to_index in suppressed or c.contact_opted_out:
            reasons[c.key] = Message.Reason.OPTED_OUT
        elif purpose == REPLY and c.to_index not in allowed_index:
            reasons[c.key] = Message.Reason.NO_CONSENT
        elif purpose != REPLY and c.person_id not in consented:
            reasons[c.key] = Message.Reason.NO_CONSENT
    return reasons
