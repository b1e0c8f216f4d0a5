"""Roll call on a phone: a session's children, marked present, absent or picked up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.core.errors import DomainError
from groundswell.core.views import get_only, membership_of, org_slug_of, org_view
from groundswell.programs import services, stats
from groundswell.programs.forms import (
    MarkForm,
)
from groundswell.programs.models import (
    Attendance,
    Enrollment,
    Session,
)
from groundswell.programs.views.base import _session

# --- roll call ----------------------------------------------------------------------------


def _roll_rows(session: Session) -> list[dict[str, Any]]:
    enrollments = session.program.enrollments.filter(
        status=Enrollment.Status.ENROLLED).select_related("child").prefetch_related(
        "guardians", "contacts").order_by("child__given_name", "child__family_name")
    marks = {a.enrollment_id: a for a in session.attendances.all()}
    return [_roll_row(e, marks.get(e.pk)) for e in enrollments]


def _roll_row(item: Enrollment, mark: Attendance | None) -> dict[str, Any]:
    choices = services.pickup_choices(item)
    names = dict(choices)
    picked = None
    if mark and mark.picked_up_by_guardian_id:
        picked = names.get(f"g{mark.picked_up_by_guardian_id}", "?")
    elif mark and mark.picked_up_by_contact_id:
        picked = names.get(f"c{mark.picked_up_by_contact_id}", "?")
    return {"enrollment": item, "mark": mark, "pickups": choices, "picked_by": picked,
            "allergies": bool(item.allergies)}


@org_view("programs.run")
def session(request: HttpRequest, pk: int) -> HttpResponse:
    item = _session(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    rows = _roll_rows(item)
    return render(request, "programs/session.html", {
        "session": item, "program": item.program, "rows": rows, **_roll_counts(rows),
        "now": timezone.localtime().strftime("%H:%M"),
    })


def _roll_counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"counts": stats.roll_call(r["mark"].status for r in rows if r["mark"]),
            "unmarked": sum(1 for r in rows if r["mark"] is None)}


@org_view("programs.run")
@require_POST
def session_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """One child's roll call (present/late/absent) or pickup. With htmx, the child's
    row alone comes back; without, the roll call page."""
    item = _session(request, pk)
    membership = membership_of(request)
    form = MarkForm(request.POST)
    error = ""
    enrollment_obj = None
    if form.is_valid():
        enrollment_obj = item.program.enrollments.filter(
            pk=form.cleaned_data["enrollment"]).first()
    if enrollment_obj is None:
        error = _("Choose present, late or absent, or who picked the child up.") \
            if not form.is_valid() else _("That child is not enrolled in this program.")
    else:
        data = form.cleaned_data
        try:
            if data["status"]:
                services.mark_attendance(membership, item, enrollment_obj,
                                         status=data["status"])
            if data["pickup"]:
                at = None
                if data["picked_up_at"]:
                    at = timezone.make_aware(datetime.combine(
                        timezone.localdate(item.starts_at), data["picked_up_at"]))
                services.record_pickup(membership, item, enrollment_obj,
                                       pickup=data["pickup"], at=at)
        except DomainError as exc:
            error = exc.message
    if request.htmx and enrollment_obj is not None:  # type: ignore[attr-defined]
        enrollment_obj = Enrollment.objects.prefetch_related("guardians", "contacts"
                                                             ).select_related("child").get(
            pk=enrollment_obj.pk)
        mark = Attendance.objects.filter(session=item, enrollment=enrollment_obj).first()
        return render(request, "programs/_roll_row.html", {
            "row": _roll_row(enrollment_obj, mark), "session": item, "error": error,
            "now": timezone.localtime().strftime("%H:%M"),
            "oob": True, **_roll_counts(_roll_rows(item))}, status=200)
    if error:
        messages.error(request, error)
    return redirect(reverse("program_session", args=[org_slug_of(request), item.pk])
                    + (f"#child-{enrollment_obj.pk}" if enrollment_obj else ""))
