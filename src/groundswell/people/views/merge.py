"""Duplicates, merging and forgetting: the review queue of candidate pairs, the
side-by-side merge, the list of recent merges with undo, and forgetting a person on
request (asked twice).

Thin: each view parses the POST, calls one service (people.services.merge and
.forget) and renders. Ids only in URLs; the name typed to confirm forgetting is posted.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError
from groundswell.core.views import confirm_first, membership_of, org_slug_of, org_view
from groundswell.people.models import DuplicateCandidate, Merge, Person
from groundswell.people.normalize import fold, mask_phone
from groundswell.people.services.forget import erased_elsewhere, forget_person
from groundswell.people.services.merge import (
    CHOOSABLE,
    KEPT,
    MERGED,
    can_undo,
    default_choices,
    dismiss_duplicate,
    merge_people,
    undo_merge,
)
from groundswell.people.services.records import current_residence
from groundswell.people.tasks import find_duplicates_task

PAGE_SIZE = 50

OUTCOMES = {
    "agree": gettext_lazy("same"),
    "close": gettext_lazy("similar"),
    "disagree": gettext_lazy("different"),
}
REASON_FIELDS = {
    "given_name": gettext_lazy("given name"),
    "family_name": gettext_lazy("family name"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("email"),
    "address": gettext_lazy("address"),
    "birth_year": gettext_lazy("year of birth"),
    "generation": gettext_lazy("generation (Jr., Sr.)"),
}


def _visible(request: HttpRequest) -> QuerySet[Person]:
    return Person.objects.visible_to(membership_of(request))


# --- the review queue -------------------------------------------------------------------------


@org_view("people.merge")
@require_http_methods(["GET", "POST"])
def duplicates(request: HttpRequest) -> HttpResponse:
    """Open pairs, best first. A POST asks the worker to look for duplicates again."""
    membership = membership_of(request)
    if request.method == "POST":
        organization_id, membership_id = membership.organization_id, membership.pk
        transaction.on_commit(lambda: find_duplicates_task.enqueue(organization_id,
                                                                   membership_id))
        messages.success(request, _("Looking for duplicates. New pairs show here in a "
                                    "minute or two."))
        return redirect("duplicates", org_slug=org_slug_of(request))
    visible = _visible(request)
    pairs = (DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN,
                                               first__in=visible, second__in=visible)
             .select_related("first", "second").order_by("-score", "pk"))
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    imported = _imported_from(list(page))
    rows = [{"pair": pair, "score": round(pair.score, 1), "import": imported.get(pair.pk),
             "reasons": [{"field": REASON_FIELDS.get(r.get("field"), r.get("field")),
                          "outcome": OUTCOMES.get(r.get("outcome"), r.get("outcome")),
                          "agrees": r.get("outcome") != "disagree"}
                         for r in pair.reasons if isinstance(r, dict)]}
            for pair in page]
    return render(request, "people/duplicates.html", {"page": page, "rows": rows})


def _imported_from(pairs: list[DuplicateCandidate]) -> dict[int, dict[str, object]]:
    """The import that sent each pair to the queue, if one did (the imports area notes
    it on its rows): {pair id: {"id": batch id, "file": file name}}."""
    if not pairs or not apps.is_installed("groundswell.imports"):
        return {}
    rows = apps.get_model("imports", "ImportRow").objects.filter(
        candidate_id__in=[pair.pk for pair in pairs]).values_list(
        "candidate_id", "batch_id", "batch__file_name")
    return {pair: {"id": batch, "file": name} for pair, batch, name in rows}


@org_view("people.merge")
@require_POST
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    visible = _visible(request)
    candidate = get_object_or_404(DuplicateCandidate.objects.filter(
        first__in=visible, second__in=visible), pk=pk)
    try:
        dismiss_duplicate(membership_of(request), candidate)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as two different people. This pair will not "
                                    "be proposed again."))
    return redirect("duplicates", org_slug=org_slug_of(request))


# --- the side-by-side merge ----------------------------------------------------------------------


def _display(person: Person, name: str) -> str:
    """A field's value as shown in the comparison."""
    if name == "residence":
        residence = current_residence(person)
        if residence is None:
            return ""
        address = residence.household.address.street
        return f"{address}, {residence.household.unit}" if residence.household.unit \
            else address
    if name == "language":
        return str(person.get_language_display()) if person.language else ""
    if name == "other_languages":
        return ", ".join(person.other_languages or [])
    if name == "base":
        return person.base.name if person.base else ""
    if name == "stage":
        return person.stage.name if person.stage else ""
    value = getattr(person, name)
    return "" if value is None else str(value)


def _summary(person: Person) -> dict[str, Any]:
    """What moves with the record: counts, and phones masked."""
    contacts = list(person.contacts.all())
    return {
        "phones": [mask_phone(c.value) for c in contacts if c.kind == "phone"],
        "emails": sum(1 for c in contacts if c.kind == "email"),
        "interactions": person.interactions.count(),
        "grievances": person.grievances.count(),
        "consents": person.consents.count(),
        "relationships": person.relationships.count(),
        "tags": [t.name for t in person.tags.all()],
    }


