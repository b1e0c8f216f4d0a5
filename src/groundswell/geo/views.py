"""The geography screens: the households map, address points, and turfs (draw,
edit, assign, archive, auto-cut). Thin: parse with a form, call one service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.models import Membership
from groundswell.core.permissions import can
from groundswell.core.views import membership_of, org_slug_of, org_view
from groundswell.geo import maps, services
from groundswell.geo.forms import AddressFileForm, CutForm, TurfForm
from groundswell.geo.models import AddressPoint, Turf
from groundswell.people.models import Household


def turf_features(turfs: list[Turf], slug: str) -> list[dict[str, Any]]:
    from django.urls import reverse

    return [{"type": "Feature", "geometry": t.geometry, "properties": {
        "label": f"{t.name} · {t.door_count}", "color": "#1a5fb4", "kind": "turf",
        "href": reverse("turf", args=[slug, t.pk])}} for t in turfs]


@org_view("geo.view")
def geo_map(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    color_by = maps.coloring(request.GET.get("color", "")).key
    households = list(Household.objects.filter(address__latitude__isnull=False)
                      .filter(address__base__in=_bases(membership))
                      .select_related("address")) if membership.bases.exists() else \
        list(Household.objects.filter(address__latitude__isnull=False).select_related("address"))
    collection, legend = maps.household_features(households, color_by, org_slug_of(request),
                                            link=can(membership, "people.view"))
    turfs = list(Turf.objects.visible_to(membership).active())
    collection["features"] = turf_features(turfs, org_slug_of(request)) + collection["features"]
    unplaced = Household.objects.filter(address__latitude__isnull=True).count()
    return render(request, "geo/map.html", {
        "features": collection, "legend": legend, "color_by": color_by,
        "colorings": maps.colorings(),
        "placed": len(households), "unplaced": unplaced})


def _bases(membership: Membership) -> Any:
    return membership.bases.all()


@org_view("geo.manage")
@require_http_methods(["GET", "POST"])
def address_points(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = AddressFileForm(request.POST or None, request.FILES or None)
    rows: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = services.load_address_points(membership, upload.read(), upload.name)
        except services.AddressFileError as exc:
            form.add_error("file", exc.message)
            rows = exc.rows
        else:
            messages.success(request, _("%(count)s address points loaded. Now place the "
                                        "households on the map.") % {"count": count})
            return redirect("address_points", org_slug=org_slug_of(request))
    return render(request, "geo/addresses.html", {
        "form": form, "rows": rows, "points": AddressPoint.objects.count(),
        "unplaced": Household.objects.filter(address__latitude__isnull=True).count(),
    }, status=400 if request.method == "POST" else 200)


@org_view("geo.manage")
@require_POST
def address_geocode(request: HttpRequest) -> HttpResponse:
    result = services.geocode_households(membership_of(request),
                                         replace=request.POST.get("replace") == "1")
    messages.success(request, _("Placed on the map: %(exact)s exactly, %(fuzzy)s by a close "
                                "match. Not found: %(missing)s.")
                     % {"exact": result.exact, "fuzzy": result.fuzzy, "missing": result.missing})
    return redirect("address_points", org_slug=org_slug_of(request))


@org_view("geo.view")
def turfs(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    show_archived = request.GET.get("archived") == "1"
    qs = Turf.objects.visible_to(membership).prefetch_related("assigned_to__user")
    qs = qs.filter(archived_at__isnull=not show_archived)
    items = list(qs)
    return render(request, "geo/turfs.html", {
        "turfs": items, "show_archived": show_archived,
        "features": {"type": "FeatureCollection",
                     "features": turf_features(items, org_slug_of(request))}})


def _turf_form_page(request: HttpRequest, turf: Turf | None) -> HttpResponse:
    membership = membership_of(request)
    if request.method == "POST" and not can(membership, "geo.manage"):
        raise PermissionDenied
    initial = {}
    if turf is not None:
        initial = {"name": turf.name, "base": turf.base, "geometry": json.dumps(turf.geometry),
                   "assigned_to": list(turf.assigned_to.all())}
    form = TurfForm(request.POST or None, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if turf is None:
                turf = services.create_turf(membership, name=data["name"],
                                            geometry=data["geometry"], base=data["base"],
                                            assigned_to=list(data["assigned_to"]))
                messages.success(request, _("Turf “%(name)s” created with %(doors)s doors.")
                                 % {"name": turf.name, "doors": turf.door_count})
            else:
                services.update_turf(membership, turf, name=data["name"],
                                     geometry=data["geometry"], base=data["base"],
                                     assigned_to=list(data["assigned_to"]))
                messages.success(request, _("Turf saved: %(doors)s doors.")
                                 % {"doors": turf.door_count})
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            return redirect("turf", org_slug=org_slug_of(request), pk=turf.pk)
    households = list(Household.objects.filter(address__latitude__isnull=False)
                      .select_related("address")[:5000])
    collection, _legend = maps.household_features(households, "stage", org_slug_of(request),
                                                  link=False)
    walk_lists = turf.walk_lists.select_related("effort") if turf is not None else []
    return render(request, "geo/turf.html", {
        "turf": turf, "form": form, "features": collection, "walk_lists": walk_lists,
        "can_manage": can(membership, "geo.manage"),
    }, status=400 if request.method == "POST" else 200)


@org_view("geo.manage")
@require_http_methods(["GET", "POST"])
def turf_create(request: HttpRequest) -> HttpResponse:
    return _turf_form_page(request, None)


@org_view("geo.view")
@require_http_methods(["GET", "POST"])
def turf(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Turf.objects.visible_to(membership_of(request)), pk=pk)
    return _turf_form_page(request, item)


@org_view("geo.manage")
@require_POST
def turf_archive(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Turf.objects.visible_to(membership_of(request)), pk=pk)
    services.archive_turf(membership_of(request), item)
    messages.success(request, _("Turf “%(name)s” archived.") % {"name": item.name})
    return redirect("turfs", org_slug=org_slug_of(request))


@org_view("geo.manage")
@require_http_methods(["GET", "POST"])
def turf_cut(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = CutForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.cut_turfs(membership, parts=data["parts"], name=data["name"],
                                      base=data["base"], geometry=data["geometry"] or None,
                                      cross_gaps=data["cross_gaps"])
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            sizes = [t.door_count for t in made]
            messages.success(request, _("%(count)s turfs made, from %(small)s to %(large)s "
                                        "doors each.")
                             % {"count": len(made), "small": min(sizes), "large": max(sizes)})
            return redirect("turfs", org_slug=org_slug_of(request))
    households = list(Household.objects.filter(address__latitude__isnull=False)
                      .select_related("address")[:5000])
    collection, _legend = maps.household_features(households, "stage", org_slug_of(request),
                                                  link=False)
    return render(request, "geo/cut.html", {"form": form, "features": collection},
                  status=400 if request.method == "POST" else 200)
