"""The outbox against the local test gateway over real HTTP: queue, send, retry,
give up, crash recovery, consent and opt-outs enforced in one place."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.messaging import services
from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.models import Message, Suppression
from groundswell.messaging.sender import Sender, deliver_outbox

pytestmark = pytest.mark.django_db


def phone_of(person) -> str:
    with scopes_disabled():
        return person.contacts.get(kind="phone").value


def queue(personas, person, body="Meeting Thursday 7pm at the center.", **kw):
    kw.setdefault("purpose", "general")
    kw.setdefault("cause_key", "test:1")
    with scope(organization=personas.org):
        return services.enqueue_sms(personas.member("organizer"), person=person, body=body,
                                    emergency=kw.pop("emergency", True), **kw)


def reload(message):
    with scopes_disabled():
        return Message.objects.get(pk=message.pk)


def test_a_queued_text_is_sent_once_through_the_gateway(personas, make_person, sms_gateway):
    person = make_person()
    message = queue(personas, person)
    assert message.status == "queued"
    assert sms_gateway.received_to(phone_of(person)) == []  # nothing before the sender runs

    deliver_outbox()

    received = sms_gateway.received_to(phone_of(person))
    assert [r.body for r in received] == ["Meeting Thursday 7pm at the center."]
    assert received[0].client_reference == str(message.client_reference)
    message = reload(message)
    assert message.status == "sent" and message.provider_sid == received[0].sid
    assert message.attempts == 1 and message.sender == "+12155550100"


def test_queueing_the_same_cause_twice_is_harmless(personas, make_person, sms_gateway):
    person = make_person()
    first = queue(personas, person)
    second = queue(personas, person)
    assert first.pk == second.pk
    deliver_outbox()
    deliver_outbox()
    assert len(sms_gateway.received_to(phone_of(person))) == 1


def test_language_fallback_and_merge_fields(personas, make_person, sms_gateway):
    maria = make_person("María", language="es")
    john = make_person("John", language="en")
    only_english = make_person("Lucía", language="es")
    with scope(organization=personas.org):
        a = services.enqueue_sms(None, organization=personas.org, person=maria,
                                 purpose="general", cause_key="t", body_en="Hi {first_name}",
                                 body_es="Hola {first_name}, de {organization}")
        b = services.enqueue_sms(None, organization=personas.org, person=john,
                                 purpose="general", cause_key="t", body_en="Hi {first_name}",
                                 body_es="Hola {first_name}")
        c = services.enqueue_sms(None, organization=personas.org, person=only_english,
                                 purpose="general", cause_key="t", body_en="Hi {first_name}")
    assert a.body == "Hola María, de Front Street Community Center" and a.language == "es"
    assert b.body == "Hi John" and c.body == "Hi Lucía" and c.language == "en"


def test_no_consent_for_the_purpose_is_refused_whatever_the_caller(personas, make_person,
                                                                    sms_gateway):
    person = make_person(purposes=("events",))
    message = queue(personas, person, purpose="rapid_response")
    assert message.status == "suppressed" and message.reason == "no_consent"
    deliver_outbox()
    assert sms_gateway.received_to(phone_of(person)) == []


def test_a_person_without_a_phone_is_recorded_with_the_reason(personas, make_person):
    person = make_person(phone="")
    message = queue(personas, person)
    assert message.status == "suppressed" and message.reason == "no_contact"


@pytest.mark.parametrize("body, field", [("   ", "body"), ("x" * 1531, "body"),
                                         ("Hi {nickname}", "body")])
def test_bad_bodies_are_refused_and_write_nothing(personas, make_person, body, field):
    person = make_person()
    with pytest.raises(InvalidInput) as error:
        queue(personas, person, body=body)
    assert error.value.field == field
    with scopes_disabled():
        assert not Message.objects.exists()


def test_ten_segments_is_the_most(personas, make_person):
    person = make_person()
    assert queue(personas, person, body="x" * 1530).segments == 10  # 10 × 153
    with pytest.raises(InvalidInput):
        queue(personas, person, body="á" * 671, cause_key="other")  # 11 × 67 > 670


def test_unknown_purpose_is_refused(personas, make_person):
    with pytest.raises(InvalidInput):
        queue(personas, make_person(), purpose="marketing")


def test_stop_after_queueing_means_no_attempt(personas, make_person, sms_gateway):
    person = make_person()
    message = queue(personas, person)
    with scope(organization=personas.org):
        receive_sms(personas.org, from_number=phone_of(person), to_number="+12155550100",
                    body="stop", provider_sid="SMin1")
    deliver_outbox()
    message = reload(message)
    assert message.status == "suppressed" and message.reason == "opted_out"
    assert message.attempts == 0
    # the confirmation of the STOP is the only text that goes out
    assert [m.body for m in sms_gateway.received_to(phone_of(person))] == [
        "Front Street Community Center: you are unsubscribed and will get no more texts "
        "from us. Reply START to get them again."]
    # and every later message, from any area, for any purpose
    later = queue(personas, person, cause_key="later", purpose="general")
    assert later.status == "suppressed" and later.reason == "opted_out"


def test_a_stop_that_arrives_after_the_claim_still_stops_it(personas, make_person,
                                                            sms_gateway):
    """Checked again just before sending: claim, then STOP, then send."""
    person = make_person()
    message = queue(personas, person)
    sender = Sender(batch=10, threads=2)
    try:
        claimed = sender.claim()
        with scope(organization=personas.org):
            receive_sms(personas.org, from_number=phone_of(person), to_number="",
                        body="BAJA", provider_sid="SMin2")
        sender.process(claimed)
    finally:
        sender.close()
    assert reload(message).status == "suppressed"
    assert sms_gateway.received_to(phone_of(person)) == []


def test_temporary_errors_are_retried_with_backoff(personas, make_person, sms_gateway):
    person = make_person()
    message = queue(personas, person)
    sms_gateway.configure(fail_next=2, fail_code="30001", fail_status=503)
    deliver_outbox()
    message = reload(message)
    assert message.status == "queued" and message.attempts == 1
    assert message.error_code == "30001"
    assert message.next_attempt_at > timezone.now()
    with time_machine.travel(timezone.now() + timedelta(seconds=20), tick=True):
        deliver_outbox()
        assert reload(message).attempts == 2 and reload(message).status == "queued"
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=True):
        deliver_outbox()
    message = reload(message)
    assert message.status == "sent" and message.attempts == 3
    assert len(sms_gateway.received_to(phone_of(person))) == 1


def test_a_carrier_opt_out_is_never_retried_and_suppresses_the_number(personas, make_person,
                                                                      sms_gateway):
    person = make_person()
    message = queue(personas, person)
    sms_gateway.configure(fail_next=1, fail_code="21610", fail_status=400)
    deliver_outbox()
    message = reload(message)
    assert message.status == "suppressed" and message.reason == "carrier_opt_out"
    assert message.error_code == "21610"
    with scopes_disabled():
        assert Suppression.objects.filter(source="carrier", lifted_at=None).count() == 1
    assert queue(personas, person, cause_key="again").reason == "opted_out"


def test_an_invalid_number_fails_permanently(personas, make_person, sms_gateway):
    message = queue(personas, make_person())
    sms_gateway.configure(fail_next=1, fail_code="21211", fail_status=400)
    deliver_outbox()
    message = reload(message)
    assert message.status == "failed" and message.reason == "invalid_number"
    assert message.attempts == 1


def test_a_lost_answer_is_retried_and_the_gateway_sees_one_message(personas, make_person,
                                                                   sms_gateway):
    person = make_person()
    message = queue(personas, person)
    # The gateway records the text, then closes the connection without answering: the
    # provider tries once more on a fresh connection with the same client reference.
    sms_gateway.configure(drop_next=1, drop_after_recording=True)
    deliver_outbox()
    assert reload(message).status == "sent"
    assert len(sms_gateway.received_to(phone_of(person))) == 1
    assert sms_gateway.snapshot()["duplicates"] == 1


def test_a_request_lost_twice_is_retried_later(personas, make_person, sms_gateway):
    person = make_person()
    message = queue(personas, person)
    sms_gateway.configure(drop_next=2, drop_after_recording=False)
    deliver_outbox()
    assert reload(message).status == "queued"
    assert reload(message).error_code == "network"
    with time_machine.travel(timezone.now() + timedelta(seconds=20), tick=True):
        deliver_outbox()
    assert reload(message).status == "sent"
    assert len(sms_gateway.received_to(phone_of(person))) == 1


def test_after_a_crash_the_provider_is_asked_before_any_resend(personas, make_person,
                                                               sms_gateway):
    sent_before_crash, never_sent = make_person("Sent"), make_person("Never")
    first = queue(personas, sent_before_crash)
    second = queue(personas, never_sent)
    dead = Sender(batch=10, threads=1, lease_seconds=30)
    claimed = dead.claim()  # the sender claims both, sends one, and is killed
    dead.sms.send(dead._outgoing(next(m for m in claimed if m.pk == first.pk)))
    dead.close()
    assert reload(first).status == "sending"

    deliver_outbox()  # the lease has not expired: nothing happens yet
    assert reload(first).status == "sending"
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=True):
        deliver_outbox()

    assert reload(first).status == "sent" and reload(second).status == "sent"
    assert len(sms_gateway.received_to(phone_of(sent_before_crash))) == 1
    assert len(sms_gateway.received_to(phone_of(never_sent))) == 1
    stats = sms_gateway.snapshot()
    assert stats["duplicates"] == 0 and stats["lookups"] == 2


def test_messages_are_claimed_lowest_priority_first(personas, make_person, sms_gateway):
    people_in_order = [make_person(f"P{i}") for i in range(5)]
    with scope(organization=personas.org):
        services.enqueue_many(
            personas.member("organizer"), channel="sms", purpose="general", cause_key="alert",
            body="Alert", emergency=True,
            recipients=[services.Recipient(p, priority=10 - i)
                        for i, p in enumerate(people_in_order)])
    deliver_outbox(threads=1, batch=2)
    order = [m.to for m in sms_gateway.messages]
    assert order == [phone_of(p) for p in reversed(people_in_order)]


def test_quiet_hours_hold_non_emergency_texts_but_not_alerts(personas, make_person,
                                                             sms_gateway):
    person = make_person()
    night = timezone.make_aware(timezone.datetime(2026, 3, 10, 23, 30))
    with time_machine.travel(night, tick=False):
        normal = queue(personas, person, cause_key="n", emergency=False)
        alert = queue(personas, person, cause_key="a", emergency=True)
        deliver_outbox()
    assert reload(alert).status == "sent"
    normal = reload(normal)
    assert normal.status == "queued"
    assert timezone.localtime(normal.next_attempt_at).hour == 8


def test_queueing_is_audited_without_personal_data(personas, make_person):
    message = queue(personas, make_person())
    with scopes_disabled():
        event = AuditEvent.objects.get(code="messaging.message.queued")
    assert event.object_id == str(message.pk)
    assert set(event.data) == {"channel", "purpose", "queued", "suppressed", "person"}


def test_only_an_answer_goes_to_a_number_on_no_ones_record(personas):
    """A number without a person (a hotline reporter) may get an answer to its own text
    and nothing else: not a broadcast, not an alert; and no answer before it texted."""
    from groundswell.people.services.records import phone_index

    number = "+12155559977"
    address = (number, phone_index(number))
    with scope(organization=personas.org):
        for purpose in ("general", "rapid_response"):
            with pytest.raises(InvalidInput):
                services.enqueue_sms(None, organization=personas.org, person=None,
                                     address=address, purpose=purpose, cause_key="x:1",
                                     body="Hello")
        before = services.enqueue_sms(None, organization=personas.org, person=None,
                                      address=address, purpose="reply", cause_key="x:2",
                                      body="Thanks")
        assert (before.status, before.reason) == ("suppressed", "no_consent")
        receive_sms(personas.org, from_number=number, to_number="", body="hola",
                    provider_sid="SM-noperson-1")
        after = services.enqueue_sms(None, organization=personas.org, person=None,
                                     address=address, purpose="reply", cause_key="x:3",
                                     body="Thanks", language="es")
        assert after.status == "queued" and after.person_id is None
        assert after.to_address == number and after.language == "es"
        assert Message.objects.filter(cause_key="x:1").count() == 0
