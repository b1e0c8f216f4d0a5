"""The import wizard's pages (upload → mapping → preview → progress → report → undo)
and the background exports page. Thin: each view parses the request, calls one
service (imports.services, imports.exports) and renders. Ids only in URLs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.models import Base, Membership
from groundswell.core.views import confirm_first, get_only, membership_of, org_slug_of, org_view
from groundswell.imports import exports as export_jobs
from groundswell.imports import reading
from groundswell.imports import services as imports
from groundswell.imports.models import ExportJob, ImportBatch, ImportRow
from groundswell.imports.rows import TARGETS
from groundswell.people.filters import list_filter_keys
from groundswell.people.models import Consent, SavedList
from groundswell.people.services.exports import DEFAULT_COLUMNS, column_choices, format_choices

PREVIEW_ROWS = 200


def _batch(pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch, pk=pk)


# --- upload ---------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV or Excel .xlsx)"),
                           error_messages={"required": gettext_lazy("Choose a file."),
                                           "empty": gettext_lazy("The file is empty. Choose "
                                                                 "a spreadsheet with a header "
                                                                 "row and at least one "
                                                                 "person.")})


@org_view("imports.manage")
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > reading.MAX_BYTES:
                form.add_error("file", str(imports.FILE_ERRORS["too_big"]))
            else:
                try:
                    batch = imports.upload(membership_of(request), file_name=upload.name,
                                           data=upload.read())
                except DomainError as exc:
                    form.add_error("file", exc.message)
                else:
                    return redirect("import_mapping", org_slug=org_slug_of(request), pk=batch.pk)
        status = 400
    return render(request, "imports/list.html", {
        "form": form, "batches": ImportBatch.objects.select_related("created_by__user")[:50],
        "limits": {"bytes": reading.MAX_BYTES // (1024 * 1024), "rows": reading.MAX_ROWS},
    }, status=status)


# --- mapping --------------------------------------------------------------------------


class MappingForm(forms.Form):
    tags = forms.CharField(label=gettext_lazy("Tags for everyone imported"), required=False,
                           max_length=400,
                           help_text=gettext_lazy("Separated by commas, e.g. block party 2025"))
    base = forms.ModelChoiceField(label=gettext_lazy("Base for everyone imported"),
                                  queryset=Base.objects.none(), required=False,
                                  empty_label=gettext_lazy("No base"))
    purpose = forms.ChoiceField(label=gettext_lazy("What the consent columns agreed to"),
                                choices=Consent.Purpose.choices,
                                initial=Consent.Purpose.GENERAL)
    wording = forms.CharField(label=gettext_lazy("Exact wording they agreed to"),
                              required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    template_name = forms.CharField(label=gettext_lazy("Save this mapping as a template "
                                                       "named"), required=False,
                                    max_length=100)

    def __init__(self, *args: Any, batch: ImportBatch, membership: Membership,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = Base.objects.visible_to(membership).active()
        choices = [(t, imports.TARGET_LABELS[t]) for t in ("", *TARGETS)]
        mapping = imports.batch_mapping(batch)
        for index, header in enumerate(batch.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=mapping.get(index, ""),
                error_messages={"invalid_choice": imports.MAPPING_ERRORS["unknown_target"]})
        options = batch.options
        self.initial.update({"tags": ", ".join(options.get("tags", [])),
                             "base": options.get("base"),
                             "purpose": options.get("purpose") or Consent.Purpose.GENERAL,
                             "wording": options.get("wording", "")})

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("col_")]

    def mapping(self) -> dict[int, str]:
        return {int(name[4:]): value for name, value in self.cleaned_data.items()
                if name.startswith("col_") and value}


@org_view("imports.manage")
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if batch.status != ImportBatch.Status.UPLOADED:
        return redirect("import_batch", org_slug=org_slug_of(request), pk=batch.pk)
    membership = membership_of(request)
    form = MappingForm(request.POST if request.method == "POST" else None, batch=batch,
                       membership=membership)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                imports.set_mapping(
                    membership, batch, form.mapping(),
                    tags=form.cleaned_data["tags"].split(","), base=form.cleaned_data["base"],
                    purpose=form.cleaned_data["purpose"], wording=form.cleaned_data["wording"],
                    template_name=form.cleaned_data["template_name"])
            except InvalidInput as exc:
                show_error(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("import_preview", org_slug=org_slug_of(request), pk=batch.pk)
        status = 400
    try:
        table = imports.read_batch(batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports", org_slug=org_slug_of(request))
    examples = [reading.column_values(table, i) for i in range(len(batch.headers))]
    return render(request, "imports/mapping.html", {
        "batch": batch, "form": form, "columns": list(zip(form.column_fields(), examples,
                                                         strict=True)),
        "sheets": imports.sheets_of(batch),
        "encoding": reading.ENCODINGS.get(batch.encoding, batch.encoding),
        "legacy_encoding": batch.encoding in ("cp1252", "latin-1"),
    }, status=status)


@org_view("imports.manage")
@require_POST
def import_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    try:
        imports.choose_sheet(membership_of(request), batch, str(request.POST.get("sheet", "")))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("import_mapping", org_slug=org_slug_of(request), pk=batch.pk)


# --- preview and commit -----------------------------------------------------------------


@org_view("imports.manage")
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if batch.status != ImportBatch.Status.UPLOADED:
        return redirect("import_batch", org_slug=org_slug_of(request), pk=batch.pk)
    if request.method == "POST":
        try:
            imports.start_commit(membership_of(request), batch)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("import_mapping", org_slug=org_slug_of(request), pk=batch.pk)
        return redirect("import_batch", org_slug=org_slug_of(request), pk=batch.pk)
    try:
        plan = imports.plan_batch(batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports", org_slug=org_slug_of(request))
    rows = []
    for step in plan.rows[:PREVIEW_ROWS]:
        texts = [imports.row_message(e.code, e.column, e.length) for e in step.row.errors]
        if step.same_as:
            texts.append(imports.row_message("same_as", row=step.same_as))
        rows.append({"number": step.row.number, "action": step.action,
                     "label": ImportRow.Outcome(step.action).label,
                     "name": " ".join(filter(None, (step.row.values.get("given_name"),
                                                    step.row.values.get("family_name")))),
                     "messages": texts})
    return render(request, "imports/preview.html", {
        "batch": batch, "counts": plan.counts(), "rows": rows,
        "more": max(0, len(plan.rows) - PREVIEW_ROWS),
        "importable": sum(1 for r in plan.rows if r.action not in ("error", "skipped")),
    })


@org_view("imports.manage")
@require_http_methods(["GET", "HEAD", "POST"])  # the batch is looked up first: POST is 404 or 405
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if (refused := get_only(request)) is not None:
        return refused
    report = imports.report_rows(batch) if batch.status not in (
        ImportBatch.Status.COMMITTING, ImportBatch.Status.UPLOADED) else []
    show = request.GET.get("show", "")
    if show in ImportRow.Outcome.values:
        report = [r for r in report if r["outcome"] == show]
    return render(request, "imports/batch.html", {
        "batch": batch, "report": report[:1000], "can_undo": imports.can_undo(batch),
        "show": show, "outcomes": ImportRow.Outcome.choices,
    })


@org_view("imports.manage")
@require_http_methods(["GET", "HEAD", "POST"])  # the batch is looked up first: POST is 404 or 405
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx every second while the worker imports."""
    batch = _batch(pk)
    if (refused := get_only(request)) is not None:
        return refused
    response = render(request, "imports/_progress.html", {"batch": batch})
    if batch.status != ImportBatch.Status.COMMITTING and request.htmx:  # type: ignore[attr-defined]
        response["HX-Redirect"] = reverse("import_batch", args=[org_slug_of(request), batch.pk])
    return response


