"""Queueing messages: the outbox's one public way in.

Every area that texts or emails someone calls ``enqueue_sms`` / ``enqueue_email`` (one
person) or ``enqueue_many`` (a broadcast), inside its own transaction: the outbox row
commits or rolls back with the action that caused it, and the sender process sends it
afterwards. Re-enqueueing the same ``cause_key`` for the same address returns the
existing row. Consent and opt-outs are checked here and again before sending
(``policy.blocked``): a refused message is kept with status "suppressed" and its reason,
so per-recipient status can say why.

``actor`` is the acting Membership (recorded as the author) or None for the system
acting on a resident's text. Permission to send is checked by the calling area's
service (compose: ``messaging.send``; alerts: rapid response's own capability).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.bulk import (
    PreparedInsert,
    insert_ignoring_conflicts,
    prepare_insert,
    write_prepared,
)
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership, Organization
from groundswell.messaging import merge, policy, quiet, segments
from groundswell.messaging.models import (
    Broadcast,
    Channel,
    Conversation,
    Message,
    MessagingSettings,
)
from groundswell.people.models import ContactPoint, Person
from groundswell.people.normalize import NormalizationError, normalize_email, normalize_phone

MAX_SEGMENTS = 10
MAX_EMAIL_CHARS = 50_000


def settings_for(org: Organization) -> MessagingSettings:
    found = MessagingSettings.objects.filter(organization=org).first()
    return found or MessagingSettings(organization=org)


def _org(actor: Membership | None, organization: Organization | None) -> Organization:
    if actor is not None:
        return actor.organization
    if organization is None:
        raise ValueError("A system action must name its organization.")
    return organization


def pick_body(language: str, body: str | None, body_en: str, body_es: str) -> tuple[str, str]:
    """The text in the person's language, falling back to the other one."""
    if body:
        return body, language or ""
    if language == "es":
        return (body_es, "es") if body_es.strip() else (body_en, "en")
    return (body_en, "en") if body_en.strip() else (body_es, "es")


def merge_values(person: Person, org: Organization) -> dict[str, str]:
    return {"first_name": person.preferred_name or person.given_name,
            "name": person.display_name, "organization": org.name}


def check_sms_body(text: str, field_name: str = "body") -> segments.SegmentCount:
    if not text.strip():
        raise InvalidInput(field_name, _("Write the message."))
    counted = segments.count(text)
    if counted.segments > MAX_SEGMENTS:
        raise InvalidInput(field_name, _(
            "That message is %(segments)d text segments long; the most is %(max)d. "
            "Shorten it.") % {"segments": counted.segments, "max": MAX_SEGMENTS})
    return counted


def check_template(text: str, field_name: str = "body") -> None:
    unknown = merge.unknown_fields(text)
    if unknown:
        raise InvalidInput(field_name, _("Unknown merge field: %(fields)s. Use {first_name}, "
                                         "{name} or {organization}.")
                           % {"fields": ", ".join(f"{{{name}}}" for name in unknown)})


def release_at(org_settings: MessagingSettings, when: datetime, emergency: bool) -> datetime:
    """When a message queued for ``when`` may go out: after quiet hours, unless it is an
    emergency alert."""
    if emergency:
        return when
    zone = ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(when, zone)
    start, end = org_settings.quiet_start, org_settings.quiet_end
    if isinstance(start, str):
        start = datetime.strptime(start, "%H:%M").time()
    if isinstance(end, str):
        end = datetime.strptime(end, "%H:%M").time()
    return quiet.release_time(local, start, end)


@dataclass
class Recipient:
    person: Person | None
    priority: int = 0
    contact: ContactPoint | None = None
    body: str | None = None  # instead of the shared body (already personalised)
    # A number on no one's record, as (E.164, blind index): only an answer to a text it
    # sent us (policy.ANSWERS; a hotline reporter), with ``person`` None and the
    # answer's ``language``.
    address: tuple[str, str] | None = None
    language: str = ""


@dataclass
class Enqueued:
    messages: list[Message] = field(default_factory=list)
    queued: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)
    count: int | None = None  # when the rows were not read back

    @property
    def total(self) -> int:
        return len(self.messages) if self.count is None else self.count


