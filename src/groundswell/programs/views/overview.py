"""Programs: the list, creating, editing and archiving one, its page, adding a session."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.views import get_only, membership_of, org_slug_of, org_view
from groundswell.programs import services
from groundswell.programs.forms import (
    ProgramForm,
    SessionForm,
)
from groundswell.programs.models import (
    Enrollment,
    Program,
)
from groundswell.programs.views.base import _team_program, _visible_program

# --- programs ---------------------------------------------------------------------------


@org_view("programs.view")
def programs(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    show_archived = request.GET.get("archived") == "1"
    qs = Program.objects.visible_to(membership).filter(
        archived_at__isnull=not show_archived).annotate(
        enrolled=Count("enrollments", filter=Q(enrollments__status="enrolled"),
                       distinct=True),
        waitlisted=Count("enrollments", filter=Q(enrollments__status="waitlisted"),
                         distinct=True))
    mine = set(membership.programs.values_list("pk", flat=True))
    return render(request, "programs/programs.html", {
        "programs": [{"program": p, "mine": p.pk in mine} for p in qs],
        "show_archived": show_archived,
    })


@org_view("programs.manage")
@require_POST
def program_archive(request: HttpRequest, pk: int) -> HttpResponse:
    program = _visible_program(request, pk)
    archived = request.POST.get("archived") == "1"
    services.set_program_archived(membership_of(request), program, archived)
    messages.success(request, _("Program archived: it no longer shows in the list.")
                     if archived else _("Program restored."))
    if archived:
        return redirect("programs", org_slug=org_slug_of(request))
    return redirect("program", org_slug=org_slug_of(request), pk=program.pk)


@org_view("programs.manage")
@require_http_methods(["GET", "POST"])
def program_create(request: HttpRequest) -> HttpResponse:
    return _program_form(request, None)


@org_view("programs.manage")
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _program_form(request, _visible_program(request, pk))


def _program_form(request: HttpRequest, program: Program | None) -> HttpResponse:
    membership = membership_of(request)
    initial = ProgramForm.initial_for(program) if program else None
    form = ProgramForm(request.POST or None, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_program(membership, program, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Program saved."))
            return redirect("program", org_slug=org_slug_of(request), pk=saved.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": program},
                  status=400 if request.method == "POST" else 200)


@org_view("programs.view")
def program(request: HttpRequest, pk: int) -> HttpResponse:
    program = _visible_program(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    return _program_page(request, program)


def _program_page(request: HttpRequest, program: Program, *,
                  session_form: SessionForm | None = None, status: int = 200) -> HttpResponse:
    membership = membership_of(request)
    team = services.can_see_children(membership, program)
    sessions = list(program.sessions.annotate(
        came=Count("attendances", filter=Q(attendances__status__in=("present", "late"))),
        marked=Count("attendances"))[:20])
    context: dict[str, Any] = {
        "program": program, "team": team, "sessions": sessions,
        "roll_call": services.program_roll_call(program),
        "staff": program.staff.select_related("user"),
        "counts": dict(program.enrollments.values_list("status").annotate(n=Count("pk"))),
        "session_form": session_form or SessionForm(initial={
            "starts_at": timezone.localtime().replace(second=0, microsecond=0)}),
    }
    if team:
        context["enrollments"] = program.enrollments.select_related("child").exclude(
            status=Enrollment.Status.WITHDRAWN).order_by("status", "waitlisted_at",
                                                         "child__given_name")
    return render(request, "programs/program.html", context, status=status)


@org_view("programs.run")
@require_POST
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    program = _team_program(request, _visible_program(request, pk))
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = services.create_session(membership_of(request), program,
                                              **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Session added. Take roll call."))
            return redirect("program_session", org_slug=org_slug_of(request), pk=session.pk)
    return _program_page(request, program, session_form=form, status=400)
