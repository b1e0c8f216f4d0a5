"""Files at rest: stored uploads and exports, sealed with the keyring and expired.

An upload waits under MEDIA_ROOT/imports until its import is committed; an export
waits under MEDIA_ROOT/exports until the member who asked downloads it. Both hold the
personal data of everyone in them, so both are written encrypted (core.crypto's file
format, bound to the file's own path: a file copied elsewhere does not decrypt) and
both are deleted ``FILE_RETENTION_HOURS`` (24 by default) after they were written, by
the worker (``expire_files_task``, queued for the moment the file falls due) or by
``manage.py expire_files`` from cron. An import whose file expired before it was
committed is marked expired with the reason; an export that expired says so when
downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from groundswell.core import audit
from groundswell.core.crypto import (
    DecryptionError,
    EncryptedWriter,
    create_private_file,
    read_encrypted_file,
    write_encrypted_file,
)
from groundswell.imports.models import ExportJob, ImportBatch

UPLOAD_EXPIRED = _("This upload was deleted %(hours)s hours after it was uploaded, before it "
                   "was imported. Upload the file again to import it.")
EXPORT_EXPIRED = _("This export was deleted %(hours)s hours after it was written, without "
                   "being downloaded. Ask for it again.")


def retention() -> timedelta:
    return timedelta(hours=settings.FILE_RETENTION_HOURS)


def expired_message(template: object) -> str:
    return str(template) % {"hours": settings.FILE_RETENTION_HOURS}


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def _inside(root: Path, relative: str) -> Path | None:
    path = (root / relative).resolve()
    return path if relative and root.resolve() in path.parents else None


def upload_path(batch: ImportBatch) -> Path | None:
    return _inside(uploads_root(), batch.stored_path)


def export_path(job: ExportJob) -> Path | None:
    return _inside(exports_root(), job.stored_path)


# The associated data of a sealed file names what it is and where it lives.
def _upload_context(relative: str) -> str:
    return f"imports.upload:{relative}"


def _export_context(relative: str) -> str:
    return f"imports.export:{relative}"


def write_upload(relative: str, data: bytes) -> None:
    write_encrypted_file(uploads_root() / relative, data, context=_upload_context(relative))


def read_upload(batch: ImportBatch) -> bytes:
    """The upload's bytes. OSError when it is gone (expired, imported) or unreadable."""
    path = upload_path(batch)
    if path is None:
        raise FileNotFoundError(batch.stored_path)
    try:
        return read_encrypted_file(path, context=_upload_context(batch.stored_path))
    except DecryptionError as exc:
        raise OSError(str(exc)) from exc


@contextmanager
def export_writer(relative: str) -> Iterator[BinaryIO]:
    """A stream sealing an export into its file as it is written; on an error the file
    is removed."""
    path = exports_root() / relative
    try:
        with create_private_file(path) as out, EncryptedWriter(out, context=_export_context(
                relative)) as sealed:
            yield sealed  # type: ignore[misc]
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def discard_export(relative: str) -> None:
    """An export written for a job that was withdrawn meanwhile (see erasure)."""
    path = _inside(exports_root(), relative)
    if path is not None:
        path.unlink(missing_ok=True)


def read_export(job: ExportJob) -> bytes:
    path = export_path(job)
    if path is None:
        raise FileNotFoundError(job.stored_path)
    try:
        return read_encrypted_file(path, context=_export_context(job.stored_path))
    except DecryptionError as exc:
        raise OSError(str(exc)) from exc


# --- expiry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expired:
    uploads: int
    exports: int
    stray_files: int


def expire_files(now: datetime | None = None) -> Expired:
    """Delete every stored upload and export older than the retention period, in every
    organization: imports never committed become expired, exports never downloaded too
    (each audited); then any file left under the two folders past the period (a row
    deleted with its organization, a crash between the file and its row) goes as well."""
    now = now or timezone.now()
    cutoff = now - retention()
    uploads = exports = 0
    with scopes_disabled():
        stale = list(ImportBatch.objects.filter(
            created_at__lt=cutoff, status__in=[ImportBatch.Status.UPLOADED,
                                               ImportBatch.Status.FAILED])
            .exclude(stored_path="").values_list("pk", flat=True))
        for pk in stale:
            uploads += _expire_upload(pk, cutoff)
        for pk in ExportJob.objects.filter(status=ExportJob.Status.READY,
                                           finished_at__lt=cutoff).values_list("pk", flat=True):
            exports += _expire_export(pk, cutoff)
        # An import still being committed reads its file (a long queue, a retry).
        keep = {p for p in (upload_path(b) for b in ImportBatch.objects.filter(
            status=ImportBatch.Status.COMMITTING).only("stored_path")) if p is not None}
    strays = sum(_sweep(root, cutoff, keep) for root in (uploads_root(), exports_root()))
    return Expired(uploads, exports, strays)


def _expire_upload(pk: int, cutoff: datetime) -> int:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("organization").filter(
            pk=pk, created_at__lt=cutoff).first()
        if batch is None or not batch.stored_path or batch.status not in (
                ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED):
            return 0  # started or committed meanwhile
        path = upload_path(batch)
        fields = ["stored_path"]
        if batch.status == ImportBatch.Status.UPLOADED:
            batch.status, batch.error = ImportBatch.Status.EXPIRED, expired_message(
                UPLOAD_EXPIRED)[:300]
            fields += ["status", "error"]
        batch.stored_path = ""
        batch.save(update_fields=fields)
        audit.record("imports.batch.expired", organization=batch.organization, obj=batch,
                     data={"hours": settings.FILE_RETENTION_HOURS})
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return 1


def _expire_export(pk: int, cutoff: datetime) -> int:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("organization").filter(
            pk=pk, status=ExportJob.Status.READY, finished_at__lt=cutoff).first()
        if job is None:
            return 0  # downloaded meanwhile
        path = export_path(job)
        job.status, job.stored_path = ExportJob.Status.EXPIRED, ""
        job.error = expired_message(EXPORT_EXPIRED)[:300]
        job.save(update_fields=["status", "stored_path", "error"])
        audit.record("imports.export.expired", organization=job.organization, obj=job,
                     data={"count": job.count, "hours": settings.FILE_RETENTION_HOURS})
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return 1


def _sweep(root: Path, cutoff: datetime, keep: set[Path]) -> int:
    if not root.is_dir():
        return 0
    removed = 0
    limit = cutoff.timestamp()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.resolve() in keep:
                continue
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # gone meanwhile
    return removed


def schedule_expiry(written_at: datetime | None = None) -> bool:
    """Queue a sweep for the moment a file written now falls due, on a task backend that
    can run it later (never inline: the file was just written)."""
    # tasks imports this module
    from groundswell.imports.tasks import expire_files_task

    if not expire_files_task.get_backend().supports_defer:
        return False
    due = (written_at or timezone.now()) + retention() + timedelta(seconds=5)
    expire_files_task.using(run_after=due).enqueue()
    return True


__all__ = ["EXPORT_EXPIRED", "UPLOAD_EXPIRED", "Expired", "expire_files", "export_writer",
           "read_export", "read_upload", "schedule_expiry", "write_upload"]