@org_view("imports.manage")
@require_http_methods(["GET", "HEAD", "POST"])  # the batch is looked up first: POST is 404 or 405
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    if (refused := get_only(request)) is not None:
        return refused
    content = imports.report_csv(membership_of(request), batch)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-report.csv"'
    response["Cache-Control"] = "no-store"
    return response


@org_view("imports.manage")
@require_POST
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    counts = batch.counts or {}
    asked = confirm_first(
        request, title=_("Undo the import of “%(name)s”?") % {"name": batch.file_name},
        changes=[_("The %(created)s people it created are taken out and the %(updated)s "
                   "records it updated go back to what they were.")
                 % {"created": counts.get("created", 0), "updated": counts.get("updated", 0)},
                 _("Households that canvassing already uses (a walk list or a door visit) "
                   "stay.")],
        way_back=_("To get it back, import the same file again."),
        button=_("Undo the import"),
        cancel_url=reverse("import_batch", args=[org_slug_of(request), batch.pk]))
    if asked is not None:
        return asked
    try:
        undone = imports.undo_import(membership_of(request), batch)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        kept = len(undone.households_kept)
        if kept:
            messages.success(request, ngettext(
                "The import has been undone, but %(count)s household it added stays: "
                "canvassing uses it (a walk list or a door visit). Everything else it added "
                "or changed is as it was before.",
                "The import has been undone, but %(count)s households it added stay: "
                "canvassing uses them (a walk list or a door visit). Everything else it "
                "added or changed is as it was before.", kept) % {"count": kept})
        else:
            messages.success(request, _("The import has been undone: everything it added "
                                        "or changed is as it was before."))
    return redirect("import_batch", org_slug=org_slug_of(request), pk=batch.pk)