def _contacts(org: Organization, channel: str, people: Sequence[Person]) -> dict[int, ContactPoint]:
    """Each person's best contact on the channel: primary first, never one that cannot
    receive texts."""
    kind = ContactPoint.Kind.PHONE if channel == Channel.SMS else ContactPoint.Kind.EMAIL
    best: dict[int, ContactPoint] = {}
    ids = [p.pk for p in people]
    for start in range(0, len(ids), 2000):
        qs = ContactPoint.objects.filter(organization=org, kind=kind,
                                         person_id__in=ids[start:start + 2000])
        if channel == Channel.SMS:
            qs = qs.filter(sms_capable=True)
        qs = qs.only("pk", "person_id", "value", "value_index", "opted_out_at")
        for contact in qs.order_by("-is_primary", "pk"):
            best.setdefault(contact.person_id, contact)
    return best


# What the people services store for a phone (normalized and validated on the way in).
E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def _address(channel: str, contact: ContactPoint) -> str:
    try:
        if channel == Channel.SMS:
            # Parsing a stored number again costs more than the rest of queueing its text
            # (an alert queues thousands); only a value in another shape is parsed.
            if E164.fullmatch(contact.value):
                return contact.value
            return normalize_phone(contact.value, settings.PHONE_REGION)
        return normalize_email(contact.value)
    except NormalizationError:
        field_name = "phone" if channel == Channel.SMS else "email"
        raise InvalidInput(field_name, _("That is not a phone number we can text or call. "
                                         "Check the digits and the area code.")
                           if channel == Channel.SMS else _("That is not an email address.")
                           ) from None


