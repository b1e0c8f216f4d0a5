"""Imports and background exports.

An ``ImportBatch`` is one uploaded file on its way in: where it is stored (under
MEDIA_ROOT, outside the web root), how its columns map to our fields, what each row
became (``ImportRow``, with what is needed to undo it: ids and previous values, never
the row's personal data), and its progress. ``ImportTemplate`` is a saved mapping.
``ExportJob`` is a large export written by the worker to a file outside the web root.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Base, Membership, OrgOwned, scoped
from groundswell.people.models import DuplicateCandidate, Person


class ImportTemplate(OrgOwned):
    """A column mapping saved under a name: header (folded) -> target."""

    name = models.CharField(_("name"), max_length=100)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["name"]
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        constraints = [models.UniqueConstraint(fields=["organization", "name"],
                                               name="import_template_unique_name")]

    def __str__(self) -> str:
        return self.name


class ImportBatch(OrgOwned):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")
        EXPIRED = "expired", _("Expired")

    file_name = models.CharField(_("file"), max_length=200)  # as uploaded, for the list
    # relative to MEDIA_ROOT/imports; the file is sealed (imports.storage), emptied when
    # it expires
    stored_path = models.CharField(max_length=300)
    size = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10)  # csv, xlsx
    encoding = models.CharField(max_length=20)
    sheet = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict)  # column index (str) -> target
    # tags (names), base (id), consent purpose and wording, phone region
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveIntegerField(default=0)  # rows processed by the commit
    counts = models.JSONField(default=dict)  # outcome -> number of rows
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    committed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.progress / self.row_count)) if self.row_count else 0

    @property
    def base(self) -> Base | None:
        pk = self.options.get("base")
        return Base.objects.filter(pk=pk, organization_id=self.organization_id).first() \
            if pk else None


class ImportRow(OrgOwned):
    """What one row of a committed batch became, and how to take it back."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        REVIEW = "review", _("Needs review")
        SKIPPED = "skipped", _("Skipped")
        ERROR = "error", _("Error")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the spreadsheet's row number
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    candidate = models.ForeignKey(DuplicateCandidate, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    messages = models.JSONField(default=list)  # [code, column] pairs, no cell values
    undo = models.JSONField(default=dict)  # ids and previous values

    objects = scoped()

    class Meta:
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"],
                                               name="import_row_unique")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"


class ExportJob(OrgOwned):
    """A large export, written by the worker; downloaded once by whoever asked."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Writing")
        READY = "ready", _("Ready")
        DOWNLOADED = "downloaded", _("Downloaded")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    saved_list = models.ForeignKey("people.SavedList", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    filters = models.JSONField(default=dict)  # ids and codes, as a saved list holds
    query = models.CharField(max_length=100, blank=True)  # cleared once written
    format = models.CharField(max_length=5)
    columns = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    stored_path = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
