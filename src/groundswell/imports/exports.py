"""Exports of any saved list or search as a background job, for lists too large to
build while the browser waits.

The member asks (``request_export``: permission ``people.export``, audited); the worker
writes the file under MEDIA_ROOT (outside the web root) with the same columns,
masking and formula safety as the people list's export (``run_export``, audited with
the count); the member who asked downloads it once (``take_export``, audited), and the
file is deleted as it is handed over. The search text, usually a name, is kept on the
job only until the file is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.imports import storage
from groundswell.imports.models import ExportJob
from groundswell.people.forms import PeopleFilterForm
from groundswell.people.models import Person, SavedList
from groundswell.people.search import search_people
from groundswell.people.services.exports import (
    FORMATS,
    _check,
    write_people_export,
)
from groundswell.people.services.lists import clean_filters


def request_export(actor: Membership, *, fmt: str, columns: Sequence[str],
                   filters: Mapping[str, object] | None = None, query: str = "",
                   saved_list: SavedList | None = None) -> ExportJob:
    """Queue an export of a saved list (its filters as they are now) or of the people
    list's filters and search."""
    require(actor, "people.export")
    chosen = _check(fmt, columns)
    if saved_list is not None:
        if saved_list.organization_id != actor.organization_id:
            raise InvalidInput("saved_list", _("That list is not part of this organization."))
        filters = saved_list.filters
    clean = clean_filters(filters or {})
    form = PeopleFilterForm(clean, membership=actor)
    if not form.is_valid():
        raise InvalidInput("filters", _("These filters cannot be used: a tag, stage or base "
                                        "that is not this organization's, or a value that "
                                        "does not exist."))
    if len(query) > 100:
        raise InvalidInput("query", _("That search is too long."))
    # tasks imports this module
    from groundswell.imports.tasks import export_people_task

    with transaction.atomic():
        job = ExportJob.objects.create(
            organization=actor.organization, requested_by=actor, saved_list=saved_list,
            filters=clean, query=query.strip(), format=fmt, columns=chosen)
        audit.record("imports.export.requested", by=actor, obj=job,
                     data={"format": fmt, "columns": chosen, "filters": sorted(clean),
                           "saved_list": saved_list.pk if saved_list else None,
                           "search": bool(query.strip())})
        job_id = job.pk
        transaction.on_commit(lambda: export_people_task.enqueue(job_id))
    return job


def run_export(job: ExportJob) -> ExportJob:
    """Write the file (the worker calls this). A member whose role no longer allows
    exports, or a list that cannot be read, ends the job as failed, with a reason."""
    if job.status != ExportJob.Status.QUEUED:
        return job
    actor = job.requested_by
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    _label, _type, extension = FORMATS.get(job.format, ("", "", "csv"))
    relative = f"{job.organization_id}/{uuid.uuid4().hex}.{extension}"
    try:
        form = PeopleFilterForm(job.filters, membership=actor)
        if not form.is_valid():
            raise DomainError(_("The list's filters no longer apply (a tag or stage was "
                                "deleted?)."))
        people = form.apply(Person.objects.visible_to(actor))
        if job.query:
            people = search_people(people, job.query)
        with storage.export_writer(relative) as out:
            count = write_people_export(actor, people, job.format, job.columns, out)
    except Exception as exc:  # the job records why; the member sees it on the page
        message = exc.message if isinstance(exc, DomainError) else \
            _("The export could not be written.")
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(message)[:300], query="",
            finished_at=timezone.now())
        job.refresh_from_db()
        return job
    name = f"people-{job.organization.slug}-{timezone.localdate().isoformat()}.{extension}"
    with transaction.atomic():
        ready = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.READY, stored_path=relative, file_name=name, count=count,
            query="", finished_at=timezone.now())
        job.refresh_from_db()
        if not ready:  # withdrawn while written: someone on the list was forgotten
            storage.discard_export(relative)
            return job
        audit.record("people.list.exported", by=actor, obj=job,
                     data={"count": count, "format": job.format, "columns": job.columns,
                           "job": job.pk})
        audit.record("imports.export.written", by=actor, obj=job, data={"count": count})
        transaction.on_commit(storage.schedule_expiry)
    return job


def take_export(actor: Membership, job: ExportJob) -> tuple[bytes, str, str]:
    """The file's bytes, content type and name, for the member who asked; the file is
    deleted as it is handed over (asked again, it is gone)."""
    require(actor, "people.export")
    if job.requested_by_id != actor.pk:
        raise DomainError(_("Only the member who asked for this export can download it."))
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ExportJob.Status.EXPIRED:
            raise DomainError(storage.expired_message(storage.EXPORT_EXPIRED))
        if job.status != ExportJob.Status.READY:
            raise DomainError(_("This export is not ready, or it has been downloaded "
                                "already. Ask for it again."))
        path = storage.export_path(job)
        try:
            content = storage.read_export(job)
        except OSError:
            raise DomainError(_("This export is missing. Ask for it again.")) from None
        job.status, job.downloaded_at = ExportJob.Status.DOWNLOADED, timezone.now()
        job.save(update_fields=["status", "downloaded_at"])
        audit.record("imports.export.downloaded", by=actor, obj=job, data={"count": job.count})
    if path is not None:
        path.unlink(missing_ok=True)
    return content, FORMATS[job.format][1], job.file_name


__all__ = ["request_export", "run_export", "take_export"]
