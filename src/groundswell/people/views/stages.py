"""The engagement ladder's settings page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from groundswell.core.errors import InvalidInput
from groundswell.core.views import org_view
from groundswell.people import ladder
from groundswell.people.services.stages import StageRow, current_ladder, save_ladder

RULE_LABELS = {
    "activities": gettext_lazy("Activities attended (events, services)"),
    "conversations": gettext_lazy("Conversations (door, call, text, one-on-one)"),
    "one_on_ones": gettext_lazy("One-on-ones"),
    "brought": gettext_lazy("Times they brought someone"),
    "spoke": gettext_lazy("Times they spoke at a meeting"),
}


class StageForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Stage"), max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in ladder.RULE_KEYS:
            self.fields[key] = forms.IntegerField(label=RULE_LABELS[key], min_value=0,
                                                  max_value=1000, required=False)

    def row(self) -> StageRow | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        rule = {key: data[key] for key in ladder.RULE_KEYS if data.get(key)}
        return StageRow(data["name"], rule)


StageFormSet = forms.formset_factory(StageForm, extra=1, max_num=12, absolute_max=13)


@org_view("people.configure")
@require_http_methods(["GET", "POST"])
def engagement_ladder(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    stages = current_ladder(membership)
    initial = [{"name": s.name, **s.rule} for s in stages]
    formset = StageFormSet(request.POST or None, initial=initial, prefix="stage")
    error = None
    if request.method == "POST":
        if formset.is_valid():
            rows = [row for form in formset if (row := form.row()) is not None]
            try:
                save_ladder(membership, rows)
            except InvalidInput as exc:
                error = exc.message
            else:
                messages.success(request, _("The ladder was saved and everyone's computed "
                                            "stage was updated."))
                return redirect("engagement_ladder", org_slug=membership.organization.slug)
        else:
            error = _("Check the numbers: whole numbers from 0 to 1000.")
    return render(request, "people/ladder.html", {
        "formset": formset, "error": error, "rule_labels": RULE_LABELS,
    }, status=400 if request.method == "POST" else 200)
