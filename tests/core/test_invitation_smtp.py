"""The invitation email travels through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django_scopes import scope

from groundswell.core import services

pytestmark = pytest.mark.django_db


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def test_invitation_is_delivered_in_the_organizations_language(
        smtp_server, personas, client, django_capture_on_commit_callbacks):
    personas.org.default_language = "es"
    personas.org.save()
    with scope(organization=personas.org), django_capture_on_commit_callbacks(execute=True):
        services.invite_member(personas.member("admin"), email="vecina@example.org",
                               role="canvasser")
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "vecina@example.org"
    body = message.get_payload(decode=True).decode()
    token = re.search(r"/invite/([^/\s]+)/", body).group(1)
    assert client.get(f"/invite/{token}/").status_code == 200
