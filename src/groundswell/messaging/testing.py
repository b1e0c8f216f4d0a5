"""Pytest fixtures and helpers for any area whose tests send messages.

In a conftest.py::

    from groundswell.messaging.testing import sms_gateway, sms_live  # noqa: F401

``sms_gateway`` starts the local test gateway on a free loopback port and points the
SMS provider at it; ``deliver_outbox()`` then sends everything due, over real HTTP.
``sms_live`` adds a live server (``SITE_URL``) so the gateway posts signed status
callbacks, and ``sms_live.text(person_phone, body)`` sends a signed incoming text to
the organization's webhook.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from groundswell.messaging.gateway import LocalGateway
from groundswell.messaging.sender import deliver_outbox

__all__ = ["LiveSMS", "deliver_outbox", "sms_gateway", "sms_live"]

OUR_NUMBER = "+12155550100"


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[LocalGateway]:
    gateway = LocalGateway(account_sid="AC-test", auth_token="test-auth-token").start()  # noqa: S106
    settings.SMS_PROVIDER = "gateway"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.TWILIO_ACCOUNT_SID = gateway.account_sid
    settings.TWILIO_AUTH_TOKEN = gateway.auth_token
    settings.SMS_SENDERS = [OUR_NUMBER]
    settings.SMS_STATUS_CALLBACKS = False
    try:
        yield gateway
    finally:
        gateway.stop()


@dataclass
class LiveSMS:
    gateway: LocalGateway
    base_url: str

    def hook(self, org_slug: str, name: str = "incoming") -> str:
        return self.base_url + reverse(f"messaging_hook_{name}", kwargs={"organization": org_slug})

    def deliver(self) -> None:
        """Send everything due and wait for the gateway's delivery callbacks."""
        deliver_outbox()
        self.gateway.settle()

    def text(self, org_slug: str, from_: str, body: str, sid: str | None = None) -> int:
        """A resident texts the organization: a signed webhook over real HTTP."""
        return self.gateway.send_inbound(self.hook(org_slug), from_=from_, to=OUR_NUMBER,
                                         body=body, sid=sid)


@pytest.fixture
def sms_live(sms_gateway: LocalGateway, live_server: Any, settings: Any) -> Iterator[LiveSMS]:
    """Call ``sms_live.deliver()`` (not ``deliver_outbox``) to send and wait for the
    delivery callbacks: on SQLite the live server shares the test's connection, so the
    test must not query while a callback is being handled."""
    settings.SITE_URL = live_server.url
    settings.SMS_STATUS_CALLBACKS = True
    sms_gateway.configure(callbacks=True)
    yield LiveSMS(sms_gateway, live_server.url)
    sms_gateway.settle()
