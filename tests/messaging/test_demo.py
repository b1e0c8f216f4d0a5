"""The demo's messaging part: loads once, sends through the outbox without network."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.demo import messaging as demo
from groundswell.messaging.models import Broadcast, Conversation, InboundMessage, Message
from groundswell.messaging.sender import deliver_outbox

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_sends_to_the_file_provider(personas, make_person, settings,
                                                             tmp_path):
    settings.SMS_PROVIDER, settings.VAR_DIR = "file", tmp_path
    for name in ("Ana", "Ben", "Cal"):
        make_person(name, purposes=("rapid_response",))
    with scope(organization=personas.org):
        assert demo.load(personas.org) is True
        assert demo.load(personas.org) is False
    with scopes_disabled():
        broadcast = Broadcast.objects.get()
        assert broadcast.recipients == 3  # then one of the three texted BAJA
        assert InboundMessage.objects.count() == 3
        assert Conversation.objects.filter(needs_review=True).count() == 1
    noon = timezone.localtime().replace(hour=12, minute=0)
    with time_machine.travel(noon + timezone.timedelta(days=1), tick=True):
        deliver_outbox()
    with scopes_disabled():
        assert set(Message.objects.filter(broadcast=broadcast).values_list(
            "status", flat=True)) == {"delivered", "suppressed"}
    sent = (tmp_path / "sms" / "outbox.jsonl").read_text().splitlines()
    # the broadcast to the two who stayed, and the confirmation of the BAJA
    assert len(sent) == 3 and sum("se ha dado de baja" in line for line in sent) == 1
