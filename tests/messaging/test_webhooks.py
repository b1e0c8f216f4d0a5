"""Inbound texts and delivery reports over real HTTP: the local gateway calls a live
server with Twilio's signatures, as Twilio would."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from twilio.request_validator import RequestValidator

from groundswell.messaging import services
from groundswell.messaging.models import Conversation, InboundMessage, Message, Suppression
from groundswell.people.models import Consent, Interaction, Person

pytestmark = pytest.mark.django_db(transaction=True)


def phone_of(person) -> str:
    with scopes_disabled():
        return person.contacts.get(kind="phone").value


def status_of(message) -> str:
    with scopes_disabled():
        return Message.objects.get(pk=message.pk).status


def queue(personas, person, body="Block party Saturday!", cause="t", **kw):
    with scope(organization=personas.org):
        return services.enqueue_sms(None, organization=personas.org, person=person,
                                    purpose=kw.pop("purpose", "events"), cause_key=cause,
                                    body=body, emergency=True, **kw)


def test_send_deliver_and_the_status_callback(personas, make_person, sms_live):
    person = make_person(purposes=("events",))
    message = queue(personas, person)
    sms_live.deliver()
    assert [m.body for m in sms_live.gateway.received_to(phone_of(person))] == [
        "Block party Saturday!"]
    assert status_of(message) == "delivered"
    with scopes_disabled():
        message = Message.objects.get(pk=message.pk)
    assert message.delivered_at is not None and message.provider_sid.startswith("SM")


def test_a_reply_lands_in_the_inbox_and_on_the_timeline(personas, make_person, sms_live):
    person = make_person(purposes=("events",))
    queue(personas, person)
    sms_live.deliver()
    assert sms_live.text("front-street", phone_of(person), "Can I bring my neighbor?") == 200
    with scopes_disabled():
        inbound = InboundMessage.objects.get()
        assert inbound.person == person and inbound.body == "Can I bring my neighbor?"
        assert inbound.conversation.unread == 1
        entry = Interaction.objects.get(person=person, kind="text")
        assert entry.source_type == "messaging.inboundmessage"
        assert entry.summary == "Can I bring my neighbor?"


def test_stop_then_no_further_message_then_start(personas, make_person, sms_live):
    person = make_person(purposes=("events", "general"))
    number = phone_of(person)
    assert sms_live.text("front-street", number, "Stop") == 200
    with scopes_disabled():
        assert Suppression.objects.get(lifted_at=None).source == "keyword"
        assert not Consent.objects.filter(person=person, withdrawn_at=None).exists()
    message = queue(personas, person, cause="after-stop")
    sms_live.deliver()
    assert status_of(message) == "suppressed"
    with scopes_disabled():
        assert Message.objects.get(pk=message.pk).attempts == 0
    # Only the confirmation of the STOP itself: 0 attempts of anything else.
    assert [m.body for m in sms_live.gateway.received_to(number)] == [
        "Front Street Community Center: you are unsubscribed and will get no more texts from us. "
        "Reply START to get them again."]

    assert sms_live.text("front-street", number, "START") == 200
    with scopes_disabled():
        assert Suppression.objects.get().lifted_at is not None
        assert set(Consent.objects.filter(person=person, withdrawn_at=None)
                   .values_list("purpose", flat=True)) == {"events", "general"}
    again = queue(personas, person, cause="after-start")
    sms_live.deliver()
    assert status_of(again) == "delivered"
    assert len(sms_live.gateway.received_to(number)) == 2


@pytest.mark.parametrize("word", ["BAJA", "parar", " Alto. ", "STOPALL", "unsubscribe"])
def test_stop_words_in_both_languages(personas, make_person, sms_live, word):
    person = make_person()
    assert sms_live.text("front-street", phone_of(person), word) == 200
    with scopes_disabled():
        assert Suppression.objects.filter(lifted_at=None).count() == 1


def test_a_spanish_stop_is_confirmed_once_in_spanish_and_nothing_follows(
        personas, make_person, sms_live):
    person = make_person(language="en", purposes=("events",))
    number = phone_of(person)
    assert sms_live.text("front-street", number, "BAJA") == 200
    assert sms_live.text("front-street", number, "baja") == 200  # already out: no second
    later = queue(personas, person, cause="after-baja")
    sms_live.deliver()
    bodies = [m.body for m in sms_live.gateway.received_to(number)]
    assert len(bodies) == 1, bodies
    assert bodies[0].startswith("Front Street Community Center: se ha dado de baja"), bodies
    assert status_of(later) == "suppressed"


def test_a_confirmation_left_queued_after_start_is_not_sent(personas, make_person, sms_live):
    person = make_person(purposes=("events",))
    number = phone_of(person)
    assert sms_live.text("front-street", number, "STOP") == 200
    assert sms_live.text("front-street", number, "START") == 200  # before the sender runs
    sms_live.deliver()
    assert sms_live.gateway.received_to(number) == []
    with scopes_disabled():
        confirmation = Message.objects.get(purpose="opt_out_confirmation")
        assert confirmation.status == "suppressed" and confirmation.attempts == 0


def test_twilio_confirms_english_stop_words_itself_so_we_do_not(personas, make_person,
                                                               sms_live, settings):
    settings.SMS_PROVIDER = "twilio"
    english, spanish = make_person(purposes=("events",)), make_person(purposes=("events",))
    assert sms_live.text("front-street", phone_of(english), "STOP") == 200
    assert sms_live.text("front-street", phone_of(spanish), "PARAR") == 200
    with scopes_disabled():
        assert [m.person for m in Message.objects.filter(purpose="opt_out_confirmation")] == [
            spanish]


def test_the_outbox_refuses_a_confirmation_to_a_number_that_never_opted_out(
        personas, make_person):
    person = make_person(purposes=("events",))
    message = queue(personas, person, cause="fake-confirmation", purpose="opt_out_confirmation")
    assert message.status == "suppressed" and message.reason == "no_consent"


def test_help_in_spanish_answers_in_spanish(personas, make_person, sms_live):
    person = make_person(language="en", purposes=())
    with scope(organization=personas.org):
        config = services.settings_for(personas.org)
        config.help_text_en = "Front Street: call 215-555-0100."
        config.help_text_es = "Front Street: llame al 215-555-0100."
        config.save()
    assert sms_live.text("front-street", phone_of(person), "ayuda") == 200
    sms_live.deliver()
    assert [m.body for m in sms_live.gateway.received_to(phone_of(person))] == [
        "Front Street: llame al 215-555-0100."]
    assert sms_live.text("front-street", phone_of(person), "HELP") == 200
    sms_live.deliver()
    assert [m.body for m in sms_live.gateway.received_to(phone_of(person))][-1] == \
        "Front Street: call 215-555-0100."


def test_an_unknown_number_becomes_a_contact_to_review(personas, sms_live):
    assert sms_live.text("front-street", "+12155550999", "Hola, vi su volante") == 200
    with scopes_disabled():
        conversation = Conversation.objects.get()
        assert conversation.needs_review
        person = Person.objects.get(pk=conversation.person_id)
        assert person.organization == personas.org
        assert person.contacts.get().value == "+12155550999"
    # the same number again is the same person and the same conversation
    assert sms_live.text("front-street", "+12155550999", "¿Hay reunión?") == 200
    with scopes_disabled():
        assert Conversation.objects.count() == 1 and InboundMessage.objects.count() == 2


def test_the_same_webhook_twice_is_stored_once(personas, make_person, sms_live):
    person = make_person()
    for _ in range(2):
        assert sms_live.text("front-street", phone_of(person), "hello", sid="SMsame") == 200
    with scopes_disabled():
        assert InboundMessage.objects.count() == 1


def test_a_forged_webhook_is_refused_and_changes_nothing(personas, make_person, sms_live,
                                                         settings):
    person = make_person()
    url = sms_live.hook("front-street")
    forged = RequestValidator("not-the-token")
    client = Client()
    params = {"MessageSid": "SMforged", "From": phone_of(person), "To": "+12155550100",
              "Body": "STOP"}
    path = reverse("messaging_hook_incoming", kwargs={"organization": "front-street"})
    response = client.post(path, params,
                           HTTP_X_TWILIO_SIGNATURE=forged.compute_signature(url, params))
    assert response.status_code == 403
    assert client.post(path, params).status_code == 403  # no signature at all
    # signed for another URL (another organization's hook)
    other = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        sms_live.hook("elsewhere"), params)
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=other).status_code == 403
    status_path = reverse("messaging_hook_status", kwargs={"organization": "front-street"})
    assert client.post(status_path, {"MessageSid": "SM1", "MessageStatus": "delivered"},
                       HTTP_X_TWILIO_SIGNATURE="x").status_code == 403
    with scopes_disabled():
        assert not InboundMessage.objects.exists() and not Suppression.objects.exists()


def signed_post(client, settings, path, params, query=""):
    url = settings.SITE_URL.rstrip("/") + path + query
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return client.post(path + query, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_bad_inbound_payloads_are_clear_errors(personas, make_person, settings):
    settings.TWILIO_AUTH_TOKEN = "a-test-token"
    client = Client()
    path = reverse("messaging_hook_incoming", kwargs={"organization": "front-street"})
    missing = signed_post(client, settings, path, {"MessageSid": "SM1", "Body": "hi"})
    assert missing.status_code == 400 and b"From" in missing.content
    bad_phone = signed_post(client, settings, path,
                            {"MessageSid": "SM2", "From": "12", "Body": "hi"})
    assert bad_phone.status_code == 400 and b"From" in bad_phone.content
    unknown_org = reverse("messaging_hook_incoming", kwargs={"organization": "nobody"})
    assert signed_post(client, settings, unknown_org,
                       {"MessageSid": "SM3", "From": "+12155550123", "Body": "hi"}
                       ).status_code == 404
    with scopes_disabled():
        assert not InboundMessage.objects.exists() and not Person.objects.exists()


def test_a_status_callback_for_an_unknown_message(personas, make_person, settings):
    settings.TWILIO_AUTH_TOKEN = "a-test-token"
    client = Client()
    path = reverse("messaging_hook_status", kwargs={"organization": "front-street"})
    response = signed_post(client, settings, path,
                           {"MessageSid": "SMnope", "MessageStatus": "delivered"})
    assert response.status_code == 404 and b"MessageSid" in response.content
    bad_ref = signed_post(client, settings, path,
                          {"MessageSid": "SMnope", "MessageStatus": "delivered"},
                          query="?ref=not-a-uuid")
    assert bad_ref.status_code == 404
    unknown_status = signed_post(client, settings, path,
                                 {"MessageSid": "SMnope", "MessageStatus": "exploded"})
    assert unknown_status.status_code == 400


def test_a_status_callback_may_arrive_before_the_sender_recorded_the_send(
        personas, make_person, settings):
    """The reference in the callback URL finds the row even before its provider id is
    saved; a later "sent" never overwrites "delivered"."""
    settings.TWILIO_AUTH_TOKEN = "a-test-token"
    message = queue(personas, make_person(purposes=("events",)))
    client = Client()
    path = reverse("messaging_hook_status", kwargs={"organization": "front-street"})
    query = f"?ref={message.client_reference}"
    assert signed_post(client, settings, path, {"MessageSid": "SMx", "MessageStatus":
                                                "delivered"}, query).status_code == 204
    assert signed_post(client, settings, path, {"MessageSid": "SMx", "MessageStatus":
                                                "sent"}, query).status_code == 204
    with scopes_disabled():
        message = Message.objects.get(pk=message.pk)
    assert message.status == "delivered" and message.provider_sid == "SMx"


def test_undelivered_because_the_carrier_says_opted_out(personas, make_person, settings):
    settings.TWILIO_AUTH_TOKEN = "a-test-token"
    message = queue(personas, make_person(purposes=("events",)))
    client = Client()
    path = reverse("messaging_hook_status", kwargs={"organization": "front-street"})
    assert signed_post(client, settings, path,
                       {"MessageSid": "SMy", "MessageStatus": "undelivered",
                        "ErrorCode": "21610"}, f"?ref={message.client_reference}"
                       ).status_code == 204
    with scopes_disabled():
        message = Message.objects.get(pk=message.pk)
        assert message.status == "suppressed" and message.reason == "carrier_opt_out"
        assert Suppression.objects.filter(source="carrier").exists()


def test_signatures_hold_behind_a_proxy(personas, make_person, settings):
    """Behind a proxy Django sees an internal host; the signature covers the public URL
    Twilio called, rebuilt from SITE_URL."""
    settings.TWILIO_AUTH_TOKEN = "a-test-token"
    settings.SITE_URL = "https://organize.example.org"
    settings.TRUSTED_PROXY_HOPS = 1
    settings.ALLOWED_HOSTS = ["internal", "testserver"]
    person = make_person()
    client = Client()
    path = reverse("messaging_hook_incoming", kwargs={"organization": "front-street"})
    params = {"MessageSid": "SMp", "From": phone_of(person), "Body": "hello"}
    signature = RequestValidator("a-test-token").compute_signature(
        "https://organize.example.org" + path, params)
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature,
                           HTTP_HOST="internal", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 200


@pytest.mark.parametrize("hook", ["messaging_hook_incoming", "messaging_hook_status"])
@pytest.mark.parametrize("signature", [None, "not-a-signature"])
def test_unknown_and_known_organizations_answer_alike_without_a_signature(
        personas, settings, hook, signature):
    """Issue 15: the webhook's 404/403 told which organization slugs exist."""
    settings.TWILIO_AUTH_TOKEN = "a-test-token"
    params = {"MessageSid": "SM9", "From": "+12155550123", "Body": "hi",
              "MessageStatus": "delivered"}
    extra = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    answers = []
    for slug in ("front-street", "nobody-here"):
        response = Client().post(reverse(hook, kwargs={"organization": slug}), params,
                                 **extra)
        answers.append((response.status_code, response.content,
                        response.get("Content-Type")))
    assert answers[0] == answers[1] and answers[0][0] == 403
    with scopes_disabled():
        assert not InboundMessage.objects.exists()
