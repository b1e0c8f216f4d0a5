"""What forgetting a person erases in imports and exports (registered in
ImportsConfig.ready()).

- Import rows that wrote them: what the row kept for undo (their previous values) and
  its messages; the row stays with its outcome, so the batch's counts stay true.
- Files: an upload not imported yet (or kept by a failed import) and an export not
  downloaded yet may hold them (names, phones, emails of everyone in them) and are
  sealed, so not searched: every such file of the organization is deleted and its import
  or export ends as expired, with the reason (upload or ask again), as
  ``storage.expire_files`` ends them after the retention period. An export being
  written ends the same way, and the worker deletes its file when it is done. The file goes inside
  the transaction rather than after it: if the forgetting then failed, the cost is an
  export to ask for again, never a copy left.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.imports import storage
from groundswell.imports.models import ExportJob, ImportBatch, ImportRow
from groundswell.people.services.forget import Forgetting


def _delete(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def erase_person(forgetting: Forgetting) -> dict[str, int]:
    rows = ImportRow.objects.filter(person_id__in=forgetting.person_ids).update(
        undo={}, messages=[])
    withdrawn = _("Withdrawn: someone in this file asked to be forgotten. Upload it or ask "
                  "for it again.")[:300]
    files = 0
    # An upload being imported right now is left to finish (the import discards its
    # file at the end); one not started yet ends as expired, with the reason, and so
    # does the file a failed import keeps. Headers go too: in a file without a header
    # row, they are the first person's values.
    for batch in ImportBatch.objects.filter(
            organization=forgetting.organization,
            status__in=[ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED]).exclude(
            stored_path=""):
        files += _delete(storage.upload_path(batch))
        fields = ["stored_path"]
        if batch.status == ImportBatch.Status.UPLOADED:
            batch.status, batch.error, batch.headers = ImportBatch.Status.EXPIRED, \
                withdrawn, []
            fields += ["status", "error", "headers"]
        batch.stored_path = ""
        batch.save(update_fields=fields)
    # An export being written may already hold them: it is withdrawn now, and the
    # worker deletes what it wrote when it finds its job no longer running
    # (exports.run_export). First, so that on PostgreSQL this waits for an export
    # finishing at this moment, whose file the next statement then sees as ready.
    files += ExportJob.objects.filter(
        organization=forgetting.organization, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.EXPIRED, error=withdrawn, finished_at=timezone.now())
    for job in ExportJob.objects.filter(organization=forgetting.organization,
                                        status=ExportJob.Status.READY):
        files += _delete(storage.export_path(job))
        job.status, job.error, job.stored_path = ExportJob.Status.EXPIRED, withdrawn, ""
        job.finished_at = job.finished_at or timezone.now()
        job.save(update_fields=["status", "error", "stored_path", "finished_at"])
    return {"import_rows": rows, "files": files}
