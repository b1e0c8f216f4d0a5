"""The rapid-response side of the messaging outbox: every text this area sends goes
through ``messaging.services.enqueue_many`` (consent and opt-outs enforced there, for
purpose "rapid_response"; emergency: quiet hours never hold an alert back), in the
caller's transaction. Alerts keep their nearest-first order through the outbox's
``priority``. Answers to a resident's own text (a report received, a reply to an
unknown request) use the outbox's "reply" purpose, which needs no consent but only
reaches a number that texted the organization.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Min

from groundswell.core.models import Organization
from groundswell.people.models import ContactPoint, Person

PURPOSE = "rapid_response"


@dataclass(frozen=True)
class Outgoing:
    person_id: int
    body: str
    cause_key: str
    priority: int = 0


def send_many(organization: Organization, items: list[Outgoing]) -> list[int | None]:
    """Queue one text per item (the item's own body), in priority order; returns the
    outbox message ids in the same order (None when two items shared a number)."""
    from groundswell.messaging import services as messaging

    if not items:
        return []
    people = {p.pk: p for p in Person.objects.filter(pk__in=[i.person_id for i in items])}
    # One call per cause key prefix is not needed: cause keys are per recipient, so the
    # outbox's (cause, recipient) uniqueness makes a repeated call harmless.
    by_cause: dict[str, list[Outgoing]] = defaultdict(list)
    for item in items:
        by_cause[_cause_group(item.cause_key)].append(item)
    ids: dict[str, int] = {}
    for group, group_items in by_cause.items():
        result = messaging.enqueue_many(
            None, organization=organization, channel="sms", purpose=PURPOSE,
            cause_key=group, emergency=True, body_en=_no_fields(group_items[0].body),
            recipients=[messaging.Recipient(people[i.person_id], i.priority, None,
                                            _no_fields(i.body))
                        for i in group_items])
        by_person = {m.person_id: m.pk for m in result.messages}
        for item in group_items:
            if item.person_id in by_person:
                ids[item.cause_key] = by_person[item.person_id]
    return [ids.get(item.cause_key) for item in items]


def _no_fields(text: str) -> str:
    # Every recipient carries its own body; the shared one is only the outbox's
    # required fallback, and must not look like a merge field.
    return text.replace("{", "(").replace("}", ")")


def _cause_group(cause_key: str) -> str:
    """Alert messages share one cause (the alert) so that the outbox writes them in one
    batch; the outbox keeps one row per (cause, recipient)."""
    if cause_key.startswith("rr-alert-"):
        return cause_key.rsplit("-", 1)[0]
    return cause_key


def send_to_person(organization: Organization, *, person: Person, body: str, cause_key: str,
                   priority: int = 0) -> int | None:
    return send_many(organization, [Outgoing(person.pk, body, cause_key, priority)])[0]


def send_reply(organization: Organization, *, contact: ContactPoint | None, body: str,
               cause_key: str) -> int | None:
    """An answer to the number that just texted us (purpose "reply")."""
    from groundswell.messaging import services as messaging

    if contact is None:
        return None
    message = messaging.enqueue_sms(None, organization=organization, person=contact.person,
                                    contact=contact, purpose="reply", cause_key=cause_key,
                                    body=body, emergency=True)
    return message.pk


def _messages(organization: Organization) -> Any:
    from groundswell.messaging.models import Message

    return Message.objects.filter(organization=organization)


def status_counts(organization: Organization,
                  alert_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """Per alert, how many of its texts are queued, sent, delivered, failed or not sent
    (suppressed: opted out or no consent), as (label, count) in the reader's language."""
    from groundswell.messaging.models import Message
    from groundswell.rapidresponse.models import AlertRecipient

    rows = list(AlertRecipient.objects.filter(alert_id__in=list(alert_ids))
                .exclude(message_id=None).values_list("alert_id", "message_id"))
    if not rows:
        return {}
    status_of = dict(_messages(organization).filter(pk__in=[m for _a, m in rows])
                     .values_list("pk", "status"))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for alert_id, message_id in rows:
        counts[alert_id][status_of.get(message_id, "gone")] += 1
    labels = dict(Message.Status.choices)
    return {alert: [(str(labels.get(status, status)), n) for status, n in sorted(c.items())]
            for alert, c in counts.items()}


def first_delivery(organization: Organization, message_ids: list[int]) -> datetime | None:
    """When the first of these texts left for the carrier (sent) or arrived."""
    if not message_ids:
        return None
    found = _messages(organization).filter(pk__in=message_ids).aggregate(
        sent=Min("sent_at"), delivered=Min("delivered_at"))
    times = [t for t in (found["sent"], found["delivered"]) if t is not None]
    return min(times) if times else None


def first_deliveries(network: Any) -> dict[int, datetime]:
    """First delivery per incident whose report still exists (for the review)."""
    from groundswell.rapidresponse.models import AlertRecipient

    pairs = list(AlertRecipient.objects.filter(alert__network=network, alert__report__isnull=False)
                 .exclude(message_id=None).values_list("alert__report__incident_id",
                                                       "message_id"))
    if not pairs:
        return {}
    sent = dict(_messages(network.organization).filter(pk__in=[m for _i, m in pairs])
                .exclude(sent_at=None).values_list("pk", "sent_at"))
    result: dict[int, datetime] = {}
    for incident_id, message_id in pairs:
        at = sent.get(message_id)
        if at is not None and (incident_id not in result or at < result[incident_id]):
            result[incident_id] = at
    return result


def forget_messages(organization: Organization, message_ids: list[int]) -> int:
    """Delete the outbox rows of purged alerts (they hold the recipient and the
    place); only rows already handed to the provider or finished, never one in flight:
    a queued one is cancelled first."""
    if not message_ids:
        return 0
    from groundswell.messaging.models import Message

    qs = _messages(organization).filter(pk__in=message_ids)
    qs.filter(status=Message.Status.SENDING).update(lease_token="")
    deleted, _rows = qs.exclude(status=Message.Status.SENDING).delete()
    return deleted
