"""Providers behind one interface: Twilio (the official library), the local test
gateway, SMTP email (Django's mail backend), and file/console for development.

A provider ``send``s one message carrying our client reference and either returns the
provider's id or raises ``TemporaryError`` (try again later) or ``PermanentError``
(never retry; ``reason`` says why, e.g. the carrier's opt-out). ``lookup`` asks the
provider whether it already has the message with that client reference: after a crash
the sender asks before any resend. Nothing here logs a number or a body.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from groundswell.env import private_dir

logger = logging.getLogger(__name__)

# Twilio error codes (https://www.twilio.com/docs/api/errors) and what they mean for us.
CARRIER_OPT_OUT_CODES = {"21610"}  # "Attempt to send to unsubscribed recipient"
INVALID_NUMBER_CODES = {"21211", "21214", "21217", "21408", "21612", "21614", "30006"}
TEMPORARY_CODES = {"20429", "20500", "20503", "30001", "30008"}


class ProviderError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = str(code)[:20]


class TemporaryError(ProviderError):
    """Try again later (rate limited, provider down, network error)."""


class PermanentError(ProviderError):
    """Never retry. ``reason`` is one of Message.Reason's values."""

    def __init__(self, code: str, detail: str = "", reason: str = "provider_error") -> None:
        super().__init__(code, detail)
        self.reason = reason


def classify(code: str, status: int, detail: str = "") -> ProviderError:
    code = str(code or status)
    if code in CARRIER_OPT_OUT_CODES:
        return PermanentError(code, detail, reason="carrier_opt_out")
    if code in INVALID_NUMBER_CODES:
        return PermanentError(code, detail, reason="invalid_number")
    if code in TEMPORARY_CODES or status == 429 or status >= 500 or status == 0:
        return TemporaryError(code, detail)
    return PermanentError(code, detail)


@dataclass
class Outgoing:
    client_reference: str
    channel: str
    to: str
    body: str
    subject: str = ""
    html: str = ""
    sender: str = ""  # our number, chosen by the sender pool ("" = messaging service)
    status_callback: str = ""


@dataclass
class Sent:
    provider_sid: str
    delivered: bool = False  # some providers (file, console) deliver at once


class Provider(Protocol):
    name: str

    def send(self, message: Outgoing) -> Sent: ...

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None: ...


# --- the local test gateway (and anything speaking its Twilio-like API) ---------------------


class GatewayProvider:
    """Speaks the local gateway's Twilio-like API over keep-alive HTTP connections (one
    per thread), passing ``ClientReference`` so a resend is recognized."""

    name = "gateway"

    def __init__(self, base_url: str, account_sid: str, auth_token: str,
                 timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.account_sid = account_sid
        self.path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        token = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}",
                        "Content-Type": "application/x-www-form-urlencoded"}
        self.timeout = timeout
        self._local = threading.local()

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, Any]:
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self._local.conn = conn
            try:
                conn.request(method, path, body=body, headers=self.headers)
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                if attempt == 2 or not isinstance(exc, (http.client.RemoteDisconnected,
                                                        BrokenPipeError,
                                                        ConnectionResetError)):
                    raise TemporaryError("network", type(exc).__name__) from None
                continue
            try:
                data = json.loads(raw) if raw else {}
            except ValueError:
                data = {}
            return response.status, data
        raise TemporaryError("network")  # pragma: no cover

    def send(self, message: Outgoing) -> Sent:
        form = {"To": message.to, "Body": message.body,
                "ClientReference": message.client_reference}
        if message.sender:
            form["From"] = message.sender
        else:
            form["MessagingServiceSid"] = getattr(settings, "TWILIO_MESSAGING_SERVICE_SID",
                                                  "") or "MG-local"
        if message.status_callback:
            form["StatusCallback"] = message.status_callback
        status, data = self._request("POST", self.path, urlencode(form))
        if status in (200, 201):
            return Sent(str(data.get("sid", "")))
        raise classify(str(data.get("code", "")), status, str(data.get("message", ""))[:100])

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None:
        query = urlencode({"ClientReference": message.client_reference})
        status, data = self._request("GET", f"{self.path}?{query}")
        if status != 200:
            raise classify(str(data.get("code", "")), status)
        found = data.get("messages") or []
        return Sent(str(found[0]["sid"])) if found else None


# --- Twilio -------------------------------------------------------------------------------


