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

from django.db.models import Count, Min

from groundswell.core.models import Organization
from groundswell.messaging import services as messaging
from groundswell.messaging.inbound import reply_address
from groundswell.messaging.models import Message
from groundswell.people.models import ContactPoint, Person
from groundswell.rapidresponse.models import Alert

PURPOSE = "rapid_response"


@dataclass(frozen=True)
class Outgoing:
    person_id: int
    body: str
    priority: int = 0


def alert_cause(alert_id: int) -> str:
    """The outbox cause of an alert's texts: one per alert, so the outbox keeps one
    row per (alert, recipient) and the alert's texts are found again by it."""
    return f"rr-alert-{alert_id}"


def send_many(organization: Organization, cause_key: str, items: list[Outgoing]) -> int:
    """Queue one text per item (its own body) under one cause, in priority order;
    returns how many rows the outbox holds for them (queued or refused with a reason:
    no consent, opted out)."""
    plan = plan_many(organization, cause_key, items)
    return queue_planned(plan) if plan is not None else 0


def plan_many(organization: Organization, cause_key: str, items: list[Outgoing]) -> Any:
    """The outbox's plan for ``items`` (``messaging.services.plan_messages``: texts,
    addresses, consent and opt-outs), written by ``queue_planned``; reads only, so a
    large alert is planned outside the transaction that writes it."""

    if not items:
        return None
    # Only what planning reads: the organization and the language (each item carries
    # its own text, so no merge field is filled in).
    people = {p.pk: p for p in Person.objects.filter(pk__in=[i.person_id for i in items])
              .only("pk", "organization_id", "language")}
    return messaging.plan_messages(
        None, organization=organization, channel="sms", purpose=PURPOSE,
        cause_key=cause_key, emergency=True, body_en=_no_fields(items[0].body),
        recipients=[messaging.Recipient(people[i.person_id], i.priority, None,
                                        _no_fields(i.body)) for i in items])


def queue_planned(plan: Any, *, recheck: bool = False) -> int:
    """Write a plan from ``plan_many`` (``recheck``: consent and opt-outs asked again in
    this transaction, for a plan made outside it); returns how many rows the outbox
    holds for it."""

    if plan is None:
        return 0
    return messaging.queue_plan(None, plan, recheck=recheck, load=False).total


def _no_fields(text: str) -> str:
    # Every recipient carries its own body; the shared one is only the outbox's
    # required fallback, and must not look like a merge field.
    return text.replace("{", "(").replace("}", ")")


def send_to_person(organization: Organization, *, person: Person, body: str, cause_key: str,
                   priority: int = 0) -> int:
    return send_many(organization, cause_key, [Outgoing(person.pk, body, priority)])


def send_reply(organization: Organization, *, contact: ContactPoint | None, body: str,
               cause_key: str, inbound: Any = None, language: str = "") -> int | None:
    """An answer to the number that just texted us (purpose "reply"): ``inbound``'s
    number, which may belong to no one on record (a reporter), else ``contact``."""

    if inbound is not None:
        message = messaging.enqueue_sms(None, organization=organization,
                                        person=inbound.person, contact=contact,
                                        address=reply_address(inbound), language=language,
                                        purpose="reply", cause_key=cause_key, body=body,
                                        emergency=True)
        return message.pk
    if contact is None:
        return None
    message = messaging.enqueue_sms(None, organization=organization, person=contact.person,
                                    contact=contact, purpose="reply", cause_key=cause_key,
                                    body=body, emergency=True)
    return message.pk


def _messages(organization: Organization) -> Any:

    return Message.objects.filter(organization=organization)


def status_counts(organization: Organization,
                  alert_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """Per alert, how many of its texts are queued, sent, delivered, failed or not sent
    (suppressed: opted out or no consent), as (label, count) in the reader's language."""

    causes = {alert_cause(pk): pk for pk in alert_ids}
    if not causes:
        return {}
    labels = dict(Message.Status.choices)
    result: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for cause, status, n in (_messages(organization).filter(cause_key__in=list(causes))
                             .values_list("cause_key", "status").annotate(n=Count("pk"))
                             .order_by("cause_key", "status")):
        result[causes[cause]].append((str(labels.get(status, status)), n))
    return dict(result)


def first_delivery(organization: Organization, alert_ids: list[int]) -> datetime | None:
    """When the first of these alerts' texts left for the carrier (sent) or arrived."""
    if not alert_ids:
        return None
    found = _messages(organization).filter(
        cause_key__in=[alert_cause(pk) for pk in alert_ids]).aggregate(
        sent=Min("sent_at"), delivered=Min("delivered_at"))
    times = [t for t in (found["sent"], found["delivered"]) if t is not None]
    return min(times) if times else None


def first_deliveries(network: Any) -> dict[int, datetime]:
    """First text sent per incident whose report still exists (for the review)."""

    incident_of = {alert_cause(pk): incident for pk, incident in Alert.objects.filter(
        network=network, report__isnull=False).values_list("pk", "report__incident_id")}
    if not incident_of:
        return {}
    result: dict[int, datetime] = {}
    for cause, at in (_messages(network.organization).filter(
            cause_key__in=list(incident_of), sent_at__isnull=False)
            .values_list("cause_key").annotate(at=Min("sent_at"))):
        incident = incident_of[cause]
        if incident not in result or at < result[incident]:
            result[incident] = at
    return result


def forget_messages(organization: Organization, alert_ids: list[int]) -> int:
    """Delete the outbox rows of purged alerts (they hold the recipient and the
    place); a row being handed to the provider right now is left to finish."""
    if not alert_ids:
        return 0

    deleted, _rows = _messages(organization).filter(
        cause_key__in=[alert_cause(pk) for pk in alert_ids]).exclude(
        status=Message.Status.SENDING).delete()
    return deleted
