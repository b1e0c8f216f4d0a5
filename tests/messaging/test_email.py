"""Email through Django's SMTP backend to a real SMTP server (aiosmtpd) in the test run:
plain-text and HTML parts, the client reference as Message-ID, consent enforced."""

from __future__ import annotations

import email
import socket
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller
from django_scopes import scope, scopes_disabled

from groundswell.messaging import services
from groundswell.messaging.models import Message
from groundswell.messaging.sender import deliver_outbox

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email_policy.default))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_an_email_with_text_and_html_parts(personas, make_person, smtp, daytime):
    person = make_person("Rosa", email="rosa@example.org", channel="email",
                         purposes=("events",), language="es")
    with scope(organization=personas.org):
        message = services.enqueue_email(
            None, organization=personas.org, person=person, purpose="events",
            cause_key="event:1", subject="Asamblea",
            body_en="Hi {first_name}", body_es="Hola {first_name}, le esperamos.",
            html_es="<p>Hola <b>{first_name}</b></p>")
    assert message.status == "queued"
    deliver_outbox()
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "rosa@example.org" and mail["Subject"] == "Asamblea"
    assert str(message.client_reference) in mail["Message-ID"]
    assert mail.get_body(("plain",)).get_content().strip() == "Hola Rosa, le esperamos."
    assert "<b>Rosa</b>" in mail.get_body(("html",)).get_content()
    with scopes_disabled():
        assert Message.objects.get(pk=message.pk).status == "sent"


def test_no_email_consent_means_no_email(personas, make_person, smtp):
    person = make_person(email="ana@example.org", purposes=("events",))  # consent is for SMS
    with scope(organization=personas.org):
        message = services.enqueue_email(None, organization=personas.org, person=person,
                                         purpose="events", cause_key="e", subject="S",
                                         body="Body")
    assert message.status == "suppressed" and message.reason == "no_consent"
    deliver_outbox()
    assert smtp.messages == []


def test_smtp_down_is_a_temporary_error(personas, make_person, settings, daytime):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    settings.EMAIL_TIMEOUT = 2
    person = make_person(email="ana@example.org", channel="email", purposes=("events",))
    with scope(organization=personas.org):
        message = services.enqueue_email(None, organization=personas.org, person=person,
                                         purpose="events", cause_key="e", subject="S",
                                         body="Body")
    deliver_outbox()
    with scopes_disabled():
        message = Message.objects.get(pk=message.pk)
    assert message.status == "queued" and message.error_code == "smtp"
