"""Permission-matrix rows of the messaging area (see tests/matrix.py).

The provider webhooks take POSTs only (signed, see tests/messaging/test_webhooks.py):
a GET is a 405 for everyone. The inbox and what was sent: admins, organizers and
dispatchers (messaging.view / messaging.reply); composing to a list: organizers
(messaging.send); settings: admins.
"""

from __future__ import annotations

from django.utils import timezone

from groundswell.messaging import broadcasts
from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.models import Broadcast, Conversation
from groundswell.people import services as people
from groundswell.people.models import Person
from tests.matrix import ADMIN, ADMINS, DISPATCHER, ORGANIZER, ORGANIZERS, everyone, org

VIEWERS = (ADMIN, ORGANIZER, DISPATCHER)

EXPECTED = {
    "messaging_hook_incoming": everyone(405),
    "messaging_hook_status": everyone(405),
    "messaging_inbox": org(VIEWERS),
    "messaging_conversation": org(VIEWERS),
    "messaging_conversation_reply": org(VIEWERS, ok=405),
    "messaging_conversation_reviewed": org(VIEWERS, ok=405),
    "messaging_compose": org(ORGANIZERS),
    "messaging_broadcasts": org(VIEWERS),
    "messaging_broadcast": org(VIEWERS),
    "messaging_broadcast_cancel": org(ORGANIZERS, ok=405),
    "messaging_settings": org(ADMINS),
}

PARAMS = {
    "messaging_hook_incoming": {"organization": "messaging_org_slug"},
    "messaging_hook_status": {"organization": "messaging_org_slug"},
}

PK_KINDS = {
    "messaging_conversation": "conversation", "messaging_conversation_reply": "conversation",
    "messaging_conversation_reviewed": "conversation",
    "messaging_broadcast": "broadcast", "messaging_broadcast_cancel": "broadcast",
}

MODELS = {"conversation": Conversation, "broadcast": Broadcast}

PAYLOADS = {
    "messaging_conversation": [{}],
    "messaging_conversation_reply": [{"body": "Taken over"}],
    "messaging_conversation_reviewed": [{}],
    "messaging_broadcast": [{}],
    "messaging_broadcast_cancel": [{}],
}


def world(org, admin) -> dict[str, int | str]:
    """A resident who texted in (a conversation) and a scheduled message to them."""
    person = people.create_person(admin, given_name="Lupe", family_name="Texter",
                                  phone="215-555-0166")
    people.record_consent(admin, person, channel="sms", purpose="events", source="door")
    received = receive_sms(org, from_number="+12155550166", to_number="+12155550100",
                           body="¿A qué hora es la reunión?", provider_sid=f"SMworld{org.pk}")
    draft = broadcasts.Draft(channel="sms", purpose="events", body_en="Meeting at 7",
                             send_at=timezone.now() + timezone.timedelta(days=1))
    broadcast = broadcasts.create_broadcast(admin, draft, Person.objects.filter(pk=person.pk))
    return {"messaging_org_slug": org.slug, "conversation": received.message.conversation_id,
            "broadcast": broadcast.pk}
