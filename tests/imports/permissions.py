"""Permission-matrix rows of the imports area (see tests/matrix.py)."""

from __future__ import annotations

from groundswell.imports.models import ExportJob, ImportBatch
from tests.matrix import ORGANIZERS, org

EXPECTED = {
    "imports": org(ORGANIZERS),
    "import_mapping": org(ORGANIZERS),
    "import_sheet": org(ORGANIZERS, ok=405),  # POST only
    "import_preview": org(ORGANIZERS),
    "import_batch": org(ORGANIZERS),
    "import_progress": org(ORGANIZERS),
    "import_report": org(ORGANIZERS),
    "import_undo": org(ORGANIZERS, ok=405),  # POST only
    "export_jobs": org(ORGANIZERS),
    "export_download": org(ORGANIZERS, ok=405),  # POST only
}

PK_KINDS = {
    "import_mapping": "import_batch",
    "import_sheet": "import_batch",
    "import_preview": "import_batch",
    "import_batch": "import_batch",
    "import_progress": "import_batch",
    "import_report": "import_batch",
    "import_undo": "import_batch",
    "export_download": "export_job",
}

MODELS = {"import_batch": ImportBatch, "export_job": ExportJob}

PAYLOADS = {
    "import_sheet": [{"sheet": "Sheet1"}],
    "import_undo": [{}],
    "export_download": [{}],
}


def world(org, admin) -> dict[str, int]:
    """An uploaded (not yet imported) file and a queued export."""
    from groundswell.imports import exports, services

    batch = services.upload(admin, file_name="list.csv",
                            data=b"Nombre,Apellido\nAna,Torres\n")
    job = exports.request_export(admin, fmt="csv", columns=["given_name"])
    return {"import_batch": batch.pk, "export_job": job.pk}