def _merge_rows(first: Person, second: Person) -> list[dict[str, Any]]:
    defaults = default_choices(first, second)
    rows = []
    for name, label in CHOOSABLE.items():
        one, two = _display(first, name), _display(second, name)
        if name == "residence":
            h1, h2 = current_residence(first), current_residence(second)
            differ = h1 is not None and h2 is not None and h1.household_id != h2.household_id
        else:
            differ = one != two
        rows.append({"name": name, "label": label, "first": one, "second": two,
                     "choose": differ and bool(one) and bool(two),
                     "default": "second" if defaults[name] == MERGED else "first"})
    return rows


def _person_for_merge(request: HttpRequest, pk: int) -> Person:
    """A person of this organization the member may see; a merged or forgotten one is
    found too, so that the service can say why it cannot be merged."""
    person = get_object_or_404(Person.objects.select_related("base", "stage"), pk=pk)
    active = person.merged_into_id is None and person.forgotten_at is None
    if active and not _visible(request).filter(pk=pk).exists():
        raise Http404
    return person


@org_view("people.merge")
@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, first: int, second: int) -> HttpResponse:
    one, two = _person_for_merge(request, first), _person_for_merge(request, second)
    error = None
    rows = _merge_rows(one, two) if one.pk != two.pk else []
    if request.method == "POST":
        keep = request.POST.get("keep", "first")
        if keep not in ("first", "second"):
            error = _("Choose which record stays.")
        else:
            kept, merged = (one, two) if keep == "first" else (two, one)
            choices = {}
            for row in rows:
                side = request.POST.get(row["name"], row["default"]) if row["choose"] \
                    else ("second" if row["default"] == "second" else "first")
                if side not in ("first", "second"):
                    error = _("Choose the value of one of the two records.")
                    break
                choices[row["name"]] = KEPT if side == keep else MERGED
            if error is None:
                try:
                    merge = merge_people(membership_of(request), kept, merged, choices)
                except DomainError as exc:
                    error = exc.message
                else:
                    messages.success(request, _("Merged into one record. You can undo it "
                                                "below."))
                    response = redirect("merges", org_slug=org_slug_of(request))
                    response["Location"] += f"?done={merge.pk}"
                    return response
    elif one.pk == two.pk or not all(p.merged_into_id is None and p.forgotten_at is None
                                     for p in (one, two)):
        error = _("These records cannot be merged: a person cannot be merged with "
                  "themself, and a record already merged or forgotten cannot be merged "
                  "again.")
    return render(request, "people/merge.html", {
        "first": one, "second": two, "rows": rows, "error": error,
        "summaries": [_summary(one), _summary(two)] if one.pk != two.pk else [],
        "keep": request.POST.get("keep", "first"),
    }, status=400 if error else 200)


# --- recent merges and undo ----------------------------------------------------------------------


@org_view("people.merge")
def merges(request: HttpRequest) -> HttpResponse:
    """Recent merges, newest first, with an undo button where undo is still possible."""
    visible = _visible(request)
    qs = Merge.objects.filter(kept__in=visible).select_related("kept", "merged").order_by(
        "-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    done = request.GET.get("done", "")
    from django.contrib.auth import get_user_model

    users = {u.pk: u for u in get_user_model().objects.filter(
        pk__in={m.merged_by_id for m in page if m.merged_by_id})}
    rows = [{"merge": m, "can_undo": can_undo(m), "by": users.get(m.merged_by_id),
             "just_done": done == str(m.pk)} for m in page]
    return render(request, "people/merges.html", {"page": page, "rows": rows})


@org_view("people.merge")
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merge = get_object_or_404(Merge, pk=pk)
    asked = confirm_first(
        request, title=_("Undo this merge?"),
        changes=[_("The merged record becomes two records again, each with what it had "
                   "before the merge.")],
        way_back=_("To get it back, merge them again from the duplicates page."),
        button=_("Undo the merge"), cancel_url=reverse("merges", args=[org_slug_of(request)]))
    if asked is not None:
        return asked
    try:
        undo_merge(membership_of(request), merge)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Merge undone: they are two records again, as before."))
    return redirect("merges", org_slug=org_slug_of(request))


# --- forgetting a person ----------------------------------------------------------------------


@org_view("people.forget")
@require_http_methods(["GET", "POST"])
def person_forget(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 (GET): what forgetting erases and keeps. Step 2 (POST step=1): type the
    person's name. Then (POST step=2 with the name) the person is forgotten."""
    person = get_object_or_404(_visible(request), pk=pk)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    error = None
    if step == "2":
        typed = request.POST.get("name", "")[:300]
        if fold(typed) != fold(person.display_name) or not fold(typed):
            error = _("The name you typed does not match. Type it exactly as shown, or "
                      "cancel.")
        else:
            try:
                forget_person(membership_of(request), person)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("The person has been forgotten. Their personal "
                                            "data is erased; counts in reports remain."))
                return redirect("people", org_slug=org_slug_of(request))
    template = "people/forget_confirm.html" if step in ("1", "2") else "people/forget.html"
    return render(request, template, {"person": person, "error": error,
                                      "erased_elsewhere": erased_elsewhere()},
                  status=400 if error else 200)
