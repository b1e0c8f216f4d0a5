"""The rapid-response screens: networks, zones, subscribers, the dispatcher board,
reports with verification and alerts, the incident review; thin, as everywhere:
parse with a form, call one service, render.

Reporter numbers never reach a template here: pages show only "hidden", and the one
view that returns a number (``report_reveal``) is for admins and audited.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.permissions import can
from groundswell.core.spreadsheets import SafeWriter
from groundswell.core.views import confirm_first, get_only, membership_of, org_slug_of, org_view
from groundswell.rapidresponse import outbound, services, states, texts
from groundswell.rapidresponse.forms import (
    AlertForm,
    AllClearForm,
    CloseForm,
    DirectConfirmationForm,
    DispatcherReportForm,
    LocateForm,
    NetworkForm,
    SubscriberFilterForm,
    SubscriberForm,
    ZoneForm,
)
from groundswell.rapidresponse.models import (
    Alert,
    AlertKind,
    Incident,
    Network,
    Report,
    ReportState,
    Subscriber,
    SubscriberRole,
    VerificationRequest,
    Zone,
)

STATE_BADGES = {
    ReportState.NEW: "warn", ReportState.VERIFYING: "warn", ReportState.CONFIRMED: "danger",
    ReportState.FALSE_ALARM: "light", ReportState.DUPLICATE: "light",
    ReportState.EXPIRED: "light",
}


def _networks(request: HttpRequest) -> Any:
    return Network.objects.visible_to(membership_of(request))


def _network(request: HttpRequest, pk: int) -> Network:
    return get_object_or_404(_networks(request), pk=pk)


def _report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(Report.objects.filter(network__in=_networks(request))
                             .select_related("network", "incident"), pk=pk)


def _map_point(lat: float | None, lon: float | None, **props: Any) -> dict[str, Any] | None:
    if lat is None or lon is None:
        return None
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def _zone_features(network: Network) -> list[dict[str, Any]]:
    return [{"type": "Feature", "geometry": json.loads(zone.geometry),
             "properties": {"label": zone.name, "kind": "zone"}}
            for zone in network.zones.all()]


def _collection(features: list[Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [f for f in features if f]}


# --- networks --------------------------------------------------------------------------------


@org_view("rapidresponse.view")
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    networks = list(_networks(request).select_related("base"))
    return render(request, "rapidresponse/home.html", {"networks": networks})


@org_view("rapidresponse.manage")
@require_http_methods(["GET", "POST"])
def network_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    membership = membership_of(request)
    network = _network(request, pk) if pk is not None else None
    initial = {}
    if network is not None:
        initial = {name: getattr(network, name) for name in NetworkForm.base_fields}
    form = NetworkForm(request.POST or None, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            network = services.save_network(membership, network=network, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Network saved."))
            return redirect("rr_board", org_slug_of(request), network.pk)
    return render(request, "rapidresponse/network_edit.html",
                  {"form": form, "network": network},
                  status=400 if form.errors else 200)


# --- zones -------------------------------------------------------------------------------------


@org_view("rapidresponse.manage")
@require_http_methods(["GET", "POST"])
def zones(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_zone(membership_of(request), network, name=form.cleaned_data["name"],
                               geometry_json=form.cleaned_data["geometry"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Zone saved."))
            return redirect("rr_zones", org_slug_of(request), network.pk)
    counts = dict(Subscriber.objects.filter(network=network, left_at__isnull=True)
                  .values_list("zone").annotate(n=Count("pk")))
    zone_list = [(zone, counts.get(zone.pk, 0)) for zone in network.zones.all()]
    return render(request, "rapidresponse/zones.html", {
        "network": network, "form": form, "zones": zone_list,
        "features": _collection(_zone_features(network)),
        "center": services.center_text(network),
    }, status=400 if form.errors else 200)


@org_view("rapidresponse.manage")
@require_http_methods(["GET", "POST"])
def zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    zone = get_object_or_404(Zone.objects.filter(network__in=_networks(request))
                             .select_related("network"), pk=pk)
    network = zone.network
    if request.method == "POST" and request.POST.get("delete"):
        services.delete_zone(membership_of(request), zone)
        messages.success(request, _("Zone deleted."))
        return redirect("rr_zones", org_slug_of(request), network.pk)
    form = ZoneForm(request.POST or None, initial={"name": zone.name,
                                                   "geometry": zone.geometry})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_zone(membership_of(request), network, zone=zone,
                               name=form.cleaned_data["name"],
                               geometry_json=form.cleaned_data["geometry"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Zone saved."))
            return redirect("rr_zones", org_slug_of(request), network.pk)
    return render(request, "rapidresponse/zone_edit.html", {
        "network": network, "zone": zone, "form": form,
        "center": services.center_text(network),
    }, status=400 if form.errors else 200)


# --- subscribers ---------------------------------------------------------------------------


@org_view("rapidresponse.manage")
def subscribers(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    filters = SubscriberFilterForm(request.GET or None, network=network)
    qs = Subscriber.objects.filter(network=network, left_at__isnull=True).select_related(
        "person", "zone")
    # Roles are sealed: read (and decrypted) once here, for the totals and the filter.
    roles = dict(Subscriber.objects.filter(network=network, left_at__isnull=True)
                 .values_list("pk", "role"))
    if filters.is_valid():
        if filters.cleaned_data.get("role"):
            wanted = filters.cleaned_data["role"]
            qs = qs.filter(pk__in=[pk for pk, role in roles.items() if role == wanted])
        if filters.cleaned_data.get("zone"):
            qs = qs.filter(zone=filters.cleaned_data["zone"])
    page = Paginator(qs.order_by("person__family_name", "person__given_name", "pk"), 50) \
        .get_page(request.GET.get("page"))
    totals = Counter(roles.values())
    approximate = Subscriber.objects.filter(
        network=network, left_at__isnull=True,
        location_source=Subscriber.LocationSource.FALLBACK).count()
    return render(request, "rapidresponse/subscribers.html", {
        "network": network, "page": page, "filters": filters,
        "totals": [(label, totals.get(value, 0)) for value, label in SubscriberRole.choices],
        "total": sum(totals.values()), "approximate": approximate,
        "left": Subscriber.objects.filter(network=network, left_at__isnull=False).count(),
        "filter_query": "&".join(f"{k}={v}" for k, v in (
            ("role", filters.cleaned_data.get("role") or ""),
            ("zone", filters.cleaned_data["zone"].pk if filters.cleaned_data.get("zone")
             else "")) if v) if filters.is_valid() else "",
    })


@org_view("rapidresponse.manage")
@require_POST
def subscribers_sync(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    result = services.sync_subscribers(membership_of(request), network)
    messages.success(request, _("%(added)d added, %(updated)d updated, %(left)d left.") % {
        "added": result.added, "updated": result.updated, "left": result.left})
    if result.approximate:
        messages.warning(request, _("%(n)d subscribers have no map point for their address "
                                    "yet: they are placed approximately near the network's "
                                    "centre.") % {"n": result.approximate})
    return redirect("rr_subscribers", org_slug_of(request), network.pk)


def _subscriber(request: HttpRequest, pk: int) -> Subscriber:
    return get_object_or_404(Subscriber.objects.filter(network__in=_networks(request))
                             .select_related("network", "person"), pk=pk)


@org_view("rapidresponse.manage")
@require_http_methods(["GET", "POST"])
def subscriber_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = _subscriber(request, pk)
    form = SubscriberForm(request.POST or None, initial={
        "role": subscriber.role, "language": subscriber.language,
        "radius_m": subscriber.radius_m, "drills": subscriber.drills,
        "available": subscriber.available})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_subscriber(membership_of(request), subscriber, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Subscriber saved."))
            return redirect("rr_subscribers", org_slug_of(request), subscriber.network_id)
    return render(request, "rapidresponse/subscriber_edit.html",
                  {"subscriber": subscriber, "network": subscriber.network, "form": form},
                  status=400 if form.errors else 200)


@org_view("rapidresponse.manage")
@require_POST
def subscriber_remove(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = _subscriber(request, pk)
    asked = confirm_first(
        request, title=_("Remove %(name)s from the network?") % {
            "name": subscriber.person.display_name},
        changes=[_("They get no more alerts or requests to verify, and their consent to "
                   "rapid-response alerts is recorded as withdrawn.")],
        way_back=_("To get it back, they give their consent again (for example by texting "
                   "JOIN or UNIRSE to the hotline)."),
        button=_("Remove them"),
        cancel_url=reverse("rr_subscribers", args=[org_slug_of(request),
                                                   subscriber.network_id]))
    if asked is not None:
        return asked
    services.remove_subscriber(membership_of(request), subscriber)
    messages.success(request, _("They will get no more alerts; their consent is withdrawn."))
    return redirect("rr_subscribers", org_slug_of(request), subscriber.network_id)


# --- the board ---------------------------------------------------------------------------------


def _board_context(request: HttpRequest, network: Network) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=network.retention_days)
    reports = list(Report.objects.filter(network=network, received_at__gte=since)
                   .annotate(asked=Count("requests"),
                             confirmed=Count("requests", filter=Q(requests__reply="confirmed")),
                             not_seen=Count("requests", filter=Q(requests__reply="not_seen")))
                   .order_by("-received_at", "-pk")[:50])
    now = timezone.now()
    for r in reports:
        r.badge = STATE_BADGES.get(r.state, "light")
    features = [_map_point(r.latitude, r.longitude, label=f"#{r.incident_id} "
                           f"{r.get_state_display()}", kind=f"report-{r.state}",
                           href=reverse("rr_report", args=[org_slug_of(request), r.pk]),
                           color="#b3261e" if r.state == ReportState.CONFIRMED else "#8a5a00")
                for r in reports]
    return {"network": network, "reports": reports, "now": now,
            "features": _collection(features + _zone_features(network)),
            "center": services.center_text(network),
            "open_count": sum(1 for r in reports if r.state in ("new", "verifying"))}


@org_view("rapidresponse.view")
def board(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    return render(request, "rapidresponse/board.html", _board_context(request, network))


@org_view("rapidresponse.view")
@never_cache
def board_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the board that htmx polls every few seconds."""
    network = _network(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    return render(request, "rapidresponse/_board_feed.html", _board_context(request, network))


@org_view("rapidresponse.dispatch")
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    form = DispatcherReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.create_report(
                membership_of(request), network, what=data["what"], where=data["where"],
                latitude=data["latitude"], longitude=data["longitude"],
                is_drill=data["is_drill"],
                seen_at=timezone.now() - timedelta(minutes=data["minutes_ago"]))
        except DomainError as exc:
            show_error(form, exc)
        else:
            return redirect("rr_report", org_slug_of(request), report.pk)
    return render(request, "rapidresponse/report_create.html", {
        "network": network, "form": form,
        "center": services.center_text(network),
    }, status=400 if form.errors else 200)


# --- one report ----------------------------------------------------------------------------


def _report_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    requests = list(VerificationRequest.objects.filter(report=report)
                    .select_related("subscriber__person").order_by("distance_m", "pk"))
    alerts = list(report.alerts.order_by("sent_at", "pk"))
    statuses = outbound.status_counts(report.organization, [a.pk for a in alerts])
    cleared = {a.follows_id for a in alerts if a.kind == AlertKind.ALL_CLEAR}
    snapshot = services._snapshot(report)

    now = timezone.now()
    point = _map_point(report.latitude, report.longitude, label=_("Report"), kind="report",
                       color="#b3261e")
    return {
        "report": report, "network": report.network, "requests": requests,
        "alerts": [(a, statuses.get(a.pk, []), a.pk in cleared) for a in alerts],
        "report_badge": STATE_BADGES.get(report.state, "light"), "now": now,
        "expired": states.is_expired(snapshot, now),
        "may_alert": states.may_alert(snapshot, now),
        "may_override": snapshot.state in states.OPEN and not snapshot.overridden
        and not states.is_expired(snapshot, now),
        "may_ask": snapshot.state in states.OPEN and not states.is_expired(snapshot, now),
        "may_close": snapshot.state not in states.CLOSED and not states.is_expired(snapshot,
                                                                                     now),
        "confirmations": snapshot.confirmations, "required": snapshot.required,
        "features": _collection([point] + _zone_features(report.network)),
        "center": services.center_text(report.network),
        "close_form": CloseForm(report=report),
        "confirm_form": DirectConfirmationForm(initial={
            "how": "phone", "observed_at": timezone.localtime(now).replace(second=0,
                                                                           microsecond=0)}),
        "direct_confirmations": list(report.direct_confirmations.select_related(
            "recorded_by")),
        "may_confirm": snapshot.state in states.OPEN and not states.is_expired(snapshot, now),
        "locate_form": LocateForm(initial={
            "latitude": report.latitude, "longitude": report.longitude}),
        "can_reveal": can(membership_of(request), "rapidresponse.reveal_reporter"),
    }


@org_view("rapidresponse.view")
@never_cache
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    context = _report_context(request, report)
    if request.htmx and request.GET.get("part") == "status":  # type: ignore[attr-defined]
        return render(request, "rapidresponse/_report_status.html", context)
    return render(request, "rapidresponse/report.html", context)


def _report_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    report = _report(request, pk)
    try:
        action(report)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("rr_report", org_slug_of(request), report.pk)


@org_view("rapidresponse.dispatch")
@require_POST
def report_verify(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    return _report_action(request, pk, lambda r: services.request_verification(membership, r),
                          _("The nearest available responders were asked to verify."))


@org_view("rapidresponse.dispatch")
@require_POST
def report_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation that came by phone or in person, recorded as a verification."""
    report = _report(request, pk)
    form = DirectConfirmationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(
            f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields
            else " ".join(errors) for name, errors in form.errors.items()))
        return redirect("rr_report", org_slug_of(request), report.pk)
    membership = membership_of(request)
    return _report_action(request, pk, lambda r: services.record_direct_confirmation(
        membership, r, **form.cleaned_data), _("Confirmation recorded."))


@org_view("rapidresponse.dispatch")
@require_POST
def report_override(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    if request.POST.get("confirm") != "yes":
        report = _report(request, pk)
        messages.error(request, _("Tick the box to confirm the override."))
        return redirect("rr_report", org_slug_of(request), report.pk)
    return _report_action(request, pk, lambda r: services.override_report(membership, r),
                          _("Override recorded: alerts from this report are labeled "
                            "unverified."))


@org_view("rapidresponse.dispatch")
@require_POST
def report_close(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    form = CloseForm(request.POST, report=report)
    if not form.is_valid():
        messages.error(request, _("Choose false alarm, or duplicate and the report it "
                                  "repeats."))
        return redirect("rr_report", org_slug_of(request), report.pk)
    membership = membership_of(request)
    return _report_action(request, pk, lambda r: services.close_report(
        membership, r, outcome=form.cleaned_data["outcome"],
        duplicate_of=form.cleaned_data["duplicate_of"]), _("Report closed."))


@org_view("rapidresponse.dispatch")
@require_POST
def report_locate(request: HttpRequest, pk: int) -> HttpResponse:
    form = LocateForm(request.POST)
    membership = membership_of(request)
    if not form.is_valid():
        report = _report(request, pk)
        messages.error(request, _("Tap the map to place the report."))
        return redirect("rr_report", org_slug_of(request), report.pk)
    return _report_action(request, pk, lambda r: services.set_report_location(
        membership, r, latitude=form.cleaned_data["latitude"],
        longitude=form.cleaned_data["longitude"]), _("Report placed on the map."))


@org_view("rapidresponse.dispatch")
@require_POST
def report_purge(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    network_pk = report.network_id
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the purge."))
        return redirect("rr_report", org_slug_of(request), report.pk)
    services.purge_report(membership_of(request), report)
    messages.success(request, _("The report, its place, replies and recipient lists are "
                                "deleted. Its counts stay in the review."))
    return redirect("rr_board", org_slug_of(request), network_pk)


@org_view("rapidresponse.reveal_reporter")
def report_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    number = services.reveal_reporter(membership_of(request), report)
    return render(request, "rapidresponse/_reporter.html", {"number": number,
                                                             "report": report})


# --- alerts -------------------------------------------------------------------------------------


def _alert_form(request: HttpRequest, network: Network, data: Any = None) -> AlertForm:
    report_pk = request.GET.get("report") or ""
    initial = {"radius_m": network.default_radius_m, "kind": AlertKind.SIGHTING}
    if report_pk.isdigit():
        initial["report"] = report_pk
    return AlertForm(data, network=network, initial=initial)


def _target(network: Network, data: dict[str, Any]) -> services.Target:
    return services.make_target(network, zone=data.get("zone"),
                                radius_m=None if data.get("zone") else data.get("radius_m"),
                                report=data.get("report"))


@org_view("rapidresponse.dispatch")
@require_http_methods(["GET", "POST"])
def alert_compose(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    form = _alert_form(request, network, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alert = services.send_alert(membership_of(request), network, kind=data["kind"],
                                        target=_target(network, data), report=data["report"],
                                        details=data["details"], drill=data["drill"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Alert queued for %(n)d subscribers, nearest "
                                        "first.") % {"n": alert.recipients_count})
            return redirect("rr_alert", org_slug_of(request), alert.pk)
    report = None
    report_value = form["report"].value()
    if report_value and str(report_value).isdigit():
        report = Report.objects.filter(network=network, pk=report_value).first()

    previews = {kind: {lang: texts.ALERT_TEMPLATES[kind][lang] for lang in ("en", "es")}
                for kind in texts.ALERT_TEMPLATES}
    return render(request, "rapidresponse/alert_compose.html", {
        "network": network, "form": form, "report": report, "previews": previews,
        "count_url": reverse("rr_alert_count", args=[org_slug_of(request), network.pk]),
    }, status=400 if form.errors else 200)


@org_view("rapidresponse.dispatch")
@never_cache
def alert_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The live recipient count beside the composer (htmx, on every change)."""
    network = _network(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    form = _alert_form(request, network, request.GET)
    count = by_language = None
    error = ""
    if form.is_valid():
        try:
            target = _target(network, form.cleaned_data)
            report = form.cleaned_data.get("report")
            drill = form.cleaned_data["drill"] or bool(report and report.is_drill)
            ranked = services.rank_recipients(network, target, drill=drill)
        except DomainError as exc:
            error = exc.message
        else:
            count = len(ranked)
            languages = dict(Subscriber.objects.filter(pk__in=[r.id for r in ranked])
                             .values_list("language").annotate(n=Count("pk")))
            by_language = {"es": languages.get("es", 0), "en": languages.get("en", 0)}
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(request, "rapidresponse/_alert_count.html",
                  {"count": count, "by_language": by_language, "error": error})


@org_view("rapidresponse.view")
@never_cache
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.filter(network__in=_networks(request))
                              .select_related("network", "report", "zone", "follows"), pk=pk)
    if (refused := get_only(request)) is not None:
        return refused
    statuses = outbound.status_counts(alert.organization, [alert.pk]).get(alert.pk, [])
    cleared = alert.follow_ups.filter(kind=AlertKind.ALL_CLEAR).first()
    languages = dict(alert.recipients.values_list("language").annotate(n=Count("pk")))
    context = {"alert": alert, "network": alert.network, "statuses": statuses,
               "cleared": cleared, "languages": languages, "all_clear_form": AllClearForm()}
    if request.htmx and request.GET.get("part") == "status":  # type: ignore[attr-defined]
        return render(request, "rapidresponse/_alert_status.html", context)
    return render(request, "rapidresponse/alert.html", context)


@org_view("rapidresponse.dispatch")
@require_POST
def alert_all_clear(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.filter(network__in=_networks(request)), pk=pk)
    form = AllClearForm(request.POST)
    details = form.cleaned_data["details"] if form.is_valid() else ""
    try:
        clear = services.send_all_clear(membership_of(request), alert, details=details)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rr_alert", org_slug_of(request), alert.pk)
    messages.success(request, _("All-clear queued for the same %(n)d people.") % {
        "n": clear.recipients_count})
    return redirect("rr_alert", org_slug_of(request), clear.pk)


# --- review --------------------------------------------------------------------------------


def _seconds(start: Any, end: Any) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def review_rows(network: Network) -> list[dict[str, Any]]:
    outbound_first = outbound.first_deliveries(network)
    rows = []
    for incident in Incident.objects.filter(network=network).order_by("-received_at"):
        first = incident.first_delivery_at or outbound_first.get(incident.pk)
        row: dict[str, Any] = {
            "incident": incident,
            "to_confirm": _seconds(incident.received_at, incident.confirmed_at),
            "to_alert": _seconds(incident.received_at, incident.first_alert_at),
            "to_delivery": _seconds(incident.received_at, first),
        }
        for key in ("to_confirm", "to_alert", "to_delivery"):
            row[f"{key}_label"] = duration_label(row[key])
        rows.append(row)
    return rows


def duration_label(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 120:
        return _("%(n)d s") % {"n": seconds}
    minutes = round(seconds / 60)
    if minutes < 120:
        return _("%(n)d min") % {"n": minutes}
    return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}


def monthly(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    months: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        incident = row["incident"]
        if incident.is_drill:
            continue
        key = timezone.localtime(incident.received_at).strftime("%Y-%m")
        months[key]["reports"] += 1
        months[key][incident.state] += 1
    result = []
    for key in sorted(months):
        counts = months[key]
        decided = counts["confirmed"] + counts["false_alarm"]
        result.append({"month": key, "reports": counts["reports"],
                       "confirmed": counts["confirmed"], "false_alarm": counts["false_alarm"],
                       "false_alarm_rate": round(100 * counts["false_alarm"] / decided)
                       if decided else None})
    return result


@org_view("rapidresponse.view")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    rows = review_rows(network)
    months = monthly(rows)
    chart = {"labels": [m["month"] for m in months],
             "reports": [m["reports"] for m in months],
             "confirmed": [m["confirmed"] for m in months],
             "false_alarm_rate": [m["false_alarm_rate"] for m in months],
             "names": {"reports": _("Reports"), "confirmed": _("Confirmed"),
                       "rate": _("False alarms (%)")}}
    return render(request, "rapidresponse/review.html", {
        "network": network, "rows": rows[:200], "months": months, "chart": chart})


@org_view("rapidresponse.view")
def review_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The incident history as CSV: times and counts only, no reporter, place or
    person."""
    network = _network(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    response.write("\ufeff")
    writer = SafeWriter(response)
    writer.writerow(["incident", "received", "source", "state", "drill", "unverified",
                     "seconds_to_confirm", "seconds_to_alert", "seconds_to_first_delivery",
                     "responders_asked", "responders_confirmed", "responders_on_the_way",
                     "alerts", "recipients"])
    rows = review_rows(network)
    services.record_review_export(membership_of(request), network, len(rows))
    for row in rows:
        i = row["incident"]
        writer.writerow([i.pk, i.received_at.isoformat(), i.source, i.state, int(i.is_drill),
                         int(i.overridden), row["to_confirm"], row["to_alert"],
                         row["to_delivery"], i.responders_asked, i.responders_confirmed,
                         i.responders_on_the_way, i.alerts_sent, i.recipients])
    return response
