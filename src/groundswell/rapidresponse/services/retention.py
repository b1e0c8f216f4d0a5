"""Retention: purging reports, one by one or once their time is up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from groundswell.core import audit
from groundswell.core.models import Membership, Organization
from groundswell.core.permissions import require
from groundswell.rapidresponse import outbound
from groundswell.rapidresponse.models import (
    Alert,
    Network,
    Report,
)
from groundswell.rapidresponse.services.base import _same_org
from groundswell.rapidresponse.services.reports import _locked

# --- retention ------------------------------------------------------------------------------


def _purge(report: Report, now: datetime) -> None:
    incident = report.incident
    incident.state = report.state
    incident.purged_at = now
    alert_ids = list(report.alerts.values_list("pk", flat=True))
    incident.first_delivery_at = incident.first_delivery_at or outbound.first_delivery(
        report.organization, alert_ids)
    incident.save(update_fields=["state", "purged_at", "first_delivery_at"])
    Report.objects.filter(duplicate_of=report).update(duplicate_of=None)
    report.delete()  # its requests, alerts and their recipients go with it
    outbound.forget_messages(report.organization, alert_ids)


def purge_report(actor: Membership, report: Report) -> int:
    """A dispatcher purges one report at once; the incident's counts stay."""
    require(actor, "rapidresponse.dispatch")
    _same_org(actor, report)
    with transaction.atomic():
        report = _locked(report)
        incident_id = report.incident_id
        _purge(report, timezone.now())
        audit.record("rapidresponse.report.purged", by=actor,
                     data={"incident": incident_id, "reports": 1})
    return incident_id


@dataclass(frozen=True)
class PurgeResult:
    reports: int
    alerts: int


def purge_expired(organization: Organization, now: datetime | None = None) -> PurgeResult:
    """Reports, their places, verification replies and recipient lists older than each
    network's retention period are deleted; Incident counts and times stay. Audited
    with counts only."""
    now = now or timezone.now()
    reports = alerts = 0
    for network in Network.objects.filter(organization=organization):
        cutoff = now - timedelta(days=network.retention_days)
        with transaction.atomic():
            old = list(Report.objects.filter(network=network, received_at__lt=cutoff)
                       .select_related("incident", "organization"))
            for report in old:
                _purge(report, now)
            loose = Alert.objects.filter(network=network, report__isnull=True,
                                         follows__isnull=True, sent_at__lt=cutoff)
            alert_ids = list(Alert.objects.filter(Q(pk__in=loose) | Q(follows__in=loose))
                             .values_list("pk", flat=True))
            n_alerts = loose.count()
            loose.delete()
            outbound.forget_messages(organization, alert_ids)
            if old or n_alerts:
                audit.record("rapidresponse.retention.purged", organization=organization,
                             obj=network, data={"reports": len(old), "alerts": n_alerts,
                                                "retention_days": network.retention_days})
            reports += len(old)
            alerts += n_alerts
    return PurgeResult(reports, alerts)
