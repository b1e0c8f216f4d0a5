"""What happens when a text arrives or a provider reports a delivery status.

``receive_sms`` stores the text (once per provider id), acts on STOP/START/HELP in
English and Spanish (and on a request to stop in one's own words: ``keywords``), sends a
text that may ask to stop without saying so clearly to the inbox for review (never to
another area), puts everything else in the organization's shared inbox and on
the person's timeline, and tells other areas (``signals.inbound_message_received``).
A number nobody has becomes a new person to review, except when it texted a confidential
number (a rapid-response hotline): a reporter is kept on no one's record, and answers go
to the number itself (``reply_address``). ``record_status`` applies a status
callback to the outbox row named by its client reference (or provider id).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Organization
from groundswell.messaging import keywords, providers
from groundswell.messaging.models import (
    CONFIDENTIAL,
    Channel,
    Conversation,
    InboundMessage,
    Message,
    Suppression,
)
from groundswell.messaging.policy import OPT_OUT_CONFIRMATION
from groundswell.messaging.providers import provider_confirms_opt_out
from groundswell.messaging.services import enqueue_sms, settings_for
from groundswell.messaging.signals import inbound_message_received, message_status_changed
from groundswell.people.models import Consent, ContactPoint, Interaction, Person
from groundswell.people.normalize import NormalizationError, normalize_phone, phone_last_four
from groundswell.people.services.records import (
    create_person,
    phone_index,
    record_consent,
    record_interaction,
    withdraw_consent,
)

logger = logging.getLogger(__name__)

MAX_INBOUND_CHARS = 1600


class UnknownMessage(InvalidInput):
    """A status callback for a message we never sent."""


# --- suppression ---------------------------------------------------------------------------


def suppress_address(org: Organization, channel: str, address_index: str, *, source: str,
                     withdrawn: list[str] | None = None) -> Suppression:
    """Put an address on the organization's suppression list (all senders, all
    purposes); queued messages to it are refused when their turn comes."""
    with transaction.atomic():
        row, created = Suppression.objects.get_or_create(
            organization=org, channel=channel, address_index=address_index,
            defaults={"source": source, "withdrawn_purposes": withdrawn or []})
        if not created:
            row.source = source
            row.lifted_at = None
            row.withdrawn_purposes = sorted(set(row.withdrawn_purposes) | set(withdrawn or []))
            row.save(update_fields=["source", "lifted_at", "withdrawn_purposes"])
        audit.record("messaging.optout.added", organization=org, obj=row,
                     data={"channel": channel, "source": source})
    return row


# --- inbound texts -------------------------------------------------------------------------


@dataclass
class Received:
    message: InboundMessage
    created: bool
    reply: Message | None = None


def _people_with(org: Organization, index: str) -> list[ContactPoint]:
    return list(ContactPoint.objects.filter(organization=org, kind=ContactPoint.Kind.PHONE,
                                            value_index=index)
                .select_related("person").order_by("-is_primary", "pk"))


def new_contact_for_number(org: Organization, e164: str) -> ContactPoint:
    """A number nobody has: a new person named after it, to review in the inbox (the
    rapid-response area calls it when such a number texts JOIN to its hotline). The
    thread with that number, if it has no person yet, becomes theirs."""
    with translation.override(org.default_language):
        name = _("Unknown number")
    person = create_person(None, organization=org, given_name=name,
                           family_name=f"…{phone_last_four(e164)}", phone=e164)
    contact = person.contacts.get()
    Conversation.objects.filter(organization=org, address_index=contact.value_index,
                                person__isnull=True).update(person=person, contact=contact)
    return contact


def _language(person: Person | None, body: str, org: Organization) -> str:
    spoken = keywords.language_of(body)
    if spoken:
        return spoken
    if person is not None and person.language in ("en", "es"):
        return person.language
    return org.default_language


# Checks, registered by other areas, of whether a number of the organization receives
# texts that must stay out of the shared record: a rapid-response hotline, where who
# reported a sighting and what they wrote belong to that area's dispatchers alone (and
# to its purge), never to the inbox or to the reporter's timeline.
ConfidentialCheck = Callable[[Organization, str], bool]
KEYWORD_KINDS = (keywords.STOP, keywords.START, keywords.HELP)
_confidential_checks: list[ConfidentialCheck] = []


def register_confidential_number(check: ConfidentialCheck) -> None:
    """``check(organization, to_number)`` returns True for a confidential number."""
    if check not in _confidential_checks:
        _confidential_checks.append(check)


def is_confidential(organization: Organization, to_number: str) -> bool:
    return any(check(organization, to_number) for check in _confidential_checks)


def receive_sms(organization: Organization, *, from_number: str, to_number: str, body: str,
                provider_sid: str) -> Received:
    """Store and act on one incoming text. Bad input raises InvalidInput and changes
    nothing; the same provider id twice is stored once."""
    org = organization
    provider_sid = (provider_sid or "").strip()
    if not provider_sid or len(provider_sid) > 64:
        raise InvalidInput("MessageSid", "MessageSid is missing.")
    if body is None:
        raise InvalidInput("Body", "Body is missing.")
    if len(body) > MAX_INBOUND_CHARS:
        raise InvalidInput("Body", "Body is too long.")
    try:
        e164 = normalize_phone(from_number or "", settings.PHONE_REGION)
    except NormalizationError:
        raise InvalidInput("From", "From is not a phone number.") from None
    index = phone_index(e164)
    existing = InboundMessage.objects.filter(organization=org, provider_sid=provider_sid).first()
    if existing is not None:
        return Received(existing, False)
    kind = keywords.classify(body)
    # A text that may ask to stop but does not say so clearly is for a person to read in
    # the inbox: not an opt-out, not handed to another area (on a hotline it would be
    # taken for a sighting report), whatever number it was sent to.
    unclear = not kind and keywords.unclear(body)
    confidential = is_confidential(org, to_number or "") and not unclear
    with transaction.atomic():
        contacts = _people_with(org, index)
        unknown = not contacts
        if unknown and not confidential:
            contacts = [new_contact_for_number(org, e164)]
        # A number nobody has that texts a confidential number (a hotline reporter, a
        # STOP) is kept on no one's record: the area that owns the number decides.
        contact = contacts[0] if contacts else None
        person = contact.person if contact is not None else None
        hidden = confidential and kind not in KEYWORD_KINDS
        conversation, _created = Conversation.objects.get_or_create(
            organization=org, address_index=index,
            defaults={"person": person, "contact": contact,
                      "needs_review": (unknown or unclear) and not hidden
                      and person is not None})
        if unclear and not conversation.needs_review:
            conversation.needs_review = True
            conversation.save(update_fields=["needs_review"])
        if conversation.person_id is None and person is not None:
            conversation.person, conversation.contact = person, contact
            conversation.save(update_fields=["person", "contact"])
        try:
            with transaction.atomic():
                inbound = InboundMessage.objects.create(
                    organization=org, conversation=conversation, person=person,
                    from_address=e164, from_index=index, to_number=(to_number or "")[:40],
                    body="" if hidden else body, provider_sid=provider_sid, keyword=kind,
                    handled_by=CONFIDENTIAL if hidden else "")
        except IntegrityError:  # the same text delivered twice at once
            return Received(InboundMessage.objects.get(organization=org,
                                                       provider_sid=provider_sid), False)
        if not hidden:
            conversation.last_message_at = inbound.received_at
            conversation.unread += 1
            conversation.save(update_fields=["last_message_at", "unread"])
        result = Received(inbound, True)
        if kind == keywords.STOP:
            newly = _opt_out(org, contacts, index)
            if newly and not provider_confirms_opt_out(keywords.word_of(body)):
                result.reply = _opt_out_confirmation(org, person, contact, conversation,
                                                     inbound, body)
            conversation.unread -= 1
            conversation.save(update_fields=["unread"])
        elif kind == keywords.START:
            _opt_in(org, contacts, index)
            conversation.unread -= 1
            conversation.save(update_fields=["unread"])
        elif kind == keywords.HELP:
            result.reply = _help_reply(org, person, contact, conversation, inbound, body)
            conversation.unread -= 1
            conversation.save(update_fields=["unread"])
        elif hidden:
            # Handed to the area that owns the number; nothing readable stays here.
            _notify(org, person, contact, body, inbound)
        else:
            for one in contacts:
                record_interaction(None, one.person, kind=Interaction.Kind.TEXT,
                                   summary=body, organization=org,
                                   source=("messaging.inboundmessage", str(inbound.pk)))
            if not unclear:
                _notify(org, person, contact, body, inbound)
        audit.record("messaging.inbound.received", organization=org, obj=inbound,
                     data={"keyword": kind, "confidential": True} if confidential else
                     {"person": person.pk, "keyword": kind,  # type: ignore[union-attr]
                      "unknown": unknown, "unclear": unclear})
    return result


def _opt_out(org: Organization, contacts: list[ContactPoint], index: str) -> bool:
    """Returns whether the number was not opted out already (a repeated STOP is not
    confirmed again)."""
    already = Suppression.objects.filter(organization=org, channel=Channel.SMS,
                                         address_index=index, lifted_at__isnull=True).exists()
    withdrawn: set[str] = set()
    now = timezone.now()
    for contact in contacts:
        withdrawn |= set(Consent.objects.filter(
            organization=org, person=contact.person, channel=Consent.Channel.SMS,
            withdrawn_at__isnull=True).values_list("purpose", flat=True))
        withdraw_consent(None, contact.person, channel=Consent.Channel.SMS, organization=org)
        contact.opted_out_at = now
        contact.save(update_fields=["opted_out_at"])
    suppress_address(org, Channel.SMS, index, source=Suppression.Source.KEYWORD,
                     withdrawn=sorted(withdrawn))
    Message.objects.filter(organization=org, channel=Channel.SMS, to_index=index,
                           status=Message.Status.QUEUED).exclude(
        purpose=OPT_OUT_CONFIRMATION).update(
        status=Message.Status.SUPPRESSED, reason=Message.Reason.OPTED_OUT)
    return not already


def _opt_in(org: Organization, contacts: list[ContactPoint], index: str) -> None:
    row = Suppression.objects.filter(organization=org, channel=Channel.SMS,
                                     address_index=index).first()
    purposes = list(row.withdrawn_purposes) if row else []
    if row is not None and row.lifted_at is None:
        row.lifted_at = timezone.now()
        row.save(update_fields=["lifted_at"])
        audit.record("messaging.optout.lifted", organization=org, obj=row,
                     data={"channel": Channel.SMS})
    for contact in contacts:
        if contact.opted_out_at is not None:
            contact.opted_out_at = None
            contact.save(update_fields=["opted_out_at"])
        for purpose in purposes:
            record_consent(None, contact.person, channel=Consent.Channel.SMS, purpose=purpose,
                           source=Consent.Source.SMS, wording="START", organization=org)


def _help_reply(org: Organization, person: Person | None, contact: ContactPoint | None,
                conversation: Conversation, inbound: InboundMessage, body: str) -> Message:

    language = _language(person, body, org)
    config = settings_for(org)
    text = config.help_text_es if language == "es" else config.help_text_en
    text = text or config.help_text_en or config.help_text_es
    if not text:
        with translation.override(language):
            text = _("%(organization)s: texts about our work in the neighborhood. "
                     "Reply STOP to stop, START to start again.") % {"organization": org.name}
    return enqueue_sms(None, organization=org, person=person, contact=contact,
                       purpose="reply", cause_key=f"help:{inbound.pk}", body=text,
                       conversation=conversation, emergency=True,
                       address=reply_address(inbound), language=language)


def _opt_out_confirmation(org: Organization, person: Person | None,
                          contact: ContactPoint | None,
                          conversation: Conversation, inbound: InboundMessage,
                          body: str) -> Message:
    """The one text carriers expect after an opt-out, in the language of the word used
    (BAJA is answered in Spanish), saying how to come back."""

    language = _language(person, body, org)
    with translation.override(language):
        text = _("%(organization)s: you are unsubscribed and will get no more texts from "
                 "us. Reply START to get them again.") % {"organization": org.name}
    return enqueue_sms(None, organization=org, person=person, contact=contact,
                       purpose=OPT_OUT_CONFIRMATION, cause_key=f"stop:{inbound.pk}",
                       body=text, conversation=conversation, emergency=True,
                       address=reply_address(inbound), language=language)


def reply_address(inbound: InboundMessage) -> tuple[str, str]:
    """Where an answer to ``inbound`` goes: the number it came from, whether or not it
    belongs to someone on record."""
    return inbound.from_address, inbound.from_index


def _notify(org: Organization, person: Person | None, contact: ContactPoint | None, body: str,
            inbound: InboundMessage) -> None:
    responses = inbound_message_received.send_robust(
        sender=InboundMessage, organization=org, person=person, contact=contact, body=body,
        message=inbound)
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error("A receiver of inbound texts failed (%s: %s)",
                         getattr(receiver, "__qualname__", receiver),
                         type(response).__name__)
        elif isinstance(response, str) and response and not inbound.handled_by:
            inbound.handled_by = response[:40]
            inbound.save(update_fields=["handled_by"])


# --- delivery status -------------------------------------------------------------------------

STATUS_MAP = {
    "queued": None, "accepted": None, "scheduled": None, "sending": None,
    "sent": Message.Status.SENT, "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED, "undelivered": Message.Status.FAILED,
    "failed": Message.Status.FAILED, "canceled": Message.Status.FAILED,
}
# A later state never goes back to an earlier one.
RANK = {Message.Status.QUEUED: 0, Message.Status.SENDING: 1, Message.Status.SENT: 2,
        Message.Status.DELIVERED: 3, Message.Status.FAILED: 3, Message.Status.SUPPRESSED: 3,
        Message.Status.CANCELLED: 3}


def record_status(organization: Organization, *, status: str, provider_sid: str = "",
                  client_reference: str = "", error_code: str = "") -> Message:
    """Apply a delivery report. Raises InvalidInput for an unknown status and
    UnknownMessage when no message of this organization matches."""

    status = (status or "").strip().lower()
    if status not in STATUS_MAP:
        raise InvalidInput("MessageStatus", "MessageStatus is missing or unknown.")
    message = None
    if client_reference:
        try:
            ref = uuid.UUID(client_reference)
        except ValueError:
            raise UnknownMessage("ref", "No message has that reference.") from None
        message = Message.objects.filter(organization=organization,
                                         client_reference=ref).first()
    elif provider_sid:
        message = Message.objects.filter(organization=organization,
                                         provider_sid=provider_sid[:64]).first()
    if message is None:
        raise UnknownMessage("MessageSid", "No message of this organization has that id.")
    new = STATUS_MAP[status]
    if new is None:
        return message
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if RANK[new] <= RANK[message.status] and not (
                message.status == Message.Status.SENT and new == Message.Status.FAILED):
            return message
        now = timezone.now()
        message.status = new
        fields = ["status"]
        if provider_sid and not message.provider_sid:
            message.provider_sid = provider_sid[:64]
            fields.append("provider_sid")
        if message.lease_token:
            message.lease_token, message.lease_expires_at = "", None
            fields += ["lease_token", "lease_expires_at"]
        if new == Message.Status.SENT and not message.sent_at:
            message.sent_at = now
            fields.append("sent_at")
        if new == Message.Status.DELIVERED:
            message.delivered_at = now
            message.sent_at = message.sent_at or now
            fields += ["delivered_at", "sent_at"]
        if new == Message.Status.FAILED:
            code = (error_code or "")[:20]
            error = providers.classify(code, 400) if code else None
            message.failed_at, message.error_code = now, code
            message.reason = getattr(error, "reason", "provider_error")
            fields += ["failed_at", "error_code", "reason"]
            if message.reason == "carrier_opt_out":
                message.status = Message.Status.SUPPRESSED
                suppress_address(organization, message.channel, message.to_index,
                                 source=Suppression.Source.CARRIER)
        message.save(update_fields=sorted(set(fields)))
        if message.status in (Message.Status.DELIVERED, Message.Status.FAILED,
                              Message.Status.SUPPRESSED):
            transaction.on_commit(lambda: message_status_changed.send(sender=Message,
                                                                      message=message))
    return message
