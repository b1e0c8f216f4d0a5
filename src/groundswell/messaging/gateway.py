"""The local test gateway: a small HTTP server that speaks a Twilio-like messages API,
for tests, the demo and benchmarks (no network, no account).

* ``POST /2010-04-01/Accounts/<sid>/Messages.json`` (form: To, From or
  MessagingServiceSid, Body, StatusCallback, ClientReference) records the message and
  answers 201 with a Twilio-shaped JSON. A ``ClientReference`` seen before returns the
  first message again (200) and is counted as a duplicate, never recorded twice. Without
  the field, the ``ref`` parameter of the StatusCallback URL serves as the reference.
* ``GET .../Messages.json?ClientReference=...`` or ``?To=...`` lists what it has.
* Per-sender caps (texts per second, sliding one-second window): a text over the cap is
  counted as a violation and refused with 429 (code 20429) when ``enforce_caps``.
* It can be told to fail the next N sends with a code, delay every answer, or drop the
  next N requests (closing the connection without an answer, after or before recording).
* With ``callbacks`` on, it posts signed status callbacks ("sent", then "delivered") to
  each StatusCallback URL, as Twilio does; ``send_inbound`` posts a signed incoming text
  to an application's webhook.

Use it in-process (``LocalGateway(...).start()``, as the pytest fixture
``groundswell.messaging.testing.sms_gateway`` does) or standalone:
``python -m groundswell.messaging.gateway --port 8025 --caps +12155550100:1``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import threading
import time
import urllib.request
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.request_validator import RequestValidator


@dataclass
class Received:
    sid: str
    to: str
    sender: str
    body: str
    client_reference: str
    status_callback: str
    at: float  # time.monotonic()
    wall: float  # time.time()


@dataclass
class Behaviour:
    fail_next: int = 0
    fail_code: str = "30001"
    fail_status: int = 503
    delay_seconds: float = 0.0
    drop_next: int = 0
    drop_after_recording: bool = True
    enforce_caps: bool = True
    callbacks: bool = False


@dataclass
class Stats:
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    failed: int = 0
    dropped: int = 0
    cap_violations: int = 0
    lookups: int = 0
    callbacks_sent: int = 0
    callbacks_failed: int = 0
    first_at: float | None = None
    last_at: float | None = None
    per_sender: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class LocalGateway:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, account_sid: str = "AC-local",
                 auth_token: str = "local-token",  # noqa: S107
                 caps: dict[str, float] | None = None) -> None:
        self.host, self.port = host, port
        self.account_sid, self.auth_token = account_sid, auth_token
        self.caps = dict(caps or {})
        self.behaviour = Behaviour()
        self.stats = Stats()
        self.messages: list[Received] = []
        self._by_ref: dict[str, Received] = {}
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._ready = threading.Event()
        self._callbacks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gw-callback")
        self._pending = 0
        self._settled = threading.Condition(self._lock)
        self.validator = RequestValidator(auth_token)

    # --- control --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def configure(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                if not hasattr(self.behaviour, name):
                    raise AttributeError(name)
                setattr(self.behaviour, name, value)

    def reset(self) -> None:
        with self._lock:
            self.behaviour = Behaviour()
            self.stats = Stats()
            self.messages.clear()
            self._by_ref.clear()
            self._windows.clear()

    def received_to(self, number: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.to == number]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            s = self.stats
            return {"accepted": s.accepted, "duplicates": s.duplicates, "refused": s.refused,
                    "failed": s.failed, "dropped": s.dropped,
                    "cap_violations": s.cap_violations, "lookups": s.lookups,
                    "callbacks_sent": s.callbacks_sent, "first_at": s.first_at,
                    "last_at": s.last_at, "per_sender": dict(s.per_sender)}

    # --- serving ----------------------------------------------------------------------------

    def start(self) -> LocalGateway:
        self._thread = threading.Thread(target=self._run, name="sms-gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("The local gateway did not start.")
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, self.host, self.port, backlog=512))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            pending = asyncio.all_tasks(loop)
            for pending_task in pending:
                pending_task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._callbacks.shutdown(wait=False, cancel_futures=True)

    def serve_forever(self) -> None:
        self._run()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _version = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _sep, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                if self.behaviour.delay_seconds:
                    await asyncio.sleep(self.behaviour.delay_seconds)
                answer = self._respond(method, target, headers, body)
                if answer is None:  # told to drop this one
                    break
                status, payload = answer
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            # The gateway is stopping with a keep-alive connection still open: end it
            # quietly (re-raising makes asyncio print a traceback for every such one).
            pass
        finally:
            writer.close()

    # --- the API ------------------------------------------------------------------------------

    def _authorized(self, headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return headers.get("authorization", "") == f"Basic {expected}"

    def _respond(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> tuple[int, Any] | None:
        parts = urlsplit(target)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages"
        if parts.path == "/_stats" and method == "GET":
            return 200, self.snapshot()
        if not self._authorized(headers):
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if parts.path == f"{base}.json" and method == "POST":
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            return self._create(form)
        if parts.path == f"{base}.json" and method == "GET":
            query = dict(parse_qsl(parts.query))
            return 200, self._list(query)
        if parts.path.startswith(f"{base}/") and method == "GET":
            sid = parts.path[len(base) + 1:].removesuffix(".json")
            with self._lock:
                found = next((m for m in self.messages if m.sid == sid), None)
            if found is None:
                return 404, {"code": 20404, "message": "Not found", "status": 404}
            return 200, self._resource(found)
        return 404, {"code": 20404, "message": "Not found", "status": 404}

    def _resource(self, message: Received) -> dict[str, Any]:
        created = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(message.wall))
        return {"sid": message.sid, "account_sid": self.account_sid, "to": message.to,
                "from": message.sender, "body": message.body, "status": "sent",
                "num_segments": "1", "direction": "outbound-api", "date_created": created,
                "date_updated": created, "date_sent": created, "error_code": None,
                "error_message": None, "price": None, "uri": None,
                "client_reference": message.client_reference}

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            self.stats.lookups += 1
            if query.get("ClientReference"):
                found = self._by_ref.get(query["ClientReference"])
                items = [found] if found else []
            else:
                items = [m for m in self.messages if m.to == query.get("To", m.to)]
        page_size = int(query.get("PageSize", 50))
        return {"messages": [self._resource(m) for m in items[-page_size:]],
                "next_page_uri": None, "page": 0, "page_size": page_size,
                "first_page_uri": None, "previous_page_uri": None, "uri": None}

    def _create(self, form: dict[str, str]) -> tuple[int, Any] | None:
        to, body = form.get("To", ""), form.get("Body", "")
        sender = form.get("From") or form.get("MessagingServiceSid", "")
        callback = form.get("StatusCallback", "")
        reference = form.get("ClientReference") or dict(
            parse_qsl(urlsplit(callback).query)).get("ref", "")
        if not to or not body or not sender:
            return 400, {"code": 21604 if not to else 21602, "status": 400,
                         "message": "A 'To', 'Body' and 'From' are required."}
        now = time.monotonic()
        with self._lock:
            b = self.behaviour
            if b.drop_next > 0 and not b.drop_after_recording:
                b.drop_next -= 1
                self.stats.dropped += 1
                return None
            if reference and reference in self._by_ref:
                self.stats.duplicates += 1
                return 200, self._resource(self._by_ref[reference])
            if b.fail_next > 0:
                b.fail_next -= 1
                self.stats.failed += 1
                return b.fail_status, {"code": int(b.fail_code), "status": b.fail_status,
                                       "message": "Failure requested by the test."}
            cap = self.caps.get(sender, 0)
            if cap:
                window = self._windows[sender]
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= cap:
                    self.stats.cap_violations += 1
                    if b.enforce_caps:
                        self.stats.refused += 1
                        return 429, {"code": 20429, "status": 429,
                                     "message": "Too many requests for this sender."}
                window.append(now)
            message = Received(f"SM{next(self._ids):032x}", to, sender, body, reference,
                               callback, now, time.time())
            self.messages.append(message)
            if reference:
                self._by_ref[reference] = message
            self.stats.accepted += 1
            self.stats.per_sender[sender] += 1
            self.stats.first_at = self.stats.first_at or time.time()
            self.stats.last_at = time.time()
            if b.drop_next > 0:
                b.drop_next -= 1
                self.stats.dropped += 1
                return None
            callbacks = b.callbacks
        if callbacks and callback:
            with self._lock:
                self._pending += 1
            self._callbacks.submit(self._deliver, message)
        return 201, self._resource(message)

    # --- calling the application --------------------------------------------------------------

    def _post_signed(self, url: str, params: dict[str, str]) -> int:
        signature = self.validator.compute_signature(url, params)
        request = urllib.request.Request(  # noqa: S310 - http(s) URLs we were given
            url, data=urlencode(params).encode(), method="POST",
            headers={"X-Twilio-Signature": signature})
        try:
            # The status callback URL the test gateway was given (http or https).
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def _deliver(self, message: Received) -> None:
        try:
            for status in ("sent", "delivered"):
                try:
                    code = self.send_status(message.status_callback, message, status)
                except OSError:
                    code = 0
                with self._lock:
                    if 200 <= code < 300:
                        self.stats.callbacks_sent += 1
                    else:
                        self.stats.callbacks_failed += 1
        finally:
            with self._lock:
                self._pending -= 1
                self._settled.notify_all()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until every status callback due has been posted."""
        with self._lock:
            return self._settled.wait_for(lambda: self._pending == 0, timeout)

    def send_status(self, url: str, message: Received, status: str,
                    error_code: str = "") -> int:
        params = {"MessageSid": message.sid, "MessageStatus": status,
                  "AccountSid": self.account_sid, "To": message.to, "From": message.sender}
        if error_code:
            params["ErrorCode"] = error_code
        return self._post_signed(url, params)

    def send_inbound(self, url: str, *, from_: str, to: str, body: str,
                     sid: str | None = None) -> int:
        """Post an incoming text to the application's webhook, signed like Twilio."""
        params = {"MessageSid": sid or f"SM{next(self._ids) + 10**12:032x}",
                  "AccountSid": self.account_sid, "From": from_, "To": to, "Body": body,
                  "NumMedia": "0"}
        return self._post_signed(url, params)


def main() -> None:  # pragma: no cover - a command-line entry point
    parser = argparse.ArgumentParser(description="Run the local SMS test gateway.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--account-sid", default="AC-local")
    parser.add_argument("--auth-token", default="local-token")
    parser.add_argument("--caps", default="", help="+12155550100:1,+12155550101:1")
    args = parser.parse_args()
    caps = {}
    for item in filter(None, args.caps.split(",")):
        number, _sep, rate = item.partition(":")
        caps[number] = float(rate)
    gateway = LocalGateway(host=args.host, port=args.port, account_sid=args.account_sid,
                           auth_token=args.auth_token, caps=caps)
    print(f"Local SMS gateway on http://{args.host}:{args.port}/", flush=True)
    gateway.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