# --- background exports ---------------------------------------------------------------


class ExportRequestForm(forms.Form):
    saved_list = forms.ModelChoiceField(label=gettext_lazy("Saved list"),
                                        queryset=SavedList.objects.none(), required=False,
                                        empty_label=gettext_lazy("The people list as filtered"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), widget=forms.RadioSelect,
                               initial="csv")
    columns = forms.MultipleChoiceField(label=gettext_lazy("Columns"),
                                        widget=forms.CheckboxSelectMultiple,
                                        initial=list(DEFAULT_COLUMNS))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved_list"].queryset = SavedList.objects.all()
        self.fields["format"].choices = format_choices()
        self.fields["columns"].choices = column_choices()


@org_view("people.export")
@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    """Ask for an export of a saved list, or of the people list as filtered and searched
    (its filters come in the query string, its search from the session)."""
    membership = membership_of(request)
    form = ExportRequestForm(request.POST if request.method == "POST" else None, initial={
        "saved_list": request.GET.get("list") or None})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = form.cleaned_data["saved_list"]
            filters = {k: v for k, v in request.GET.items() if k in list_filter_keys()} \
                if saved is None else None
            query = str(request.session.get("search:people", ""))[:100] if saved is None \
                else ""
            try:
                export_jobs.request_export(
                    membership, fmt=form.cleaned_data["format"],
                    columns=form.cleaned_data["columns"], filters=filters, query=query,
                    saved_list=saved)
            except InvalidInput as exc:
                show_error(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your export is being written. It will be ready "
                                            "to download here in a moment."))
                return redirect("export_jobs", org_slug=org_slug_of(request))
        status = 400
    jobs = ExportJob.objects.filter(requested_by=membership).select_related("saved_list")[:20]
    return render(request, "imports/exports.html", {
        "form": form, "jobs": jobs, "pending": any(not j.is_done for j in jobs),
        "has_filters": any(k in list_filter_keys() for k in request.GET),
    }, status=status)


@org_view("people.export")
@require_POST
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=pk)
    try:
        content, content_type, name = export_jobs.take_export(membership_of(request), job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("export_jobs", org_slug=org_slug_of(request))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