@dataclass
class Plan:
    """What queueing would write: one unsaved row per reachable address, each with its
    status ("queued" or "suppressed") and reason."""

    organization: Organization
    rows: list[Message]
    channel: str = ""
    purpose: str = ""
    cause_key: str = ""
    # The rows' insert, prepared (``prepare``) before the transaction that writes them.
    prepared: PreparedInsert | None = None

    def prepare(self) -> None:
        """Work out the rows' column values now (encryption included), so that the
        writing transaction, which holds SQLite's write lock for everyone, only runs
        the insert."""
        self.prepared = prepare_insert(Message, self.rows)

    @property
    def sending(self) -> list[Message]:
        return [m for m in self.rows if m.status == Message.Status.QUEUED]

    def excluded(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in self.rows:
            if message.status != Message.Status.QUEUED:
                counts[message.reason] = counts.get(message.reason, 0) + 1
        return counts


def plan_messages(actor: Membership | None, *, channel: str, purpose: str, cause_key: str,
                  recipients: Iterable[Recipient], body: str | None = None, body_en: str = "",
                  body_es: str = "", subject: str = "", html_en: str = "", html_es: str = "",
                  emergency: bool = False, send_at: datetime | None = None,
                  broadcast: Broadcast | None = None, conversation: Conversation | None = None,
                  organization: Organization | None = None) -> Plan:
    """Check the input and decide, per recipient, the text and whether it may be sent
    (``policy.blocked``), without writing anything: queueing and the compose preview
    both use it. Raises InvalidInput for bad input."""
    org = _org(actor, organization)
    if channel not in Channel.values:
        raise InvalidInput("channel", _("Choose text message or email."))
    if purpose not in policy.PURPOSES:
        raise InvalidInput("purpose", _("Choose what the message is for."))
    cause_key = (cause_key or "").strip()
    if not cause_key or len(cause_key) > 120:
        raise InvalidInput("cause_key", "cause_key must be 1 to 120 characters.")
    for name, text in (("body", body or ""), ("body_en", body_en), ("body_es", body_es)):
        check_template(text, name)
    if not (body or "").strip() and not body_en.strip() and not body_es.strip():
        raise InvalidInput("body", _("Write the message."))
    if channel == Channel.EMAIL and len(subject) > 200:
        raise InvalidInput("subject", _("That subject is too long (200 characters at most)."))
    recipients = list(recipients)
    org_settings = settings_for(org)
    now = timezone.now()
    release = release_at(org_settings, max(send_at or now, now), emergency)
    if any(r.person is None and (r.address is None or purpose not in policy.ANSWERS)
           for r in recipients):
        raise InvalidInput("person", "Only an answer goes to a number without a person.")
    contacts = _contacts(org, channel, [r.person for r in recipients
                                        if r.contact is None and r.person is not None])
    rows: list[Message] = []
    candidates: list[policy.Candidate] = []
    seen: set[str] = set()
    user = actor.user if actor is not None else None
    # A broadcast repeats a few texts thousands of times: each distinct text is counted
    # (and checked) once; a text without a merge field is the same for everyone.
    counted_texts: dict[tuple[str, str], segments.SegmentCount] = {}
    for recipient in recipients:
        person = recipient.person
        if person is not None and person.organization_id != org.pk:
            raise InvalidInput("person", _("That person is not part of this organization."))
        contact = recipient.contact or (contacts.get(person.pk) if person is not None
                                        else None)
        text, language = pick_body(person.language if person is not None
                                   else recipient.language,
                                   recipient.body or body, body_en, body_es)
        if "{" in text and person is not None:
            text = merge.render(text, merge_values(person, org))
        text = text.strip()
        html = ""
        if channel == Channel.SMS:
            field_name = ("body_es" if language == "es" and not body
                          else "body_en" if not body else "body")
            counted = counted_texts.get((text, field_name))
            if counted is None:
                counted = counted_texts[(text, field_name)] = check_sms_body(text, field_name)
            n_segments = counted.segments
        else:
            if not text:
                raise InvalidInput("body", _("Write the message."))
            if len(text) > MAX_EMAIL_CHARS:
                raise InvalidInput("body", _("That email is too long."))
            n_segments = 0
            html_template = html_es if language == "es" and html_es else html_en or html_es
            html = (merge.render(html_template, merge_values(person, org))
                    if html_template and person is not None else html_template)
        if recipient.address is not None:
            to_address, to_index = recipient.address
        elif contact is None:
            to_address, to_index = "", f"person:{person.pk}"  # type: ignore[union-attr]
        else:
            to_address, to_index = _address(channel, contact), contact.value_index
        if to_index in seen:  # two people sharing one number get it once
            continue
        seen.add(to_index)
        message = Message(
            organization=org, channel=channel, purpose=purpose, emergency=emergency,
            person=person, contact=contact, broadcast=broadcast, conversation=conversation,
            to_address=to_address, to_index=to_index, language=language,
            subject=subject[:200] or (org.name if channel == Channel.EMAIL else ""),
            body=text, html_body=html, segments=n_segments, cause_key=cause_key,
            priority=recipient.priority, next_attempt_at=release, created_by=user,
            created_at=now,  # one time for the batch: its column converted once
            provider="")
        if not to_address:
            message.status, message.reason = Message.Status.SUPPRESSED, Message.Reason.NO_CONTACT
        else:
            candidates.append(policy.Candidate(
                len(rows), person.pk if person is not None else None, to_index,
                bool(contact and contact.opted_out_at) and channel == Channel.SMS))
        rows.append(message)
    reasons = policy.blocked(org.pk, channel, purpose, candidates)
    for position, reason in reasons.items():
        rows[position].status, rows[position].reason = Message.Status.SUPPRESSED, reason
    return Plan(org, rows, channel, purpose, cause_key)


def enqueue_many(actor: Membership | None, *, channel: str, purpose: str, cause_key: str,
                 recipients: Iterable[Recipient], body: str | None = None, body_en: str = "",
                 body_es: str = "", subject: str = "", html_en: str = "", html_es: str = "",
                 emergency: bool = False, send_at: datetime | None = None,
                 broadcast: Broadcast | None = None, conversation: Conversation | None = None,
                 organization: Organization | None = None, audit_each: bool = False
                 ) -> Enqueued:
    """Queue one message per recipient (per-recipient rows, claimed in ``priority``
    order, lowest first). Bad input raises InvalidInput and writes nothing."""
    plan = plan_messages(actor, channel=channel, purpose=purpose, cause_key=cause_key,
                         recipients=recipients, body=body, body_en=body_en, body_es=body_es,
                         subject=subject, html_en=html_en, html_es=html_es,
                         emergency=emergency, send_at=send_at, broadcast=broadcast,
                         conversation=conversation, organization=organization)
    return queue_plan(actor, plan, broadcast=broadcast, audit_each=audit_each)


def queue_plan(actor: Membership | None, plan: Plan, *, broadcast: Broadcast | None = None,
               audit_each: bool = False, recheck: bool = False,
               load: bool = True) -> Enqueued:
    """Write a plan's rows (``enqueue_many`` is ``plan_messages`` then this). A caller
    that planned outside its writing transaction (to hold the database's write lock only
    for the writes) passes ``recheck`` so consent and opt-outs are asked again inside
    it. Without ``load`` the rows are not read back: ``messages`` stays empty and
    ``total`` is still the number of rows the outbox holds for the plan."""
    org, rows, cause_key = plan.organization, plan.rows, plan.cause_key
    channel, purpose = plan.channel, plan.purpose
    user = actor.user if actor is not None else None
    result = Enqueued()
    with transaction.atomic():
        changed = _recheck(plan) if recheck else False
        existing = set(Message.objects.filter(
            organization=org, cause_key=cause_key,
            to_index__in=[m.to_index for m in rows]).values_list("to_index", flat=True))
        positions = [i for i, m in enumerate(rows) if m.to_index not in existing]
        fresh = [rows[i] for i in positions]
        if plan.prepared is not None and not changed:
            write_prepared(plan.prepared, positions)
        else:
            _insert(fresh)
        if load:
            result.messages = list(Message.objects.filter(
                organization=org, cause_key=cause_key,
                to_index__in=[m.to_index for m in rows]).order_by("priority", "pk"))
        else:
            # One row per (organization, cause, address) exists now: these, or a
            # concurrent writer's (message_unique_cause_recipient).
            result.count = len(rows)
        for message in fresh:
            if message.status == Message.Status.QUEUED:
                result.queued += 1
            else:
                result.suppressed[message.reason] = result.suppressed.get(message.reason, 0) + 1
        if fresh:
            data: dict[str, Any] = {"channel": channel, "purpose": purpose,
                                    "queued": result.queued,
                                    "suppressed": sum(result.suppressed.values())}
            if broadcast is not None:
                data["broadcast"] = broadcast.pk
            fresh_indexes = {m.to_index for m in fresh}
            if audit_each or len(fresh) == 1:
                for message in result.messages or Message.objects.filter(
                        organization=org, cause_key=cause_key, to_index__in=fresh_indexes):
                    if message.to_index in fresh_indexes:
                        audit.record("messaging.message.queued", organization=org, actor=user,
                                     obj=message, data={**data, "person": message.person_id})
            else:
                audit.record("messaging.messages.queued", organization=org, actor=user,
                             obj=broadcast, data={**data, "count": len(fresh)})
    return result


def _recheck(plan: Plan) -> bool:
    """Consent and opt-outs asked again for the rows a plan would send; whether any
    row is now refused."""
    candidates = [policy.Candidate(position, m.person_id, m.to_index,
                                   bool(m.contact and m.contact.opted_out_at)
                                   and plan.channel == Channel.SMS)
                  for position, m in enumerate(plan.rows) if m.status == Message.Status.QUEUED]
    refused = policy.blocked(plan.organization.pk, plan.channel, plan.purpose, candidates)
    for position, reason in refused.items():
        row = plan.rows[position]  # type: ignore[index]
        row.status, row.reason = Message.Status.SUPPRESSED, reason
    return bool(refused)


def _insert(messages: list[Message]) -> None:
    """The rows, as ``bulk_create(ignore_conflicts=True)`` writes them, faster
    (``core.bulk``)."""
    insert_ignoring_conflicts(Message, messages)


def enqueue_sms(actor: Membership | None, *, person: Person | None, purpose: str,
                cause_key: str, body: str | None = None, body_en: str = "", body_es: str = "",
                emergency: bool = False, contact: ContactPoint | None = None,
                priority: int = 0, send_at: datetime | None = None,
                conversation: Conversation | None = None,
                organization: Organization | None = None,
                address: tuple[str, str] | None = None, language: str = "") -> Message:
    """Queue one text to ``person`` (their primary textable phone unless ``contact`` is
    given), or, for a reply, to ``address`` = (E.164, blind index), the number a text
    came from, with or without a person. Returns the outbox row: status "queued", or
    "suppressed" with ``reason``."""
    recipient = Recipient(person, priority, contact, address=address, language=language)
    result = enqueue_many(actor, channel=Channel.SMS, purpose=purpose, cause_key=cause_key,
                          recipients=[recipient], body=body,
                          body_en=body_en, body_es=body_es, emergency=emergency,
                          send_at=send_at, conversation=conversation,
                          organization=organization)
    return result.messages[0]


def enqueue_email(actor: Membership | None, *, person: Person, purpose: str, cause_key: str,
                  subject: str, body: str | None = None, body_en: str = "", body_es: str = "",
                  html: str = "", html_en: str = "", html_es: str = "",
                  contact: ContactPoint | None = None, send_at: datetime | None = None,
                  organization: Organization | None = None) -> Message:
    """Queue one email (plain text, and HTML when given) to ``person``."""
    result = enqueue_many(actor, channel=Channel.EMAIL, purpose=purpose, cause_key=cause_key,
                          recipients=[Recipient(person, 0, contact)], body=body,
                          body_en=body_en, body_es=body_es, subject=subject,
                          html_en=html or html_en, html_es=html_es, send_at=send_at,
                          organization=organization)
    return result.messages[0]


def cancel_messages(messages: Iterable[Message]) -> int:
    """Cancel messages not yet handed to a provider (used by broadcasts)."""
    ids = [m.pk for m in messages]
    return Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, lease_token="")
