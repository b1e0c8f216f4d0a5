"""Thin views: parse input, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.core import audit, services
from groundswell.core.errors import DomainError
from groundswell.core.forms import (
    AcceptInvitationForm,
    AuditFilterForm,
    BaseForm,
    InviteForm,
    RoleForm,
)
from groundswell.core.models import AuditEvent, Base, Invitation, Membership, WorkerHeartbeat
from groundswell.core.permissions import require
from groundswell.core.scoping import memberships_for_user

View = Callable[..., HttpResponse]


def org_view(capability: str = "organization.view") -> Callable[[View], View]:
    """For views under /o/<org_slug>/: the middleware has found the membership and
    entered the scope; this checks the role may use the page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.membership, capability)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def get_only(request: HttpRequest) -> HttpResponse | None:
    """For pages that look their object up before checking the method, so that a POST
    with another organization's id is a 404 like a GET, not a 405 that would tell the
    id exists: call it after the lookup and return what it returns."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return None


def membership_of(request: HttpRequest) -> Membership:
    """The member making a request under /o/<org_slug>/ (set by the middleware)."""
    return request.membership  # type: ignore[attr-defined]


def org_slug_of(request: HttpRequest) -> str:
    """The slug of the organization a request under /o/<org_slug>/ is for."""
    return request.organization.slug  # type: ignore[attr-defined]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_for_user(request.user)
    last = request.session.get("last_organization")
    slugs = [m.organization.slug for m in memberships]
    if len(memberships) == 1:
        return redirect("organization_home", org_slug=slugs[0])
    if last in slugs and not request.GET.get("choose"):
        return redirect("organization_home", org_slug=last)
    return render(request, "core/choose_organization.html", {"memberships": memberships})


@org_view()
def organization_home(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    return render(request, "core/organization_home.html", {
        "bases": Base.objects.visible_to(membership).active(),
    })


# --- members -------------------------------------------------------------------------


def confirm_first(request: HttpRequest, *, title: str, changes: list[str], way_back: str,
                  button: str, cancel_url: str) -> HttpResponse | None:
    """Every destructive action asks once. A POST without ``confirmed`` gets a page that
    names what will change and how to get it back (or that it cannot be), with one button
    that posts the same form again, confirmed; None once confirmed. No script needed;
    an htmx request is sent the page as a whole (HX-Retarget body) so it is seen."""
    if request.POST.get("confirmed") == "1":
        return None
    hidden = [(key, value) for key in request.POST if key not in ("csrfmiddlewaretoken",
                                                                  "confirmed")
              for value in request.POST.getlist(key)]
    response = render(request, "web/confirm.html", {
        "title": title, "changes": changes, "way_back": way_back, "button": button,
        "action": request.get_full_path(), "hidden": hidden, "cancel_url": cancel_url})
    if request.headers.get("HX-Request"):
        response["HX-Retarget"] = "body"
        response["HX-Reswap"] = "innerHTML"
        response["HX-Push-Url"] = "false"
    return response


def remembered_search(request: HttpRequest, key: str) -> tuple[str, HttpResponse | None]:
    """Search terms are usually names: they are posted and kept in the session so they
    never appear in URLs, access logs or browser history."""
    session_key = f"search:{key}"
    if request.method == "POST":
        request.session[session_key] = request.POST.get("q", "").strip()[:100]
        return "", HttpResponseRedirect(request.path)
    return request.session.get(session_key, ""), None


@org_view("members.view")
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    query, redirect_after_search = remembered_search(request, "members")
    if redirect_after_search:
        return redirect_after_search
    qs = Membership.objects.select_related("user").prefetch_related("bases").order_by(
        "user__name", "user__email")
    if query:
        from django.db.models import Q

        qs = qs.filter(Q(user__name__icontains=query) | Q(user__email__icontains=query))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    invitations = [i for i in Invitation.objects.filter(accepted_at=None, revoked_at=None)
                   .prefetch_related("bases") if i.is_pending]
    return render(request, "core/members.html", {
        "page": page, "query": query, "invitations": invitations,
        "invite_form": InviteForm(membership=membership),
    })


@org_view("members.manage")
@require_http_methods(["GET", "POST"])
def member_invite(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = InviteForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(membership, email=form.cleaned_data["email"],
                                   role=form.cleaned_data["role"],
                                   bases=form.cleaned_data["bases"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Invitation sent. The link works for %(days)s days.")
                             % {"days": settings.INVITATION_MAX_AGE.days})
            return redirect("members", org_slug=request.organization.slug)  # type: ignore
    return render(request, "core/member_invite.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@org_view("members.manage")
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    initial = {"role": member.role, "bases": list(member.bases.all())}
    form = RoleForm(request.POST or None, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(membership, member, role=form.cleaned_data["role"],
                                 bases=form.cleaned_data["bases"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Role saved for %(name)s.") % {"name": member.user})
            return redirect("members", org_slug=request.organization.slug)  # type: ignore
    return render(request, "core/member_edit.html", {"form": form, "member": member},
                  status=400 if request.method == "POST" else 200)


@org_view("members.manage")
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.remove_member(membership, member)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("%(name)s was removed from the organization.")
                             % {"name": member.user})
            if member.pk == membership.pk:
                return redirect("home")
            return redirect("members", org_slug=request.organization.slug)  # type: ignore
    return render(request, "core/member_remove.html", {"member": member, "error": error},
                  status=400 if error else 200)


@org_view("members.manage")
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    asked = confirm_first(
        request, title=_("Withdraw the invitation to %(email)s?") % {"email": invitation.email},
        changes=[_("The link in the invitation stops working.")],
        way_back=_("To get it back, invite them again: they get a new link."),
        button=_("Withdraw the invitation"),
        cancel_url=reverse("members", args=[request.organization.slug]))  # type: ignore
    if asked is not None:
        return asked
    try:
        services.revoke_invitation(request.membership, invitation)  # type: ignore[attr-defined]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("members", org_slug=request.organization.slug)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pending = services.read_invitation(token)
    except DomainError as exc:
        return render(request, "core/invitation_invalid.html", {"error": exc.message}, status=400)
    user = request.user
    needs_account = not user.is_authenticated and pending.existing_user is None
    form = AcceptInvitationForm(request.POST or None) if needs_account else None
    error = None
    if request.method == "POST":
        if not user.is_authenticated and pending.existing_user is not None:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form is None or form.is_valid():
            try:
                membership = services.accept_invitation(
                    token, user=user,
                    name=form.cleaned_data["name"] if form else "",
                    password=form.cleaned_data["password"] if form else "",
                )
            except DomainError as exc:
                error = exc.message
            else:
                if not user.is_authenticated:
                    from django.contrib.auth import login

                    login(request, membership.user,
                          backend="allauth.account.auth_backends.AuthenticationBackend")
                messages.success(request, _("Welcome to %(organization)s.")
                                 % {"organization": pending.organization.name})
                return redirect("organization_home", org_slug=pending.organization.slug)
    return render(request, "core/invitation_accept.html", {
        "pending": pending, "form": form, "error": error,
    }, status=400 if request.method == "POST" else 200)


# --- bases -----------------------------------------------------------------------------


@org_view("bases.view")
def bases(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    show_archived = request.GET.get("archived") == "1"
    qs = Base.objects.visible_to(membership)
    qs = qs.filter(archived_at__isnull=not show_archived)
    return render(request, "core/bases.html", {
        "bases": qs, "show_archived": show_archived, "form": BaseForm(),
    })


@org_view("bases.manage")
@require_http_methods(["GET", "POST"])
def base_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    base = get_object_or_404(Base.objects.visible_to(membership), pk=pk) if pk else None
    initial = {"name": base.name, "description": base.description} if base else None
    form = BaseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if "archive" in request.POST and base is not None:
            services.set_base_archived(membership, base, request.POST["archive"] == "1")
            messages.success(request, _("Saved."))
            return redirect("bases", org_slug=request.organization.slug)  # type: ignore
        if form.is_valid():
            try:
                services.save_base(membership, base=base, **form.cleaned_data)
            except DomainError as exc:
                form.add_error("name", exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("bases", org_slug=request.organization.slug)  # type: ignore
    return render(request, "core/base_edit.html", {"form": form, "base": base},
                  status=400 if request.method == "POST" else 200)


# --- audit log -------------------------------------------------------------------------


@org_view("audit.view")
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    qs = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["code"]:
            qs = qs.filter(code=data["code"])
        if data["actor"]:
            qs = qs.filter(actor_id=data["actor"].user_id)
        tz = timezone.get_current_timezone()
        if data["since"]:
            qs = qs.filter(created_at__gte=datetime.combine(data["since"], time.min, tz))
        if data["until"]:
            qs = qs.filter(created_at__lt=datetime.combine(
                data["until"] + timedelta(days=1), time.min, tz))
    page = Paginator(qs.order_by("-seq"), 50).get_page(request.GET.get("page"))
    from django.contrib.auth import get_user_model

    actors = {u.pk: u for u in get_user_model().objects.filter(
        pk__in={e.actor_id for e in page if e.actor_id})}
    rows = [{"event": event, "actor": actors.get(event.actor_id),
             "label": audit.describe(event.code),
             "object": audit.describe_object(event.object_type)} for event in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_log.html", {
        "form": form, "page": page, "rows": rows, "page_query": query.urlencode(),
    })


# --- language and health -------------------------------------------------------------------


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    try:
        services.set_language(request.user, language)
    except DomainError as exc:
        messages.error(request, exc.message)
        return response
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                        max_age=365 * 24 * 3600, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                        secure=settings.LANGUAGE_COOKIE_SECURE,
                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
    return response


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database reachable, and a worker seen recently (``make demo`` runs one)."""
    status: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "down" here
        status["database"] = "down"
    worker_age = None
    if status["database"] == "ok":
        latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
        if latest is not None:
            worker_age = (timezone.now() - latest.last_seen).total_seconds()
    stale_after = settings.WORKER_HEARTBEAT_SECONDS * 3
    status["worker"] = "ok" if worker_age is not None and worker_age <= stale_after else "down"
    status["worker_last_seen_seconds"] = None if worker_age is None else round(worker_age, 1)
    healthy = status["database"] == "ok" and status["worker"] == "ok"
    status["status"] = "ok" if healthy else "degraded"
    return JsonResponse(status, status=200 if healthy else 503)


def error_view(template: str, status: int) -> View:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        return render(request, template, status=status)

    return view
