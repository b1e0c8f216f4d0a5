"""Messages composed on screen: to a saved list or a search (a broadcast), replies in
an inbox conversation, and the organization's messaging settings. Each operation is
permission-checked, runs in one transaction and is audited; the outbox
(``services.enqueue_many``) does the queueing and the consent checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.messaging import policy, segments, services
from groundswell.messaging.models import (
    CONFIDENTIAL,
    Broadcast,
    Channel,
    Conversation,
    Message,
    MessagingSettings,
)
from groundswell.people.models import Interaction, Person, SavedList
from groundswell.people.services.records import record_interaction

MAX_RECIPIENTS = 20_000
PREVIEW_ROWS = 50


@dataclass
class Draft:
    channel: str
    purpose: str
    body_en: str = ""
    body_es: str = ""
    subject: str = ""
    emergency: bool = False
    send_at: datetime | None = None
    saved_list: SavedList | None = None
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class Preview:
    total: int
    sending: int
    excluded: dict[str, int]
    rows: list[Message]  # the first rows, each with its status and reason
    segments_en: segments.SegmentCount | None
    segments_es: segments.SegmentCount | None
    segments_total: int
    cost_cents: Decimal

    @property
    def excluded_labels(self) -> list[tuple[str, int]]:
        labels = dict(Message.Reason.choices)
        return [(str(labels.get(reason, reason)), count)
                for reason, count in sorted(self.excluded.items())]


def _check_draft(draft: Draft) -> None:
    if draft.channel not in Channel.values:
        raise InvalidInput("channel", _("Choose text message or email."))
    if draft.purpose not in policy.PURPOSES or draft.purpose == policy.REPLY:
        raise InvalidInput("purpose", _("Choose what the message is for."))
    if not draft.body_en.strip() and not draft.body_es.strip():
        raise InvalidInput("body_en", _("Write the message in English, Spanish or both."))
    if draft.channel == Channel.EMAIL and not draft.subject.strip():
        raise InvalidInput("subject", _("An email needs a subject."))
    if draft.send_at is not None and draft.send_at < timezone.now() - timezone.timedelta(
            minutes=1):
        raise InvalidInput("send_at", _("That time has passed."))


def _people(people: QuerySet[Person]) -> list[Person]:
    chosen = list(people.order_by("pk")[:MAX_RECIPIENTS + 1])
    if not chosen:
        raise InvalidInput("audience", _("Nobody is on that list."))
    if len(chosen) > MAX_RECIPIENTS:
        raise InvalidInput("audience", _("That is more than %(max)s people: narrow the list.")
                           % {"max": f"{MAX_RECIPIENTS:,}"})
    return chosen


def _plan(actor: Membership, draft: Draft, people: list[Person],
          broadcast: Broadcast | None = None) -> services.Plan:
    return services.plan_messages(
        actor, channel=draft.channel, purpose=draft.purpose, cause_key="preview",
        recipients=[services.Recipient(p) for p in people], body_en=draft.body_en,
        body_es=draft.body_es, subject=draft.subject, emergency=draft.emergency,
        send_at=draft.send_at, broadcast=broadcast)


def preview_broadcast(actor: Membership, draft: Draft, people: QuerySet[Person]) -> Preview:
    """Who would get it and who would not, with the reasons; segments and cost."""
    require(actor, "messaging.send")
    _check_draft(draft)
    plan = _plan(actor, draft, _people(people))
    sending = plan.sending
    total_segments = sum(m.segments for m in sending)
    per_segment = Decimal(str(services.settings_for(actor.organization).cost_per_segment_cents))
    cost = Decimal(total_segments) * per_segment if draft.channel == Channel.SMS else Decimal(0)
    en = segments.count(draft.body_en) if draft.body_en.strip() else None
    es = segments.count(draft.body_es) if draft.body_es.strip() else None
    rows = sorted(plan.rows, key=lambda m: (m.status == Message.Status.QUEUED, m.person_id))
    return Preview(len(plan.rows), len(sending), plan.excluded(), rows[:PREVIEW_ROWS],
                   en, es, total_segments, cost.quantize(Decimal("0.01")))


def create_broadcast(actor: Membership, draft: Draft, people: QuerySet[Person]) -> Broadcast:
    """Queue the message for everyone on the list now (or at ``send_at``): one outbox
    row per recipient, those refused kept with their reason."""
    require(actor, "messaging.send")
    _check_draft(draft)
    chosen = _people(people)
    org = actor.organization
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            organization=org, channel=draft.channel, purpose=draft.purpose,
            subject=draft.subject.strip()[:200], body_en=draft.body_en.strip(),
            body_es=draft.body_es.strip(), saved_list=draft.saved_list,
            audience={"saved_list": draft.saved_list.pk} if draft.saved_list
            else {"filters": draft.filters},
            emergency=draft.emergency, send_at=draft.send_at,
            status=Broadcast.Status.SCHEDULED if draft.send_at and draft.send_at >
            timezone.now() else Broadcast.Status.QUEUED, created_by=actor.user)
        broadcast.cause_key = f"broadcast:{broadcast.pk}"
        result = services.enqueue_many(
            actor, channel=draft.channel, purpose=draft.purpose, cause_key=broadcast.cause_key,
            recipients=[services.Recipient(p) for p in chosen], body_en=draft.body_en,
            body_es=draft.body_es, subject=draft.subject, emergency=draft.emergency,
            send_at=draft.send_at, broadcast=broadcast)
        broadcast.recipients = result.queued
        broadcast.excluded = sum(result.suppressed.values())
        broadcast.save(update_fields=["cause_key", "recipients", "excluded"])
        audit.record("messaging.broadcast.created", by=actor,
                     obj=broadcast, data={"channel": draft.channel, "purpose": draft.purpose,
                                          "recipients": broadcast.recipients,
                                          "excluded": broadcast.excluded,
                                          "scheduled": draft.send_at is not None})
    return broadcast


def cancel_broadcast(actor: Membership, broadcast: Broadcast) -> int:
    """Cancel what has not been handed to a provider yet."""
    require(actor, "messaging.send")
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status == Broadcast.Status.CANCELLED:
            raise InvalidInput("broadcast", _("It is already cancelled."))
        cancelled = Message.objects.filter(broadcast=broadcast,
                                           status=Message.Status.QUEUED).update(
            status=Message.Status.CANCELLED)
        if not cancelled:
            raise InvalidInput("broadcast", _("Everything was already sent: nothing to "
                                              "cancel."))
        broadcast.status = Broadcast.Status.CANCELLED
        broadcast.save(update_fields=["status"])
        audit.record("messaging.broadcast.cancelled", by=actor, obj=broadcast,
                     data={"cancelled": cancelled})
    return cancelled


def status_counts(broadcast: Broadcast) -> dict[str, int]:
    counts = {status: 0 for status in Message.Status.values}
    for status in broadcast.messages.values_list("status", flat=True):
        counts[status] += 1
    return counts


# --- the inbox -----------------------------------------------------------------------------


def reply(actor: Membership, conversation: Conversation, body: str) -> Message:
    """A member's answer in a conversation: a "reply" (no consent record needed, only to
    a number that texted us), threaded and on the person's timeline."""

    require(actor, "messaging.reply")
    body = (body or "").strip()
    services.check_sms_body(body)
    with transaction.atomic():
        message = services.enqueue_sms(
            actor, person=conversation.person, contact=conversation.contact, purpose="reply",
            cause_key=f"reply:{conversation.pk}:{timezone.now().timestamp():.6f}", body=body,
            conversation=conversation, emergency=True)
        if message.status != Message.Status.QUEUED:
            raise InvalidInput("body", _("This number cannot be texted: %(reason)s.")
                               % {"reason": message.get_reason_display()})
        conversation.unread = 0
        conversation.last_message_at = message.created_at
        conversation.save(update_fields=["unread", "last_message_at"])
        record_interaction(None, conversation.person, kind=Interaction.Kind.TEXT,
                           summary=body, organization=actor.organization,
                           source=("messaging.message", str(message.pk)))
    return message