def _twilio_http_client(api_url: str) -> Any:
    """Twilio's own HTTP client, pointed at another base URL when one is configured
    (the local gateway in tests); the library is otherwise used as it is."""
    from twilio.http.http_client import TwilioHttpClient

    class Redirected(TwilioHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if api_url and url.startswith("https://api.twilio.com"):
                url = api_url.rstrip("/") + url[len("https://api.twilio.com"):]
            return super().request(method, url, *args, **kwargs)

    return Redirected(pool_connections=True, timeout=15)


class TwilioProvider:
    """Twilio through the official ``twilio`` library: a messaging service, or our
    sender numbers chosen by the sender pool; status callbacks carry the client
    reference in their URL. Twilio has no client-reference field, so ``lookup`` looks
    for a message to the same number with the same body created since the claim."""

    name = "twilio"
    # Twilio's own opt-out handling answers these words itself on our numbers (the
    # Spanish ones reach us unanswered, so we confirm those).
    CONFIRMED_OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
                                         "QUIT", "REVOKE", "OPTOUT"})

    def __init__(self, account_sid: str, auth_token: str, messaging_service_sid: str = "",
                 api_url: str = "") -> None:
        from twilio.rest import Client

        self.messaging_service_sid = messaging_service_sid
        self.client = Client(account_sid, auth_token, http_client=_twilio_http_client(api_url))

    def send(self, message: Outgoing) -> Sent:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs: dict[str, Any] = {"to": message.to, "body": message.body}
        if message.sender:
            kwargs["from_"] = message.sender
        else:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise classify(str(exc.code or ""), int(exc.status or 0)) from None
        except (TwilioException, OSError) as exc:
            raise TemporaryError("network", type(exc).__name__) from None
        return Sent(str(created.sid))

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None:
        from twilio.base.exceptions import TwilioException

        try:
            candidates = self.client.messages.list(
                to=message.to, date_sent_after=since - timedelta(days=1), limit=50)
        except (TwilioException, OSError) as exc:
            raise TemporaryError("lookup", type(exc).__name__) from None
        for candidate in candidates:
            created = candidate.date_created
            if candidate.body == message.body and (created is None
                                                   or created >= since - timedelta(minutes=1)):
                return Sent(str(candidate.sid))
        return None


# --- email (SMTP through Django's backend) ------------------------------------------------------


class EmailProvider:
    """Email through Django's configured backend (SMTP in production), with a plain
    text and an HTML part. SMTP cannot be asked what it received, so a message left in
    "sending" by a crash is sent again with the same Message-ID, which mail clients
    use to drop the copy."""

    name = "email"

    def __init__(self) -> None:
        self._local = threading.local()

    def _connection(self) -> Any:
        from django.core.mail import get_connection

        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = get_connection()
            self._local.conn = conn
        return conn

    def send(self, message: Outgoing) -> Sent:
        import smtplib

        from django.core.mail import EmailMultiAlternatives

        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
        message_id = f"<{message.client_reference}@{domain}>"
        mail = EmailMultiAlternatives(message.subject, message.body, settings.DEFAULT_FROM_EMAIL,
                                      [message.to], headers={"Message-ID": message_id},
                                      connection=self._connection())
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("smtp-refused", reason="invalid_number") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._local.conn = None
            raise TemporaryError("smtp", type(exc).__name__) from None
        return Sent(message_id[:64])

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None:
        return None


# --- development ---------------------------------------------------------------------------------


