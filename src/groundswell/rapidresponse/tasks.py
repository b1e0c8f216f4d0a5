"""Background jobs of the rapid-response area: expiring open reports and purging what
is past its retention period. Tasks take ids and re-enter the organization's scope.

``maintain_rapid_response`` re-schedules itself every ``INTERVAL`` when the task
backend can defer (the database backend of ``make demo`` and production); it is first
enqueued when a network is created, and ``manage.py purge_rapid_response`` does the
same work at once (from cron, or by hand)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks import task

from groundswell.core.models import Organization
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import Alert, Network

INTERVAL = timedelta(minutes=10)


def run_maintenance(org: Organization) -> tuple[int, int, int]:
    """(reports expired, reports purged, alerts purged) for one organization."""

    with scope(organization=org):
        expired = services.expire_reports(org)
        purged = services.purge_expired(org)
    return expired, purged.reports, purged.alerts


@task()
def maintain_rapid_response(organization_id: int) -> int:
    with scopes_disabled():
        org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        return 0
    expired, reports, _alerts = run_maintenance(org)
    schedule(organization_id)
    return expired + reports


@task()
def queue_alert_rest(alert_id: int) -> int:
    """Queue the rest of an alert's recipients after its first, nearest chunk."""

    with scopes_disabled():
        alert = Alert.objects.select_related("organization").filter(pk=alert_id).first()
    if alert is None:
        return 0
    with scope(organization=alert.organization):
        return services.queue_pending(alert_id)


def schedule(organization_id: int) -> bool:
    """Queue the next run, only on a backend that can run it later (never inline)."""
    backend = maintain_rapid_response.get_backend()
    if not backend.supports_defer:
        return False

    with scopes_disabled():
        if not Network.objects.filter(organization_id=organization_id).exists():
            return False
    maintain_rapid_response.using(run_after=timezone.now() + INTERVAL).enqueue(organization_id)
    return True
