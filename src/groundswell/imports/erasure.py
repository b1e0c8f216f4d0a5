"""What forgetting a person erases in imports and exports (registered in
ImportsConfig.ready()).

- Import rows that wrote them: what the row kept for undo (their previous values) and
  its messages; the row stays with its outcome, so the batch's counts stay true.
- Files: an upload not imported yet and an export not downloaded yet may hold them
  (names, phones, emails of everyone in them), and are not searched: every such file of
  the organization is deleted and its import or export ended with the reason (upload or
  ask again). The file goes inside the transaction rather than after it: if the
  forgetting then failed, the cost is an export to ask for again, never a copy left.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.imports.models import ExportJob, ImportBatch, ImportRow
from groundswell.people.services.forget import Forgetting


def _delete(relative: str, folder: str) -> bool:
    if not relative:
        return False
    root = (Path(settings.MEDIA_ROOT) / folder).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
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
    # file at the end); one not started yet is ended. Its headers go too: in a file
    # without a header row, they are the first person's values.
    for batch in ImportBatch.objects.filter(organization=forgetting.organization,
                                            status=ImportBatch.Status.UPLOADED):
        files += _delete(batch.stored_path, "imports")
        batch.status, batch.error, batch.headers = ImportBatch.Status.FAILED, withdrawn, []
        batch.save(update_fields=["status", "error", "headers"])
    # An export still being written is left to finish: it reads people after the
    # forgetting commits, and a forgotten person is in no list.
    for job in ExportJob.objects.filter(organization=forgetting.organization,
                                        status=ExportJob.Status.READY):
        files += _delete(job.stored_path, "exports")
        job.status, job.error = ExportJob.Status.FAILED, withdrawn
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
    return {"import_rows": rows, "files": files}
