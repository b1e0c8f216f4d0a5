"""Background jobs of the imports area. Tasks take ids, never objects, and re-enter the
organization's scope themselves."""

from __future__ import annotations

from django_scopes import scope, scopes_disabled
from django_tasks import task

from groundswell.core.models import Membership
from groundswell.imports.exports import run_export
from groundswell.imports.models import ExportJob, ImportBatch
from groundswell.imports.services import commit_batch
from groundswell.imports.storage import expire_files


def _actor(membership_id: int, organization_id: int) -> Membership | None:
    return (Membership.objects.filter(pk=membership_id, organization_id=organization_id)
            .select_related("organization", "user").first())


@task()
def commit_import_task(batch_id: int, membership_id: int) -> str:
    """Apply a queued import batch (services.commit_batch). Returns its final status."""

    with scopes_disabled():
        batch = ImportBatch.objects.select_related("organization").filter(pk=batch_id).first()
        actor = _actor(membership_id, batch.organization_id) if batch else None
    if batch is None:
        return "gone"
    if actor is None:
        with scopes_disabled():
            ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED,
                                                           error="member gone")
        return ImportBatch.Status.FAILED
    with scope(organization=batch.organization):
        return commit_batch(actor, batch).status


@task()
def export_people_task(job_id: int) -> str:
    """Write a queued export to its file (services.run_export)."""

    with scopes_disabled():
        job = ExportJob.objects.select_related("organization", "requested_by__user",
                                               "requested_by__organization"
                                               ).filter(pk=job_id).first()
    if job is None:
        return "gone"
    with scope(organization=job.organization):
        return run_export(job).status


@task()
def expire_files_task() -> int:
    """Delete stored uploads and exports past their retention period (queued for the
    moment each file falls due; ``manage.py expire_files`` does the same from cron)."""

    done = expire_files()
    return done.uploads + done.exports + done.stray_files
