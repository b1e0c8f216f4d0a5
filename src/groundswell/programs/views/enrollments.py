"""Enrollment and the child's page: details, contacts, status, guardians (program staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.views import confirm_first, get_only, membership_of, org_slug_of, org_view
from groundswell.people.models import Person
from groundswell.people.services import current_residence
from groundswell.programs import services, stats
from groundswell.programs.forms import (
    ChildContactForm,
    ChildDetailsForm,
    EnrollForm,
    GuardianForm,
    StatusForm,
)
from groundswell.programs.models import (
    ChildContact,
    Enrollment,
    Program,
)
from groundswell.programs.views.base import (
    _enrollment,
    _people_matching,
    _remember,
    _searched,
    _team_program,
    _visible_program,
    _with_address,
)

# --- enrollment ---------------------------------------------------------------------------


@org_view("programs.run")
@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest, pk: int) -> HttpResponse:
    """Find the guardian (posted search, remembered), choose them, then the child (one
    of theirs, or a new one) and the child's details."""
    membership = membership_of(request)
    program = _team_program(request, _visible_program(request, pk))
    key = f"enroll:{program.pk}"
    visible = Person.objects.visible_to(membership)
    if request.method == "POST" and "q" in request.POST:
        _remember(request, key)
        return HttpResponseRedirect(request.path)
    guardian_id = request.GET.get("guardian") or request.POST.get("guardian") or ""
    guardian = visible.filter(pk=int(guardian_id)).first() \
        if guardian_id.isdigit() and len(guardian_id) < 12 else None
    form = EnrollForm(request.POST or None, initial={"guardian": guardian.pk if guardian
                                                     else None})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            child = visible.filter(pk=data["child"]).first() if data["child"] else None
            try:
                if data["child"] and child is None:
                    raise InvalidInput("child", _("Choose one of the listed "
                                                           "children."))
                enrollment = services.enroll_child(
                    membership, program, guardian=guardian, child=child,
                    given_name=data["given_name"], family_name=data["family_name"],
                    birth_year=data["birth_year"], allergies=data["allergies"],
                    medical_notes=data["medical_notes"], photo_consent=data["photo_consent"])
            except DomainError as exc:
                show_error(form, exc)
            else:
                if enrollment.status == Enrollment.Status.WAITLISTED:
                    messages.warning(request, _("The program is full: the child is on the "
                                                "waitlist."))
                else:
                    messages.success(request, _("Enrolled. Add who may pick the child up."))
                request.session.pop(f"search:{key}", None)
                return redirect("enrollment", org_slug=org_slug_of(request), pk=enrollment.pk)
    query = _searched(request, key)
    children = []
    if guardian is not None:
        enrolled = set(program.enrollments.values_list("child_id", flat=True))
        children = [c for c in services.guardians_children(guardian) if c.pk not in enrolled]
    return render(request, "programs/enroll.html", {
        "program": program, "form": form, "query": query, "guardian": guardian,
        "guardian_residence": current_residence(guardian) if guardian else None,
        "results": _with_address(_people_matching(request, query)) if guardian is None else [],
        "children": children,
    }, status=status)


@org_view("programs.run")
def enrollment(request: HttpRequest, pk: int) -> HttpResponse:
    item = _enrollment(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    return _enrollment_page(request, item)


def _enrollment_page(request: HttpRequest, item: Enrollment, *, bound: dict | None = None,
                     status: int = 200) -> HttpResponse:
    key = f"guardian:{item.pk}"
    query = _searched(request, key)
    forms = {
        "details": ChildDetailsForm(initial={"allergies": item.allergies,
                                             "medical_notes": item.medical_notes,
                                             "photo_consent": item.photo_consent}),
        "contact": ChildContactForm(),
    }
    forms.update(bound or {})
    attendance = item.attendances.select_related("session").order_by("-session__starts_at")
    return render(request, "programs/enrollment.html", {
        "enrollment": item, "program": item.program, "child": item.child,
        "guardians": item.guardians.all(),
        "contacts": item.contacts.filter(removed_at__isnull=True),
        "forms": forms, "open_form": next(iter(bound), "") if bound else "",
        "attendance": attendance[:30],
        "roll_call": stats.roll_call(a.status for a in attendance),
        "query": query,
        "results": _with_address(_people_matching(request, query)),
        "statuses": [s for s in Enrollment.Status if s != item.status],
    }, status=status)


@org_view("programs.run")
@require_POST
def enrollment_details(request: HttpRequest, pk: int) -> HttpResponse:
    item = _enrollment(request, pk)
    form = ChildDetailsForm(request.POST)
    if form.is_valid():
        try:
            services.update_child_details(membership_of(request), item, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("enrollment", org_slug=org_slug_of(request), pk=item.pk)
    item.refresh_from_db()
    return _enrollment_page(request, item, bound={"details": form}, status=400)


@org_view("programs.run")
@require_POST
def enrollment_contact(request: HttpRequest, pk: int) -> HttpResponse:
    item = _enrollment(request, pk)
    form = ChildContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_child_contact(membership_of(request), item, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect("enrollment", org_slug=org_slug_of(request), pk=item.pk)
    return _enrollment_page(request, item, bound={"contact": form}, status=400)


@org_view("programs.run")
@require_POST
def child_contact_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    contact = get_object_or_404(ChildContact.objects.select_related(
        "enrollment__program").filter(
        enrollment__program__in=Program.objects.visible_to(membership)), pk=pk)
    _team_program(request, contact.enrollment.program)
    asked = confirm_first(
        request, title=_("Remove %(name)s?") % {"name": contact.name},
        changes=[_("%(name)s is no longer a pickup or emergency contact for this child: staff "
                   "will not let the child go with them.") % {"name": contact.name}],
        way_back=_("To get it back, add the contact again on the enrollment page."),
        button=_("Remove the contact"),
        cancel_url=reverse("enrollment", args=[org_slug_of(request), contact.enrollment_id]))
    if asked is not None:
        return asked
    try:
        services.remove_child_contact(membership, contact)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Contact removed."))
    return redirect("enrollment", org_slug=org_slug_of(request), pk=contact.enrollment_id)


@org_view("programs.run")
@require_POST
def enrollment_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = _enrollment(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a different status."))
    else:
        try:
            services.set_enrollment_status(membership_of(request), item,
                                           form.cleaned_data["status"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
    return redirect("enrollment", org_slug=org_slug_of(request), pk=item.pk)


@org_view("programs.run")
@require_POST
def enrollment_guardian(request: HttpRequest, pk: int) -> HttpResponse:
    """Search for another guardian (``q``), or add the chosen one (``guardian``)."""
    item = _enrollment(request, pk)
    if "q" in request.POST:
        _remember(request, f"guardian:{item.pk}")
        return redirect(reverse("enrollment", args=[org_slug_of(request), item.pk]) + "#guardians")
    form = GuardianForm(request.POST)
    guardian = Person.objects.visible_to(membership_of(request)).filter(
        pk=form.cleaned_data["guardian"]).first() if form.is_valid() else None
    if guardian is None:
        messages.error(request, _("Choose one of the people found."))
    else:
        try:
            services.add_guardian(membership_of(request), item, guardian)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session.pop(f"search:guardian:{item.pk}", None)
            messages.success(request, _("Guardian added."))
    return redirect(reverse("enrollment", args=[org_slug_of(request), item.pk]) + "#guardians")
