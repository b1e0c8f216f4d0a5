"""Distributions: the days, serving a household (with the same-day warning), quick add."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.views import confirm_first, membership_of, org_slug_of, org_view
from groundswell.people.models import Person
from groundswell.people.services import current_residence
from groundswell.programs import services
from groundswell.programs.forms import (
    DistributionForm,
    QuickServeForm,
    ServeForm,
)
from groundswell.programs.models import (
    Distribution,
    Item,
    Service,
)
from groundswell.programs.views.base import _people_matching, _remember, _searched, _with_address

# --- distributions -----------------------------------------------------------------------


@org_view("programs.distribute")
@require_http_methods(["GET", "POST"])
def distributions(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = DistributionForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_distribution(membership, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Distribution created."))
            return redirect("distribution", org_slug=org_slug_of(request), pk=made.pk)
    page = Paginator(Distribution.objects.annotate(served=Count("services")).order_by(
        "-held_on", "-pk"),
                     30).get_page(request.GET.get("page"))
    return render(request, "programs/distributions.html", {"form": form, "page": page},
                  status=400 if request.method == "POST" else 200)


@org_view("programs.distribute")
@require_http_methods(["GET", "POST"])
def distribution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a distribution: a wrong date, name, place or event (audited)."""
    item = get_object_or_404(Distribution, pk=pk)
    membership = membership_of(request)
    form = DistributionForm(request.POST or None, membership=membership, initial={
        "name": item.name, "kind": item.kind, "held_on": item.held_on, "place": item.place,
        "program": item.program_id, "event": item.event_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_distribution(membership, item, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Distribution corrected."))
            return redirect("distribution", org_slug=org_slug_of(request), pk=item.pk)
    return render(request, "programs/distribution_edit.html", {
        "distribution": item, "form": form,
        "served_count": item.services.count()},
        status=400 if request.method == "POST" else 200)


@org_view("programs.distribute")
@require_POST
def distribution_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Distribution, pk=pk)
    served = item.services.count()
    back = reverse("distribution", args=[org_slug_of(request), item.pk])
    asked = confirm_first(
        request, title=_("Remove the distribution “%(name)s”?") % {"name": item.name},
        changes=[_("The distribution of %(date)s goes.") % {
                     "date": date_format(item.held_on, "DATE_FORMAT")},
                 ngettext("%(count)s household served is taken off; their goods go back "
                          "on hand and the service leaves their timeline.",
                          "%(count)s households served are taken off; their goods go back "
                          "on hand and the service leaves their timelines.", served)
                 % {"count": served},
                 _("Sign-ins at the event stay: they were there.")],
        way_back=_("This cannot be undone: to get it back, create the distribution again "
                   "and record the households again. It stays in the audit log."),
        button=_("Remove the distribution"), cancel_url=back)
    if asked is not None:
        return asked
    count = services.remove_distribution(membership_of(request), item)
    messages.success(request, ngettext(
        "The distribution was removed; %(count)s household's goods are back on hand.",
        "The distribution was removed; %(count)s households' goods are back on hand.",
        count) % {"count": count})
    return redirect("distributions", org_slug=org_slug_of(request))


def _items() -> list[Item]:
    return list(Item.objects.filter(archived_at__isnull=True).order_by("name"))


@org_view("programs.distribute")
@require_http_methods(["GET", "POST"])
def distribution(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Distribution, pk=pk)
    key = f"distribution:{item.pk}"
    if request.method == "POST":
        _remember(request, key)
        return HttpResponseRedirect(request.path)
    chosen = None
    person_id = request.GET.get("person", "")
    if person_id.isdigit() and len(person_id) < 12:
        chosen = Person.objects.visible_to(membership_of(request)).filter(pk=int(person_id)
                                                                         ).first()
    return _distribution_page(request, item, chosen=chosen)


def _distribution_page(request: HttpRequest, item: Distribution, *, chosen: Person | None,
                       serve_form: ServeForm | None = None,
                       quick_form: QuickServeForm | None = None,
                       previous: list[Service] | None = None, status: int = 200) -> HttpResponse:
    catalog = _items()
    key = f"distribution:{item.pk}"
    query = _searched(request, key)
    have = services.on_hand(catalog)
    if chosen is not None and previous is None:
        previous = services.previous_services(item, chosen)
    if serve_form is None and chosen is not None:
        serve_form = ServeForm(items=catalog, initial={"person": chosen.pk})
    served = item.services.select_related("person", "household__address").prefetch_related(
        "items__item")
    language = get_language() or "en"
    return render(request, "programs/distribution.html", {
        "distribution": item, "query": query,
        "results": _with_address(_people_matching(request, query)) if chosen is None else [],
        "chosen": chosen, "chosen_residence": current_residence(chosen) if chosen else None,
        "serve_form": serve_form, "previous": previous or [],
        "quick_form": quick_form or QuickServeForm(items=catalog),
        "stock": [{"item": i, "label": i.label(language), "on_hand": have.get(i.pk, 0),
                   "low": have.get(i.pk, 0) <= i.low_stock_at} for i in catalog],
        "served": served[:50], "served_count": item.services.count(),
        "households_count": item.services.values("household_id", "person_id").distinct()
        .count(),
        "open_quick": quick_form is not None,
    }, status=status)


def _after_serving(request: HttpRequest, item: Distribution, result: services.Served
                   ) -> HttpResponse:
    messages.success(request, _("Recorded for %(name)s.") % {"name": result.service.person})
    for stocked, left in result.low:
        messages.warning(request, _("Low stock: %(item)s, %(count)s left.")
                         % {"item": stocked.name, "count": left})
    request.session.pop(f"search:distribution:{item.pk}", None)
    return redirect("distribution", org_slug=org_slug_of(request), pk=item.pk)


@org_view("programs.distribute")
@require_POST
def distribution_serve(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Distribution, pk=pk)
    membership = membership_of(request)
    form = ServeForm(request.POST, items=_items())
    chosen = None
    if form.is_valid():
        chosen = Person.objects.visible_to(membership).filter(
            pk=form.cleaned_data["person"]).first()
    if chosen is None:
        person_id = request.POST.get("person", "")
        chosen = Person.objects.visible_to(membership).filter(
            pk=int(person_id)).first() if person_id.isdigit() and len(person_id) < 12 else None
        if chosen is None:
            messages.error(request, _("Choose who is being served first."))
            return redirect("distribution", org_slug=org_slug_of(request), pk=item.pk)
        return _distribution_page(request, item, chosen=chosen, serve_form=form, status=400)
    try:
        result = services.serve_household(
            membership, item, chosen, form.quantities(),
            repeat_confirmed=form.cleaned_data["repeat_confirmed"])
    except services.AlreadyServed as exc:
        form.add_error(None, exc.message)
        confirm = ServeForm(request.POST.copy(), items=_items())
        confirm.data["repeat_confirmed"] = "on"
        confirm.is_valid()
        confirm.add_error(None, exc.message)
        return _distribution_page(request, item, chosen=chosen, serve_form=confirm,
                                  previous=exc.previous, status=409)
    except DomainError as exc:
        show_error(form, exc)
        return _distribution_page(request, item, chosen=chosen, serve_form=form, status=400)
    return _after_serving(request, item, result)


@org_view("programs.distribute")
@require_POST
def distribution_quick_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Distribution, pk=pk)
    form = QuickServeForm(request.POST, items=_items())
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.quick_add_and_serve(
                membership_of(request), item, given_name=data["given_name"],
                family_name=data["family_name"], phone=data["phone"], street=data["street"],
                unit=data["unit"], language=data["language"], items=form.quantities())
        except DomainError as exc:
            show_error(form, exc)
        else:
            return _after_serving(request, item, result)
    return _distribution_page(request, item, chosen=None, quick_form=form, status=400)


@org_view("programs.distribute")
@require_POST
def distribution_service_remove(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(Service.objects.select_related("person"), pk=pk)
    name = service.person.display_name
    distribution_id = service.distribution_id
    asked = confirm_first(
        request, title=_("Take %(name)s off this distribution?") % {"name": name},
        changes=[_("What they were given goes back on hand and the service leaves their "
                   "timeline."), _("A sign-in at the event stays: they were there.")],
        way_back=_("To get it back, record them again at the table."),
        button=_("Take them off"),
        cancel_url=reverse("distribution", args=[org_slug_of(request), distribution_id]))
    if asked is not None:
        return asked
    services.remove_service(membership_of(request), service)
    messages.success(request, _("%(name)s was taken off this distribution; the goods are "
                                "back on hand.") % {"name": name})
    return redirect("distribution", org_slug=org_slug_of(request), pk=distribution_id)
