"""The outbox and everything around it: suppressions, inbound messages and the inbox.

Every outgoing message is a ``Message`` row written in the same transaction as the
action that caused it (``services.enqueue_sms`` / ``enqueue_email``). A sender process
claims rows with a lease, sends them with a client reference the provider honors, and
records the outcome. Recipients' numbers and bodies are encrypted at rest; rows are
found by the recipient's blind index, never by plaintext.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.crypto import EncryptedFieldsModel, EncryptedTextField
from groundswell.core.models import OrgOwned, scoped
from groundswell.people.models import ContactPoint, Person, SavedList


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")


class MessagingSettings(OrgOwned):
    """Per-organization choices: the HELP answer, quiet hours and the cost estimate."""

    help_text_en = models.TextField(
        _("help reply in English"), blank=True, max_length=600,
        help_text=_("Sent to someone who texts HELP or INFO."))
    help_text_es = models.TextField(
        _("help reply in Spanish"), blank=True, max_length=600,
        help_text=_("Sent to someone who texts AYUDA."))
    quiet_start = models.TimeField(_("quiet hours start"), default="21:00")
    quiet_end = models.TimeField(_("quiet hours end"), default="08:00")
    cost_per_segment_cents = models.DecimalField(
        _("cost per segment (cents)"), max_digits=6, decimal_places=3, default="0.830")

    objects = scoped()

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")
        constraints = [models.UniqueConstraint(fields=["organization"],
                                               name="messaging_settings_one")]

    def __str__(self) -> str:
        return f"messaging settings {self.organization_id}"


class Broadcast(OrgOwned, EncryptedFieldsModel):
    """A message composed once and sent to many people: one ``Message`` per recipient."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Sending")
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=20)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_en = EncryptedTextField(_("message in English"), blank=True)
    body_es = EncryptedTextField(_("message in Spanish"), blank=True)
    audience = models.JSONField(default=dict)  # {"saved_list": id} or {"filters": {...}}
    saved_list = models.ForeignKey(SavedList, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    emergency = models.BooleanField(_("emergency alert"), default=False)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cause_key = models.CharField(max_length=120, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"


class Conversation(OrgOwned):
    """The thread with one phone number (and the person it belongs to). A number that
    belongs to no one on record and texted a confidential number (a rapid-response
    hotline) has no person: a reporter is never added to the people list."""

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    contact = models.ForeignKey(ContactPoint, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    address_index = models.CharField(max_length=64, db_index=True)
    last_message_at = models.DateTimeField(default=timezone.now)
    unread = models.PositiveIntegerField(default=0)
    needs_review = models.BooleanField(_("unknown number to review"), default=False)

    objects = scoped()

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [models.UniqueConstraint(fields=["organization", "address_index"],
                                               name="conversation_unique_address")]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Message(OrgOwned, EncryptedFieldsModel):
    """One outgoing message to one recipient: the outbox row."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        NO_CONSENT = "no_consent", _("No consent for this purpose")
        OPTED_OUT = "opted_out", _("Opted out (STOP)")
        NO_CONTACT = "no_contact", _("No phone or email to reach them")
        CARRIER_OPT_OUT = "carrier_opt_out", _("The carrier says they opted out")
        INVALID_NUMBER = "invalid_number", _("The number cannot receive texts")
        PROVIDER_ERROR = "provider_error", _("The provider refused the message")
        TOO_MANY_ATTEMPTS = "too_many_attempts", _("Gave up after several attempts")
        FORGOTTEN = "forgotten", _("The person was removed")

    OPEN_STATES = (Status.SCHEDULED, Status.QUEUED, Status.SENDING)

    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=20)
    emergency = models.BooleanField(default=False)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    contact = models.ForeignKey(ContactPoint, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="messages")
    conversation = models.ForeignKey(Conversation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="messages")
    # The address as it was when queued (the contact may change), and its blind index
    # (the same HMAC as ContactPoint.value_index) for suppression and uniqueness.
    to_address = EncryptedTextField()
    to_index = models.CharField(max_length=64, db_index=True)
    language = models.CharField(max_length=8, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = EncryptedTextField()
    html_body = EncryptedTextField(blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    # Re-enqueueing the same (cause, recipient) finds this row instead of a new one.
    cause_key = models.CharField(max_length=120)
    client_reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    priority = models.IntegerField(default=0)  # claimed lowest first (nearest-first alerts)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_sid = models.CharField(max_length=64, blank=True, db_index=True)
    sender = models.CharField(max_length=40, blank=True)
    error_code = models.CharField(max_length=20, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [models.UniqueConstraint(fields=["organization", "cause_key", "to_index"],
                                               name="message_unique_cause_recipient")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "priority"],
                         name="message_claim"),
            models.Index(fields=["status", "lease_expires_at"], name="message_lease"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"


class Suppression(OrgOwned):
    """An address that must not be messaged on a channel, whatever the sender or purpose
    (STOP, a carrier opt-out). Lifted by START; the row stays for the record."""

    class Source(models.TextChoices):
        KEYWORD = "keyword", _("Replied STOP")
        CARRIER = "carrier", _("Carrier opt-out")
        STAFF = "staff", _("Recorded by staff")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address_index = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices)
    # Consent purposes the opt-out withdrew, to restore on START.
    withdrawn_purposes = models.JSONField(default=list)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [models.UniqueConstraint(fields=["organization", "channel",
                                                       "address_index"],
                                               name="suppression_unique_address")]

    def __str__(self) -> str:
        return f"suppression {self.pk}"


# InboundMessage.handled_by of a text to a confidential number (a rapid-response
# hotline): stored without its body and left out of the inbox and every thread.
CONFIDENTIAL = "confidential"


class InboundMessage(OrgOwned, EncryptedFieldsModel):
    """A text received from someone, with what was done about it."""

    class Keyword(models.TextChoices):
        NONE = "", _("Reply")
        STOP = "stop", _("Opt-out (STOP)")
        START = "start", _("Opt-in (START)")
        HELP = "help", _("Help request")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="inbound")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    from_address = EncryptedTextField()
    from_index = models.CharField(max_length=64, db_index=True)
    to_number = models.CharField(max_length=40, blank=True)  # our sender number
    body = EncryptedTextField(blank=True)
    provider_sid = models.CharField(max_length=64)
    keyword = models.CharField(max_length=10, choices=Keyword.choices, blank=True)
    handled_by = models.CharField(max_length=40, blank=True)  # an area that acted on it
    received_at = models.DateTimeField(default=timezone.now)

    objects = scoped()

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("received text")
        verbose_name_plural = _("received texts")
        constraints = [models.UniqueConstraint(fields=["organization", "provider_sid"],
                                               name="inbound_unique_sid")]

    def __str__(self) -> str:
        return f"inbound {self.pk}"
