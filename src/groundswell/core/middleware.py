"""Request plumbing: the organization scope, the audit context and size limits."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext
from django_scopes import scope

from groundswell.core import audit
from groundswell.core.scoping import membership_in

Handler = Callable[[HttpRequest], HttpResponse]


def client_ip(request: HttpRequest) -> str:
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _wants_json(request: HttpRequest) -> bool:
    return (request.content_type == "application/json"
            or request.META.get("HTTP_ACCEPT", "").startswith("application/json"))


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than any form or upload we accept before reading them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            if _wants_json(request):
                # A script (the canvasser app's sync) reads the answer: it gets JSON.
                return JsonResponse({"error": gettext(
                    "What you sent is too large. Nothing was changed.")}, status=413)
            return HttpResponse(render_to_string("413.html", request=request), status=413)
        token = audit.current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            audit.current_ip.reset(token)


class OrganizationMiddleware:
    """For URLs under ``/o/<org_slug>/``: find the user's membership in that
    organization (404 when there is none: an organization you don't belong to looks
    exactly like one that doesn't exist) and run the view inside its scope."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("org_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_in(request.user, slug)
        if membership is None:
            raise Http404
        request.organization = membership.organization  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.session["last_organization"] = membership.organization.slug
        with scope(organization=membership.organization):
            return self.get_response(request)
