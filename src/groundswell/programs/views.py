"""The programs screens (programs, enrollment, the child's page, roll call on a phone),
distributions (households served, with the same-day warning), stock, and reports.

Thin: each view parses with a form from ``programs.forms``, calls one service and
renders. Who sees what: ``Program.objects.visible_to`` (program staff see only their
programs) and, for anything about a child, the program's staff only (``_team_program``
answers 404 to a member who cannot see the program and 403 to one who can see it but is
not on its staff). Names never go in a URL: searches are posted and kept in the session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core import audit
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.spreadsheets import SafeWriter
from groundswell.core.views import confirm_first, get_only, membership_of, org_slug_of, org_view
from groundswell.people.models import Person
from groundswell.people.search import search_people
from groundswell.people.services import current_residence
from groundswell.programs import reports, services
from groundswell.programs.forms import (
    ChildContactForm,
    ChildDetailsForm,
    CountForm,
    DistributionForm,
    EnrollForm,
    GuardianForm,
    ItemForm,
    MarkForm,
    ProgramForm,
    QuickServeForm,
    ReceiveForm,
    ReportForm,
    SearchForm,
    ServeForm,
    SessionForm,
    StatusForm,
)
from groundswell.programs.models import (
    Attendance,
    ChildContact,
    Distribution,
    Enrollment,
    Item,
    Program,
    Service,
    Session,
    StockEntry,
)

SEARCH_RESULTS = 8


def _visible_program(request: HttpRequest, pk: int) -> Program:
    return get_object_or_404(Program.objects.visible_to(membership_of(request)), pk=pk)


def _team_program(request: HttpRequest, program: Program) -> Program:
    if not services.can_see_children(membership_of(request), program):
        raise PermissionDenied
    return program


def _enrollment(request: HttpRequest, pk: int) -> Enrollment:
    membership = membership_of(request)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("program", "child").filter(
            program__in=Program.objects.visible_to(membership)), pk=pk)
    _team_program(request, enrollment.program)
    return enrollment


def _session(request: HttpRequest, pk: int) -> Session:
    membership = membership_of(request)
    session = get_object_or_404(Session.objects.select_related("program").filter(
        program__in=Program.objects.visible_to(membership)), pk=pk)
    _team_program(request, session.program)
    return session


def _searched(request: HttpRequest, key: str) -> str:
    return request.session.get(f"search:{key}", "")


def _remember(request: HttpRequest, key: str) -> str:
    form = SearchForm(request.POST)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    request.session[f"search:{key}"] = query
    return query


def _people_matching(request: HttpRequest, query: str) -> list[Person]:
    if not query:
        return []
    visible = Person.objects.visible_to(membership_of(request))
    found = search_people(visible, query, limit=SEARCH_RESULTS)
    return list(found.prefetch_related("residences__household__address")[:SEARCH_RESULTS])


def _with_address(people: list[Person]) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        current = [r for r in person.residences.all() if r.ended_on is None]
        rows.append({"person": person,
                     "household": current[0].household if current else None})
    return rows


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
        "roll_call": services.stats.roll_call(a.status for a in attendance),
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
    return {"counts": services.stats.roll_call(r["mark"].status for r in rows if r["mark"]),
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


# --- stock ---------------------------------------------------------------------------------


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


@org_view("programs.stock")
def stock(request: HttpRequest) -> HttpResponse:
    if (refused := get_only(request)) is not None:
        return refused
    return _stock_page(request)


def _stock_page(request: HttpRequest, *, receive: ReceiveForm | None = None,
                count: CountForm | None = None, status: int = 200) -> HttpResponse:
    services.ensure_default_catalog(request.organization)  # type: ignore[attr-defined]
    language = get_language() or "en"
    items = Item.objects.filter(archived_at__isnull=True).with_on_hand().order_by("name")
    archived = Item.objects.filter(archived_at__isnull=False).order_by("name")
    return render(request, "programs/stock.html", {
        "items": [{"item": i, "label": i.label(language), "on_hand": i.on_hand,
                   "low": i.on_hand <= i.low_stock_at} for i in items],
        "archived": [{"item": i, "label": i.label(language)} for i in archived],
        "receive": receive or ReceiveForm(), "count": count or CountForm(),
        "ledger": StockEntry.objects.select_related("item")[:30],
        "open_form": "receive" if receive else "count" if count else "",
    }, status=status)


@org_view("programs.stock")
@require_POST
def stock_receive(request: HttpRequest) -> HttpResponse:
    form = ReceiveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.receive_stock(membership_of(request), data["item"],
                                   quantity=data["quantity"], source=data["source"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Stock received."))
            return redirect("stock", org_slug=org_slug_of(request))
    return _stock_page(request, receive=form, status=400)


@org_view("programs.stock")
@require_POST
def stock_count(request: HttpRequest) -> HttpResponse:
    form = CountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.count_stock(membership_of(request), data["item"],
                                         counted=data["counted"], reason=data["reason"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Count saved.") if entry else
                             _("The count matches what is on hand: nothing to correct."))
            return redirect("stock", org_slug=org_slug_of(request))
    return _stock_page(request, count=form, status=400)


@org_view("programs.catalog")
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest) -> HttpResponse:
    return _item_form(request, None)


@org_view("programs.catalog")
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_form(request, get_object_or_404(Item, pk=pk))


@org_view("programs.catalog")
@require_POST
def item_archive(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Item, pk=pk)
    archived = request.POST.get("archived") == "1"
    services.set_item_archived(membership_of(request), item, archived)
    messages.success(request, _("Item archived: it is no longer offered when serving.")
                     if archived else _("Item restored."))
    return redirect("stock", org_slug=org_slug_of(request))


def _item_form(request: HttpRequest, item: Item | None) -> HttpResponse:
    initial = {"name": item.name, "name_es": item.name_es, "unit": item.unit,
               "low_stock_at": item.low_stock_at} if item else None
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_item(membership_of(request), item, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("stock", org_slug=org_slug_of(request))
    ledger = item.stock_entries.select_related("recorded_by")[:50] if item else []
    return render(request, "programs/item_form.html", {
        "form": form, "item": item, "ledger": ledger,
        "on_hand": services.on_hand([item])[item.pk] if item else None,
    }, status=400 if request.method == "POST" else 200)


# --- reports ---------------------------------------------------------------------------------


def _report_data(request: HttpRequest, form: ReportForm) -> dict[str, Any]:
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    language = get_language() or "en"
    return {
        "since": since, "until": until,
        "distribution": reports.distribution_report(since, until, language),
        "programs": [reports.program_report(p, since, until)
                     for p in Program.objects.visible_to(membership_of(request))],
    }


def _conversion_labels() -> dict[str, str]:
    return {"visited": _("Visited at the door afterwards"),
            "grievance": _("Raised a grievance afterwards"),
            "campaign_action": _("Came to a hearing or picket afterwards"),
            "rapid_response": _("Joined the rapid-response list afterwards")}


@org_view("programs.reports")
def program_reports(request: HttpRequest) -> HttpResponse:
    if (refused := get_only(request)) is not None:
        return refused
    form = ReportForm(request.GET or {})
    if not form.is_valid():
        return render(request, "programs/reports.html", {"form": form}, status=400)
    data = _report_data(request, form)
    dist = data["distribution"]
    labels = _conversion_labels()
    chart = {
        "items": {"labels": [name for name, _n in dist.items],
                  "values": [n for _name, n in dist.items], "label": _("Items given")},
        "days": {"labels": [d.isoformat() for d, _n in dist.by_day],
                 "values": [n for _d, n in dist.by_day], "label": _("Households served")},
        "conversion": {"labels": [labels[k] for k, v in dist.conversion.rows()
                                  if v is not None],
                       "values": [v for _k, v in dist.conversion.rows() if v is not None],
                       "label": _("People")},
    }
    return render(request, "programs/reports.html", {
        "form": form, **data, "chart": chart, "labels": labels,
        "query": request.GET.urlencode() if len(request.GET.urlencode()) < 100 else "",
    })


@org_view("programs.reports")
@require_POST
def program_reports_export(request: HttpRequest) -> HttpResponse:
    """The report as CSV: counts only (no names, nothing about a child). Audited."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the dates of the report."))
        return redirect("program_reports", org_slug=org_slug_of(request))
    data = _report_data(request, form)
    dist = data["distribution"]
    labels = _conversion_labels()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="programs-report-{data["since"]:%Y%m%d}-{data["until"]:%Y%m%d}'
        '.csv"')
    response.write("\ufeff")
    writer = SafeWriter(response)
    writer.writerow([_("Section"), _("Measure"), _("Value")])
    section = _("Distributions")
    for label, value in (
            (_("Distributions held"), dist.distributions), (_("Times served"), dist.services),
            (_("People reached"), dist.reach.people),
            (_("Households reached"), dist.reach.households),
            (_("New people"), dist.reach.new_people),
            (_("Returning people"), dist.reach.returning_people)):
        writer.writerow([section, label, value])
    for name, total in dist.items:
        writer.writerow([section, _("Given: %(item)s") % {"item": name}, total])
    for key, value in dist.conversion.rows():
        writer.writerow([section, labels[key], "" if value is None else value])
    for day, count in dist.by_day:
        writer.writerow([section, _("Served on %(day)s") % {"day": day.isoformat()}, count])
    for report in data["programs"]:
        section = report.program.name
        for label, value in (
                (_("Children enrolled"), report.enrolled),
                (_("On the waitlist"), report.waitlisted),
                (_("Guardians reached"), report.guardians.people),
                (_("Households reached"), report.guardians.households),
                (_("New guardians"), report.guardians.new_people),
                (_("Returning guardians"), report.guardians.returning_people),
                (_("Sessions"), report.sessions),
                (_("Attendance rate (%)"), report.roll_call.rate_percent())):
            writer.writerow([section, label, "" if value is None else value])
        if report.conversion:
            for key, value in report.conversion.rows():
                writer.writerow([section, labels[key], "" if value is None else value])
    audit.record("programs.report.exported", organization=request.organization,  # type: ignore
                 actor=request.user, obj=None,
                 data={"since": data["since"].isoformat(), "until": data["until"].isoformat()})
    return response


