"""What forgetting a person erases in messaging (registered in MessagingConfig.ready()):
every conversation with their numbers and addresses, every text they sent us, and every
message we queued or sent them (outbox rows are the delivery records: recipient, body,
status). Found by person and by address (a text from their number before it was on
record carries only the address). Kept: a broadcast's counts, and an opt-out
(Suppression holds only a keyed hash of the number, and a STOP must outlive the
record: the number is never texted again)."""

from __future__ import annotations

from django.db.models import Q

from groundswell.messaging.models import Conversation, InboundMessage, Message
from groundswell.people.services.forget import Forgetting


def erase_person(forgetting: Forgetting) -> dict[str, int]:
    ids, indexes = forgetting.person_ids, forgetting.contact_indexes
    theirs = Q(person_id__in=ids)
    inbound = InboundMessage.objects.filter(theirs | Q(from_index__in=indexes)).delete()[0]
    # Their outbox rows, including one being handed to the provider right now: the
    # sender only updates rows by id, so a deleted row is not written back.
    messages = Message.objects.filter(
        theirs | Q(to_index__in=indexes)
        | Q(to_index__in=[f"person:{pk}" for pk in ids])).delete()[0]
    conversations = Conversation.objects.filter(
        theirs | Q(address_index__in=indexes)).delete()[0]
    return {"inbound_texts": inbound, "messages": messages, "conversations": conversations}
