"""The messaging screens: compose to a saved list or a search with a preview and
reasons, send, per-recipient status, cancel a scheduled message, the inbox and replies,
settings; bad input is a clear error that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.models import Broadcast, Conversation, Message, MessagingSettings
from groundswell.people import services as people
from tests.conftest import login

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=("front-street", *args))


@pytest.fixture
def organizer(client, personas):
    return login(client, personas.member("organizer"))


@pytest.fixture
def tenants(personas, make_person):
    """Three tenants tagged "Somerset": two said yes to event texts, one did not."""
    admin = personas.member("admin")
    ana = make_person("Ana", purposes=("events",), language="es")
    ben = make_person("Ben", purposes=("events",))
    cal = make_person("Cal", purposes=("general",))
    with scope(organization=personas.org):
        people.tag_people(admin, [ana, ben, cal], "Somerset")
        tag = ana.tags.get()
        saved = people.save_list(admin, name="Somerset tenants", filters={"tag": str(tag.pk)})
    return {"ana": ana, "ben": ben, "cal": cal, "saved": saved}


def compose_data(tenants, **overrides):
    data = {"channel": "sms", "purpose": "events", "saved_list": tenants["saved"].pk,
            "body_en": "Hearing Tuesday 6pm, {first_name}!",
            "body_es": "Audiencia el martes a las 6, {first_name}.", "action": "preview"}
    data.update(overrides)
    return data


def test_preview_shows_who_gets_it_and_why_not(organizer, tenants):
    response = organizer.post(url("messaging_compose"), compose_data(tenants))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.total == 3 and preview.sending == 2
    assert preview.excluded == {"no_consent": 1}
    assert preview.segments_total == 2  # each one segment
    content = response.content.decode()
    assert "No consent for this purpose" in content
    assert "Audiencia el martes a las 6, Ana." in content
    with scopes_disabled():
        assert not Message.objects.exists() and not Broadcast.objects.exists()


def test_send_queues_one_message_each_with_the_reasons(organizer, tenants):
    response = organizer.post(url("messaging_compose"), compose_data(tenants, action="send"))
    with scopes_disabled():
        broadcast = Broadcast.objects.get()
        assert response.status_code == 302
        assert response["Location"] == url("messaging_broadcast", broadcast.pk)
        rows = {m.person.given_name: m for m in broadcast.messages.select_related("person")}
    assert rows["Ana"].body == "Audiencia el martes a las 6, Ana."
    assert rows["Ben"].body == "Hearing Tuesday 6pm, Ben!"
    assert rows["Cal"].status == "suppressed" and rows["Cal"].reason == "no_consent"
    assert broadcast.recipients == 2 and broadcast.excluded == 1
    page = organizer.get(url("messaging_broadcast", broadcast.pk))
    assert page.status_code == 200
    assert "No consent for this purpose" in page.content.decode()


def test_compose_to_a_search(organizer, tenants, sms_gateway, daytime):
    from groundswell.messaging.sender import deliver_outbox

    data = compose_data(tenants, saved_list="", q="Ben", action="send")
    assert organizer.post(url("messaging_compose"), data).status_code == 302
    deliver_outbox()
    with scopes_disabled():
        [message] = Message.objects.all()
        assert message.person == tenants["ben"] and message.status == "sent"
    assert len(sms_gateway.messages) == 1


@pytest.mark.parametrize("overrides, field", [
    ({"body_en": "", "body_es": ""}, "body_en"),
    ({"body_en": "x" * 1531}, "body_en"),
    ({"saved_list": "", "q": ""}, "saved_list"),
    ({"purpose": "marketing"}, "purpose"),
    ({"channel": "email", "subject": ""}, "subject"),
    ({"body_en": "Hi {nickname}"}, "body_en"),
    ({"send_at": "2001-01-01T10:00"}, "send_at"),
])
def test_bad_compose_input_is_a_clear_error(organizer, tenants, overrides, field):
    response = organizer.post(url("messaging_compose"),
                              compose_data(tenants, action="send", **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    with scopes_disabled():
        assert not Message.objects.exists() and not Broadcast.objects.exists()


def test_schedule_then_cancel(organizer, tenants):
    later = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    organizer.post(url("messaging_compose"), compose_data(tenants, action="send",
                                                          send_at=later))
    with scopes_disabled():
        broadcast = Broadcast.objects.get()
        assert broadcast.status == "scheduled"
        assert all(m.next_attempt_at > timezone.now() + timedelta(days=1)
                   for m in broadcast.messages.filter(status="queued"))
    response = organizer.post(url("messaging_broadcast_cancel", broadcast.pk),
                              {"confirmed": "1"})
    assert response.status_code == 302
    with scopes_disabled():
        assert set(broadcast.messages.values_list("status", flat=True)) == {
            "cancelled", "suppressed"}
        assert Broadcast.objects.get().status == "cancelled"


def test_inbox_conversation_and_reply(client, personas, make_person, sms_gateway):
    from groundswell.messaging.sender import deliver_outbox

    person = make_person("Marta", purposes=())
    with scopes_disabled():
        number = person.contacts.get().value
    with scope(organization=personas.org):
        receive_sms(personas.org, from_number=number, to_number="", body="¿Hay comida hoy?",
                    provider_sid="SMa")
    dispatcher = login(client, personas.member("dispatcher"))
    inbox = dispatcher.get(url("messaging_inbox"))
    assert inbox.status_code == 200 and "Marta" in inbox.content.decode()
    with scopes_disabled():
        conversation = Conversation.objects.get()
    page = dispatcher.get(url("messaging_conversation", conversation.pk))
    assert "¿Hay comida hoy?" in page.content.decode()
    with scopes_disabled():
        assert Conversation.objects.get().unread == 0
    response = dispatcher.post(url("messaging_conversation_reply", conversation.pk),
                               {"body": "Sí, de 2 a 4."})
    assert response.status_code == 302
    deliver_outbox()
    assert [m.body for m in sms_gateway.received_to(number)] == ["Sí, de 2 a 4."]
    with scopes_disabled():
        assert person.interactions.filter(kind="text").count() == 2  # their text and ours
    empty = dispatcher.post(url("messaging_conversation_reply", conversation.pk), {"body": ""})
    assert empty.status_code == 400


def test_no_reply_after_stop(client, personas, make_person):
    person = make_person("Rita")
    with scopes_disabled():
        number = person.contacts.get().value
    with scope(organization=personas.org):
        receive_sms(personas.org, from_number=number, to_number="", body="hola",
                    provider_sid="SMb")
        receive_sms(personas.org, from_number=number, to_number="", body="STOP",
                    provider_sid="SMc")
    organizer = login(client, personas.member("organizer"))
    with scopes_disabled():
        conversation = Conversation.objects.get()
    response = organizer.post(url("messaging_conversation_reply", conversation.pk),
                              {"body": "¿Por qué?"})
    assert response.status_code == 400
    assert "Opted out" in response.content.decode()
    with scopes_disabled():  # nothing but the confirmation of the STOP
        assert list(Message.objects.values_list("purpose", flat=True)) == [
            "opt_out_confirmation"]


def test_settings(client, personas):
    admin = login(client, personas.member("admin"))
    response = admin.post(url("messaging_settings"), {
        "help_text_en": "Call 215-555-0100", "help_text_es": "Llame al 215-555-0100",
        "quiet_start": "22:00", "quiet_end": "07:30", "cost_per_segment_cents": "0.79"})
    assert response.status_code == 302
    with scopes_disabled():
        config = MessagingSettings.objects.get()
    assert config.help_text_es == "Llame al 215-555-0100" and str(config.quiet_end) == "07:30:00"
    bad = admin.post(url("messaging_settings"), {
        "help_text_en": "x", "quiet_start": "25:00", "quiet_end": "07:30",
        "cost_per_segment_cents": "-1"})
    assert bad.status_code == 400
