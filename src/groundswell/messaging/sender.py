"""The sender: claims queued messages from the outbox with a lease, sends them through
the providers, and records the outcome. Run by ``manage.py send_messages`` (started by
``manage.py serve`` next to the task worker); several may run on several machines.

Claiming: in one transaction, ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (on
SQLite the IMMEDIATE transaction makes the select-and-update one atomic claim), lowest
``priority`` first; the rows become "sending" with a lease token and an expiry.
Crash safety: a row still "sending" after its lease expired was claimed by a sender
that died. Before sending it again we ask the provider whether it already has the
message under our client reference; the provider's idempotency (the local gateway and
our own lookups) means a kill never loses a message and never sends it twice.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from groundswell.core.models import Organization
from groundswell.messaging import policy, providers
from groundswell.messaging.inbound import suppress_address
from groundswell.messaging.models import Channel, Message
from groundswell.messaging.providers import Outgoing, PermanentError, ProviderError, Sent
from groundswell.messaging.services import release_at, settings_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at one hour, with jitter so retries do not stampede."""
    base = min(5 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311


def status_callback_url(org_slug: str, client_reference: str) -> str:
    path = reverse("messaging_hook_status", kwargs={"organization": org_slug})
    return f"{settings.SITE_URL.rstrip('/')}{path}?ref={client_reference}"


@dataclass(slots=True)
class Claimed:
    """What the sender reads of a claimed outbox row: the columns it sends, checks and
    records with (a model instance of every column, for each text, cost more than its
    HTTP request)."""

    pk: int
    organization_id: int
    channel: str
    purpose: str
    emergency: bool
    person_id: int | None
    to_address: str
    to_index: str
    subject: str
    body: str
    html_body: str
    client_reference: uuid.UUID
    lease_token: str
    attempts: int
    created_at: datetime
    organization: Any = None  # attached per batch


CLAIMED_COLUMNS = tuple(f.name for f in fields(Claimed) if f.name != "organization")


@dataclass
class Outcome:
    message: Claimed
    sent: Sent | None = None
    error: ProviderError | None = None
    sender: str = ""


class Sender:
    FIRST_BATCH = 10
    TEXTS_PER_TASK = 8
    def __init__(self, *, batch: int = 200, threads: int = 16, lease_seconds: float = 60.0,
                 poll_seconds: float = 0.2, sms: providers.Provider | None = None,
                 email: providers.Provider | None = None,
                 pool: providers.SenderPool | None = None,
                 status_callbacks: bool | None = None) -> None:
        self.batch = batch
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.sms = sms or providers.sms_provider()
        self.email = email or providers.email_provider()
        self.pool = pool or providers.SenderPool(
            providers.parse_senders(list(getattr(settings, "SMS_SENDERS", []))))
        self.status_callbacks = (getattr(settings, "SMS_STATUS_CALLBACKS", True)
                                 if status_callbacks is None else status_callbacks)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sender")
        self._warm = min(self.FIRST_BATCH, batch)

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    # --- claiming ----------------------------------------------------------------------------

    def _claim(self, status: str, extra: dict[str, Any],
               size: int | None = None) -> list[Claimed]:
        token = uuid.uuid4().hex
        now = timezone.now()
        with scopes_disabled():
            qs = Message.objects.filter(status=status, **extra).order_by("priority", "pk")
            # A look before the writing transaction: an idle sender polling an empty
            # outbox must not take SQLite's write lock from the worker queueing an alert.
            if not qs.exists():
                return []
        with scopes_disabled(), transaction.atomic():
            ids = list(qs.select_for_update(skip_locked=True).values_list("pk", flat=True)
                       [:size or self.batch])
            if not ids:
                return []
            Message.objects.filter(pk__in=ids, status=status).update(
                status=Message.Status.SENDING, lease_token=token,
                lease_expires_at=now + self.lease, attempts=F("attempts") + 1)
        # Read (and decrypt) after the commit: the rows are ours by the lease, and the
        # write lock is not held while hundreds of them are loaded.
        with scopes_disabled():
            claimed = [Claimed(*row) for row in Message.objects.filter(lease_token=token)
                       .order_by("priority", "pk").values_list(*CLAIMED_COLUMNS)]
        self._attach_organizations(claimed)
        return claimed

    @staticmethod
    def _attach_organizations(messages: list[Claimed]) -> None:
        """Each message's organization, loaded once per batch and shared (a copy
        joined to every row cost more than sending it)."""

        organizations = Organization.objects.in_bulk({m.organization_id for m in messages})
        for message in messages:
            message.organization = organizations[message.organization_id]

    def claim(self) -> list[Claimed]:
        """A small first batch after an idle spell, so the first text leaves at once,
        then batches growing to ``batch`` while the outbox stays busy. A batch that
        found fewer rows than it asked for does not shrink the next one: rows are still
        coming (an alert's later chunks), and many small batches cost more per text."""
        size = self._warm
        claimed = self._claim(Message.Status.QUEUED, {"next_attempt_at__lte": timezone.now()},
                              size)
        self._warm = min(self.batch, size * 4) if claimed else self.FIRST_BATCH
        return claimed

    def claim_expired(self) -> list[Claimed]:
        return self._claim(Message.Status.SENDING, {"lease_expires_at__lt": timezone.now()})

    # --- one round ----------------------------------------------------------------------------

    def run_once(self) -> int:
        """Recover expired leases, then claim and send one batch. Returns how many rows
        were handled."""
        handled = 0
        expired = self.claim_expired()
        if expired:
            handled += len(expired)
            self.process(self._resolve(expired))
        claimed = self.claim()
        if claimed:
            handled += len(claimed)
            self.process(claimed)
        return handled

    def run(self, stop: threading.Event, *, until_empty: bool = False, lanes: int = 1) -> None:
        """Loop until ``stop`` (or until nothing is due, with ``until_empty``). With
        several lanes, each claims and records its own batches on its own database
        connection while the others' texts are in flight."""
        if lanes <= 1:
            self._loop(stop, until_empty)
            return

        def lane() -> None:
            try:
                self._loop(stop, until_empty)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=lane, name=f"sender-lane-{n}", daemon=True)
                   for n in range(lanes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _loop(self, stop: threading.Event, until_empty: bool) -> None:
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                logger.exception("The sender's round failed; trying again.")
                close_old_connections()
                handled = 0
            if handled == 0:
                if until_empty and not self.has_work():
                    return
                stop.wait(self.poll_seconds)

    def has_work(self) -> bool:
        with scopes_disabled():
            now = timezone.now()
            return Message.objects.filter(
                Q(status=Message.Status.QUEUED, next_attempt_at__lte=now)
                | Q(status=Message.Status.SENDING, lease_expires_at__lt=now)).exists()

    # --- sending -------------------------------------------------------------------------------

    def _outgoing(self, message: Claimed) -> Outgoing:
        callback = ""
        if message.channel == Channel.SMS and self.status_callbacks:
            callback = status_callback_url(message.organization.slug,
                                           str(message.client_reference))
        return Outgoing(str(message.client_reference), message.channel, message.to_address,
                        message.body, message.subject, message.html_body, "", callback)

    def _provider(self, message: Claimed) -> providers.Provider:
        return self.sms if message.channel == Channel.SMS else self.email

    def _resolve(self, messages: list[Claimed]) -> list[Claimed]:
        """Ask the provider about each message a dead sender left in "sending"; record
        those it has, and return the others to be sent again."""
        again: list[Claimed] = []
        found: list[Outcome] = []
        for message in messages:
            try:
                sent = self._provider(message).lookup(self._outgoing(message),
                                                      message.created_at)
            except ProviderError as exc:
                found.append(Outcome(message, error=exc))
                continue
            if sent is None:
                again.append(message)
            else:
                found.append(Outcome(message, sent=sent))
        self._record(found)
        return again

    def _send_one(self, message: Claimed, outgoing: Outgoing) -> Outcome:
        if message.channel == Channel.SMS:
            outgoing.sender = self.pool.acquire()
        try:
            return Outcome(message, sent=self._provider(message).send(outgoing),
                           sender=outgoing.sender)
        except ProviderError as exc:
            return Outcome(message, error=exc, sender=outgoing.sender)
        except Exception as exc:  # noqa: BLE001 - an unknown failure is a temporary one
            logger.warning("Provider failure (%s) on message %s", type(exc).__name__,
                           message.pk)
            return Outcome(message, error=providers.TemporaryError("unexpected"),
                           sender=outgoing.sender)
        finally:
            if outgoing.sender:  # the number's window counts this text from now
                self.pool.release(outgoing.sender)

    def process(self, messages: list[Claimed]) -> None:
        if not messages:
            return
        messages = self._check_policy(messages)
        messages = self._defer_quiet(messages)
        outgoing = [(m, self._outgoing(m)) for m in messages]
        # A few texts to a task, in the batch's order, rather than one: a future and
        # two thread hand-overs per text cost as much as its HTTP request. Small groups
        # still let the other threads carry on past one slow request.
        parts = self.executor.map(
            lambda part: [self._send_one(*pair) for pair in part],
            [outgoing[i:i + self.TEXTS_PER_TASK]
             for i in range(0, len(outgoing), self.TEXTS_PER_TASK)])
        self._record([outcome for part in parts for outcome in part])

    def _check_policy(self, messages: list[Claimed]) -> list[Claimed]:
        """Consent and opt-outs again, just before sending (a STOP may have arrived)."""
        groups: dict[tuple[int, str, str], list[Claimed]] = defaultdict(list)
        for message in messages:
            groups[(message.organization_id, message.channel, message.purpose)].append(message)
        refused: dict[int, str] = {}
        with scopes_disabled():
            for (org_id, channel, purpose), group in groups.items():
                reasons = policy.blocked(org_id, channel, purpose, [
                    policy.Candidate(m.pk, m.person_id, m.to_index) for m in group])
                refused.update({int(k): v for k, v in reasons.items()})  # type: ignore[call-overload]
            if refused:
                with transaction.atomic():
                    for message in messages:
                        if message.pk in refused:
                            Message.objects.filter(
                                pk=message.pk, lease_token=message.lease_token,
                                status=Message.Status.SENDING).update(
                                status=Message.Status.SUPPRESSED, reason=refused[message.pk],
                                lease_token="", lease_expires_at=None,
                                attempts=F("attempts") - 1)
        return [m for m in messages if m.pk not in refused]

    def _defer_quiet(self, messages: list[Claimed]) -> list[Claimed]:

        now = timezone.now()
        keep, defer = [], []
        cache: dict[int, Any] = {}
        with scopes_disabled():
            for message in messages:
                if message.emergency:
                    keep.append(message)
                    continue
                if message.organization_id not in cache:
                    cache[message.organization_id] = settings_for(message.organization)
                release = release_at(cache[message.organization_id], now, False)
                if release > now:
                    defer.append((message, release))
                else:
                    keep.append(message)
            if defer:
                with transaction.atomic():
                    for message, release in defer:
                        Message.objects.filter(pk=message.pk, lease_token=message.lease_token,
                                               status=Message.Status.SENDING).update(
                            status=Message.Status.QUEUED, next_attempt_at=release,
                            lease_token="", lease_expires_at=None,
                            attempts=F("attempts") - 1)
        return keep

    # --- recording ----------------------------------------------------------------------------

    def _record(self, outcomes: Iterable[Outcome]) -> None:
        outcomes = list(outcomes)
        if not outcomes:
            return

        now = timezone.now()
        sent = self._sent_rows([o for o in outcomes if o.sent is not None], now)
        with scopes_disabled(), transaction.atomic():
            self._record_sent(sent)
            for outcome in outcomes:
                if outcome.sent is not None:
                    continue
                message = outcome.message
                mine = Message.objects.filter(pk=message.pk, lease_token=message.lease_token,
                                              status=Message.Status.SENDING)
                provider_name = self._provider(message).name
                if isinstance(outcome.error, PermanentError):
                    error = outcome.error
                    status = (Message.Status.SUPPRESSED if error.reason == "carrier_opt_out"
                              else Message.Status.FAILED)
                    if mine.update(status=status, reason=error.reason, error_code=error.code,
                                   failed_at=now, provider=provider_name,
                                   lease_token="", lease_expires_at=None) \
                            and error.reason == "carrier_opt_out":
                        suppress_address(message.organization, message.channel,
                                         message.to_index, source="carrier")
                else:
                    error = outcome.error or providers.TemporaryError("unknown")
                    if message.attempts >= MAX_ATTEMPTS:
                        mine.update(status=Message.Status.FAILED,
                                    reason=Message.Reason.TOO_MANY_ATTEMPTS,
                                    error_code=error.code, failed_at=now,
                                    provider=provider_name, lease_token="",
                                    lease_expires_at=None)
                    else:
                        wait = (timedelta(seconds=1) if error.code in ("20429", "429")
                                else backoff(message.attempts))
                        mine.update(status=Message.Status.QUEUED, error_code=error.code,
                                    next_attempt_at=now + wait, provider=provider_name,
                                    lease_token="", lease_expires_at=None)


    def _sent_rows(self, outcomes: list[Outcome], now: Any) -> list[tuple[Any, ...]]:
        at = connection.ops.adapt_datetimefield_value(now)
        return [(Message.Status.DELIVERED if o.sent.delivered else Message.Status.SENT,  # type: ignore[union-attr]
                 o.sent.provider_sid[:64], at, at if o.sent.delivered else None,  # type: ignore[union-attr]
                 self._provider(o.message).name, o.sender[:40], o.message.pk,
                 o.message.lease_token) for o in outcomes]

    def _record_sent(self, rows: list[tuple[Any, ...]]) -> None:
        """The common case (rows from ``_sent_rows``, prepared before the transaction),
        in one prepared statement for the whole batch (the ORM's per-row update costs
        more than sending): only rows still held by this lease and still "sending" (a
        status callback may already have said "delivered")."""
        if not rows:
            return
        table = Message._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(  # the model's own table name; values are parameters
                f"UPDATE {table} SET status = %s, provider_sid = %s, sent_at = %s, "  # noqa: S608  # nosec B608
                "delivered_at = %s, provider = %s, sender = %s, lease_token = '', "
                "lease_expires_at = NULL, error_code = '' "
                "WHERE id = %s AND lease_token = %s AND status = 'sending'", rows)


def deliver_outbox(**options: Any) -> None:
    """Send everything due now and return (tests, and ``send_messages --until-empty``)."""
    sender = Sender(**options)
    try:
        sender.run(threading.Event(), until_empty=True)
    finally:
        sender.close()