class FileProvider:
    """Development only: each text is appended as a JSON line to ``var/sms/outbox.jsonl``
    (like Django's file mail backend), so `make demo` sends without any network."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / "outbox.jsonl"
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> Sent:
        record = {"ref": message.client_reference, "to": message.to, "from": message.sender,
                  "body": message.body, "at": time.time()}
        with self._lock:
            # Texts to residents, with their numbers: this user's alone (0700, 0600).
            private_dir(self.path.parent)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return Sent(f"file-{message.client_reference}", delivered=True)

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None:
        if not self.path.exists():
            return None
        needle = f'"ref": "{message.client_reference}"'
        with self.path.open(encoding="utf-8") as fh:
            if any(needle in line for line in fh):
                return Sent(f"file-{message.client_reference}", delivered=True)
        return None


class ConsoleProvider:
    """Development only: says on the console that a text went out, without its number
    or body."""

    name = "console"

    def send(self, message: Outgoing) -> Sent:
        logger.info("SMS %s sent by the console provider (%d characters)",
                    message.client_reference, len(message.body))
        return Sent(f"console-{message.client_reference}", delivered=True)

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None:
        return None


class OffProvider:
    """No provider configured: every text fails at once with a reason an organizer can
    read, rather than waiting in the outbox or pretending to be delivered."""

    name = "off"

    def send(self, message: Outgoing) -> Sent:
        raise PermanentError("not-configured", reason="provider_error")

    def lookup(self, message: Outgoing, since: datetime) -> Sent | None:
        return None


# --- choosing -------------------------------------------------------------------------------------


def sms_provider() -> Provider:
    kind = getattr(settings, "SMS_PROVIDER", "file")
    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    sid = getattr(settings, "TWILIO_ACCOUNT_SID", "") or "AC-local"
    if kind == "twilio":
        return TwilioProvider(sid, token, getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", ""),
                              getattr(settings, "TWILIO_API_URL", ""))
    if kind == "gateway":
        return GatewayProvider(getattr(settings, "SMS_GATEWAY_URL", "http://127.0.0.1:8025"),
                               sid, token)
    if kind == "console":
        return ConsoleProvider()
    if kind == "off":
        return OffProvider()
    return FileProvider(Path(settings.VAR_DIR) / "sms")


def provider_confirms_opt_out(word: str) -> bool:
    """Whether the SMS provider itself confirms an opt-out texted with ``word`` (folded to
    upper case), so that we must not confirm it a second time."""
    return (getattr(settings, "SMS_PROVIDER", "file") == "twilio"
            and word in TwilioProvider.CONFIRMED_OPT_OUT_WORDS)


def email_provider() -> Provider:
    return EmailProvider()


@dataclass
class SenderNumber:
    number: str
    per_second: float  # 0: no cap


def parse_senders(items: list[str]) -> list[SenderNumber]:
    """``["+12155550100:1", "+12155550101"]`` -> sender numbers with their caps."""
    senders = []
    for item in items:
        number, _sep, rate = item.partition(":")
        senders.append(SenderNumber(number.strip(), float(rate) if rate.strip() else 0.0))
    return senders


class SenderPool:
    """Chooses our sender number for each text and keeps each number under its cap.
    Texts from a number capped at ``r`` texts/s leave at least ``1/r`` s apart, and at
    most ``b = max(1, floor(r))`` of them are in any window of ``span = b/r`` seconds
    plus a small guard. Without numbers, texts go through the messaging service and the
    provider paces them.

    The window counts each text from the moment its request *finished* (``release``: the
    provider had it by then), and a text still on its way counts in every window. So
    however late a busy machine gets a text to the provider, the provider never sees
    more than ``b`` in a second: if it saw ``b + 1`` within one second, take the one of
    them chosen last; each of the other ``b`` was then either still on its way (counted)
    or had finished after reaching the provider, within the second before that one
    reached it, so within ``span`` before it was chosen (counted too): it could not have
    been chosen. Counting from the moment a text was chosen instead held on a quiet
    machine only (3 texts over a cap with the CPU busy, issue 15)."""

    # Only the provider's own clock edges are left to cover (a window of exactly one
    # second), not a busy machine's delays.
    GUARD_SECONDS = 0.005

    def __init__(self, senders: list[SenderNumber]) -> None:
        self.senders = senders
        self._index = {s.number: i for i, s in enumerate(senders)}
        self._finished: list[deque[float]] = [deque() for _ in senders]
        self._flying = [0] * len(senders)
        self._chosen_at = [float("-inf")] * len(senders)
        self._changed = threading.Condition()

    def _limits(self, sender: SenderNumber) -> tuple[int, float]:
        burst = max(1, int(sender.per_second))
        return burst, burst / sender.per_second + self.GUARD_SECONDS

    def acquire(self) -> str:
        """A sender number for one text; the caller must ``release`` it once the request
        to the provider is over (sent or not)."""
        if not self.senders:
            return ""
        with self._changed:
            while True:
                now = time.monotonic()
                wait = float("inf")
                for index, sender in enumerate(self.senders):
                    if sender.per_second <= 0:
                        return sender.number
                    burst, span = self._limits(sender)
                    finished = self._finished[index]
                    while finished and finished[0] <= now - span:
                        finished.popleft()
                    # evenly spaced too, so a burst is spread over its window
                    next_at = self._chosen_at[index] + 1.0 / sender.per_second
                    if len(finished) + self._flying[index] < burst:
                        if next_at <= now:
                            self._flying[index] += 1
                            self._chosen_at[index] = now
                            return sender.number
                        wait = min(wait, next_at - now)
                    elif finished:  # else: only a release frees this number
                        wait = min(wait, max(finished[0] + span, next_at) - now)
                self._wait(wait)

    def _wait(self, seconds: float) -> None:
        self._changed.wait(None if seconds == float("inf") else max(seconds, 0.0005))

    def release(self, number: str) -> None:
        """The request of a text from ``number`` is over: it counts from now."""
        index = self._index.get(number)
        if index is None or self.senders[index].per_second <= 0:
            return
        with self._changed:
            self._flying[index] = max(0, self._flying[index] - 1)
            self._finished[index].append(time.monotonic())
            self._changed.notify_all()

    @property
    def capacity(self) -> float:
        """Texts per second the pool can send (0: no cap)."""
        if not self.senders or any(s.per_second <= 0 for s in self.senders):
            return 0.0
        return sum(s.per_second for s in self.senders)
