"""The Twilio provider uses the official library; pointed at the local gateway (which
speaks the same API) it sends, is recognized again after a crash, and reads Twilio's
error codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from groundswell.messaging.providers import Outgoing, PermanentError, TemporaryError, TwilioProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def twilio(sms_gateway):
    return TwilioProvider(sms_gateway.account_sid, sms_gateway.auth_token,
                          messaging_service_sid="MG123", api_url=sms_gateway.url)


def outgoing(ref="5b0c2a52-9d4e-4d3a-9a62-1f0e3c6a0b11", body="Hola"):
    return Outgoing(ref, "sms", "+12155550123", body,
                    status_callback=f"https://example.org/hooks/sms/x/status?ref={ref}")


def test_sends_through_the_library(twilio, sms_gateway):
    sent = twilio.send(outgoing())
    assert sent.provider_sid.startswith("SM")
    [received] = sms_gateway.messages
    assert received.sender == "MG123" and received.body == "Hola"
    # the reference travels in the status callback URL, and the gateway honors it
    assert received.client_reference == "5b0c2a52-9d4e-4d3a-9a62-1f0e3c6a0b11"
    assert twilio.send(outgoing()).provider_sid == sent.provider_sid
    assert len(sms_gateway.messages) == 1


def test_lookup_finds_a_message_sent_before_a_crash(twilio):
    since = timezone.now() - timedelta(seconds=5)
    assert twilio.lookup(outgoing(), since) is None
    sent = twilio.send(outgoing())
    assert twilio.lookup(outgoing(), since).provider_sid == sent.provider_sid
    assert twilio.lookup(outgoing(body="Otro"), since) is None


@pytest.mark.parametrize("code, status, kind, reason", [
    ("21610", 400, PermanentError, "carrier_opt_out"),
    ("21211", 400, PermanentError, "invalid_number"),
    ("20429", 429, TemporaryError, None),
    ("30001", 503, TemporaryError, None),
])
def test_error_codes(twilio, sms_gateway, code, status, kind, reason):
    sms_gateway.configure(fail_next=1, fail_code=code, fail_status=status)
    with pytest.raises(kind) as error:
        twilio.send(outgoing())
    assert error.value.code == code
    if reason:
        assert error.value.reason == reason
