"""Exports of the people list to CSV or XLSX.

The page takes the people list's filters as GET parameters (ids and codes, never
names: see people.forms.PeopleFilterForm) and the list's remembered search (from the
session, never the URL), shows how many people the file will hold,
and lets the organizer choose the format and the columns; the POST downloads the file.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.views import org_view
from groundswell.people.forms import PeopleFilterForm, add_service_error
from groundswell.people.models import Person
from groundswell.people.search import search_people
from groundswell.people.services import exports as export_service
from groundswell.people.services.exports import (
    DEFAULT_COLUMNS,
    column_choices,
    export_people,
    format_choices,
    phones_in_full,
)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), widget=forms.RadioSelect, initial="csv",
                               error_messages={"invalid_choice": _("Choose CSV or Excel.")})
    columns = forms.MultipleChoiceField(
        label=_("Columns"), widget=forms.CheckboxSelectMultiple, initial=list(DEFAULT_COLUMNS),
        error_messages={"required": _("Choose at least one column."),
                        "invalid_choice": _("Choose columns from the list.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = format_choices()
        self.fields["columns"].choices = column_choices()


def remembered_people_search(request: HttpRequest) -> str:
    """The search the people list is showing (kept in the session by
    core.views.remembered_search under "people", never in the URL), so the export holds
    the people the organizer was looking at."""
    return str(request.session.get("search:people", ""))[:100]


def _describe(filters: PeopleFilterForm) -> list[tuple[str, str]]:
    """The filters in force, in words: ("Tag", "block party")."""
    described = []
    for name, value in filters.cleaned_data.items():
        if value in (None, ""):
            continue
        field = filters.fields[name]
        if isinstance(field, forms.ModelChoiceField):
            text = str(value)
        elif isinstance(field, forms.ChoiceField):
            text = str(dict(field.choices).get(value, value))
        elif isinstance(value, date):
            text = date_format(value, "SHORT_DATE_FORMAT")
        else:
            text = str(value)
        described.append((str(field.label), text))
    return described


@org_view("people.export")
@require_http_methods(["GET", "POST"])
def people_export(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    filters = PeopleFilterForm(request.GET, membership=membership)
    form = ExportForm(request.POST if request.method == "POST" else None)
    people = Person.objects.visible_to(membership)
    query = remembered_people_search(request)
    status = 200
    error = None
    if not filters.is_valid():
        # A filter naming a tag, stage or base that is not this organization's, or a
        # language code that does not exist: say so, export nothing.
        status = 400
        count = None
    else:
        people = filters.apply(people)
        if query:
            people = search_people(people, query)
        count = people.count()
        if request.method == "POST":
            if form.is_valid():
                try:
                    export = export_people(membership, people, form.cleaned_data["format"],
                                           form.cleaned_data["columns"])
                except InvalidInput as exc:
                    add_service_error(form, exc.field, exc.message)
                except DomainError as exc:
                    error = exc.message
                else:
                    response = HttpResponse(export.content, content_type=export.content_type)
                    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
                    response["Cache-Control"] = "no-store"
                    return response
            status = 400
    return render(request, "people/export.html", {
        "form": form, "filters": filters, "count": count, "error": error, "query": query,
        "limit": export_service.EXPORT_LIMIT, "phones_in_full": phones_in_full(membership),
        "active_filters": _describe(filters) if count is not None else [],
        "filter_query": urlencode(filters.raw_filters()),
    }, status=status)
