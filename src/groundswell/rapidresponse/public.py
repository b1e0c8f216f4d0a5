"""Pages residents reach without signing in: the report form and leaving the network.

The report form is rate-limited per client address and per network in the shared
cache, so a flood is refused with a clear page and creates nothing; the reporter's
address is never stored (only an HMAC of it lives in the cache, for the window).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_scopes import scope, scopes_disabled

from groundswell.core import ratelimit
from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.middleware import client_ip
from groundswell.rapidresponse import services
from groundswell.rapidresponse.forms import ReportForm
from groundswell.rapidresponse.models import Network, Subscriber

PER_CLIENT = getattr(settings, "RAPID_RESPONSE_REPORTS_PER_CLIENT", 5)
PER_NETWORK = getattr(settings, "RAPID_RESPONSE_REPORTS_PER_NETWORK", 60)
REPORT_WINDOW = timedelta(minutes=10)


def _network(key: str) -> Network:
    with scopes_disabled():
        network = Network.objects.select_related("organization").filter(
            public_key=key).first()
    if network is None:
        raise Http404
    return network


@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, network_key: str) -> HttpResponse:
    network = _network(network_key)
    form = ReportForm(request.POST or None)
    context = {"network": network, "public_org": network.organization, "form": form,
               "center": services.center_text(network)}
    if request.method == "POST":
        flooded = ratelimit.exceeded("report-ip", client_ip(request), limit=PER_CLIENT,
                                     window=REPORT_WINDOW) or \
            ratelimit.exceeded("report-network", str(network.pk), limit=PER_NETWORK,
                               window=REPORT_WINDOW)
        if flooded:
            return render(request, "rapidresponse/public_limited.html", context, status=429)
        if form.is_valid():
            data = form.cleaned_data
            language = (request.LANGUAGE_CODE or "es")[:2]  # type: ignore[attr-defined]
            try:
                with scope(organization=network.organization):
                    services.submit_web_report(
                        network, what=data["what"], where=data["where"],
                        latitude=data["latitude"], longitude=data["longitude"],
                        seen_at=timezone.now() - timedelta(minutes=data["minutes_ago"]),
                        language=language)
            except DomainError as exc:
                show_error(form, exc)
            else:
                return render(request, "rapidresponse/public_thanks.html", context)
        return render(request, "rapidresponse/public_report.html", context, status=400)
    return render(request, "rapidresponse/public_report.html", context)


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """One click to stop rapid-response alerts (the link in the welcome text)."""
    with scopes_disabled():

        subscriber = Subscriber.objects.select_related("organization").filter(
            leave_token=token).first()
    if subscriber is None:
        raise Http404
    if request.method == "POST":
        services.leave_by_token(token)
        return render(request, "rapidresponse/public_left.html",
                      {"public_org": subscriber.organization})
    return render(request, "rapidresponse/public_leave.html",
                  {"public_org": subscriber.organization, "left": subscriber.left_at})