def mark_read(actor: Membership, conversation: Conversation) -> None:
    require(actor, "messaging.view")
    if conversation.unread or conversation.needs_review:
        with transaction.atomic():
            conversation.unread = 0
            conversation.save(update_fields=["unread"])
            audit.record("messaging.conversation.read", by=actor, obj=conversation)


def mark_reviewed(actor: Membership, conversation: Conversation) -> None:
    require(actor, "messaging.reply")
    with transaction.atomic():
        conversation.needs_review = False
        conversation.save(update_fields=["needs_review"])
        audit.record("messaging.conversation.read", by=actor, obj=conversation,
                     data={"reviewed": True})


def thread(conversation: Conversation) -> list[dict[str, Any]]:
    """Texts both ways, oldest first."""
    items: list[dict[str, Any]] = [
        {"at": m.received_at, "incoming": True, "body": m.body, "keyword": m.keyword,
         "handled_by": m.handled_by}
        for m in conversation.inbound.exclude(handled_by=CONFIDENTIAL)]
    items += [{"at": m.created_at, "incoming": False, "body": m.body, "status": m.status,
               "status_label": m.get_status_display(), "reason": m.get_reason_display()
               if m.reason else ""}
              for m in Message.objects.filter(organization=conversation.organization,
                                              to_index=conversation.address_index,
                                              channel=Channel.SMS)
              .order_by("-created_at")[:200]]
    return sorted(items, key=lambda item: item["at"])


# --- settings ------------------------------------------------------------------------------


def save_settings(actor: Membership, *, help_text_en: str, help_text_es: str,
                  quiet_start: time, quiet_end: time,
                  cost_per_segment_cents: Decimal) -> MessagingSettings:
    require(actor, "messaging.configure")
    for name, text in (("help_text_en", help_text_en), ("help_text_es", help_text_es)):
        if len(text) > 600:
            raise InvalidInput(name, _("That is too long (600 characters at most)."))
        if text.strip():
            services.check_sms_body(text, name)
    if cost_per_segment_cents < 0 or cost_per_segment_cents > 100:
        raise InvalidInput("cost_per_segment_cents", _("Enter a cost between 0 and 100 cents."))
    with transaction.atomic():
        config, _created = MessagingSettings.objects.get_or_create(
            organization=actor.organization)
        config.help_text_en, config.help_text_es = help_text_en.strip(), help_text_es.strip()
        config.quiet_start, config.quiet_end = quiet_start, quiet_end
        config.cost_per_segment_cents = cost_per_segment_cents
        config.save()
        audit.record("messaging.settings.changed", by=actor, obj=config)
    return config