urlpatterns: list[URLPattern] = [
    path("", programs, name="programs"),
    path("new/", program_create, name="program_create"),
    path("<int:pk>/", program, name="program"),
    path("<int:pk>/edit/", program_edit, name="program_edit"),
    path("<int:pk>/archive/", program_archive, name="program_archive"),
    path("<int:pk>/enroll/", enroll, name="program_enroll"),
    path("<int:pk>/sessions/new/", session_create, name="program_session_create"),
    path("enrollments/<int:pk>/", enrollment, name="enrollment"),
    path("enrollments/<int:pk>/details/", enrollment_details, name="enrollment_details"),
    path("enrollments/<int:pk>/contacts/", enrollment_contact, name="enrollment_contact"),
    path("enrollments/<int:pk>/status/", enrollment_status, name="enrollment_status"),
    path("enrollments/<int:pk>/guardians/", enrollment_guardian, name="enrollment_guardian"),
    path("contacts/<int:pk>/remove/", child_contact_remove, name="child_contact_remove"),
    path("sessions/<int:pk>/", session, name="program_session"),
    path("sessions/<int:pk>/mark/", session_mark, name="program_session_mark"),
    path("distributions/", distributions, name="distributions"),
    path("distributions/<int:pk>/", distribution, name="distribution"),
    path("distributions/<int:pk>/serve/", distribution_serve, name="distribution_serve"),
    path("distributions/<int:pk>/edit/", distribution_edit, name="distribution_edit"),
    path("distributions/<int:pk>/remove/", distribution_remove, name="distribution_remove"),
    path("distributions/<int:pk>/quick-add/", distribution_quick_add,
         name="distribution_quick_add"),
    path("distributions/served/<int:pk>/remove/", distribution_service_remove,
         name="distribution_service_remove"),
    path("stock/", stock, name="stock"),
    path("stock/receive/", stock_receive, name="stock_receive"),
    path("stock/count/", stock_count, name="stock_count"),
    path("stock/items/new/", item_create, name="stock_item_create"),
    path("stock/items/<int:pk>/", item_edit, name="stock_item"),
    path("stock/items/<int:pk>/archive/", item_archive, name="stock_item_archive"),
    path("reports/", program_reports, name="program_reports"),
    path("reports/export/", program_reports_export, name="program_reports_export"),
]
