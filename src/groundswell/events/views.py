"""The events screens for members: the list, an event with its shifts and sign-ins,
the event form, follow-up lists and reports. Thin: parse with ``events.forms``, call
one service, render. Names never go in a URL (searches are posted)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.db.models import Count
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core import audit
from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.permissions import can
from groundswell.core.views import (
    confirm_first,
    get_only,
    membership_of,
    org_slug_of,
    org_view,
    remembered_search,
)
from groundswell.events import followups, reports, services
from groundswell.events.forms import (
    AssignForm,
    CallListForm,
    EventForm,
    FollowUpFilterForm,
    PeriodForm,
    PersonPickForm,
    ShiftForm,
)
from groundswell.events.models import RSVP, Attendance, Event, FollowUp, Shift, ShiftSignup
from groundswell.events.qr import qr_svg
from groundswell.events.stats import CONVERSIONS, conversion_rates
from groundswell.people.models import Person
from groundswell.people.search import search_people

MATERIAL_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
FEED_SALT = "groundswell.events.feed"


def feed_token(organization_slug: str) -> str:
    """The secret part of an organization's calendar feed URL (signed, so it cannot be
    guessed from the slug)."""
    return signing.dumps(organization_slug, salt=FEED_SALT, compress=True)


def event_or_404(request: HttpRequest, pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("base"), pk=pk)


# --- the list and an event ----------------------------------------------------------------------


@org_view("events.view")
@require_http_methods(["GET", "HEAD"])
def event_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    events = Event.objects.all()
    upcoming = list(events.filter(ends_at__gte=now).order_by("starts_at")[:100])
    past = list(events.filter(ends_at__lt=now).order_by("-starts_at")[:50])
    counts = dict(Attendance.objects.filter(event__in=[*upcoming, *past]).values("event")
                  .annotate(n=Count("pk")).values_list("event", "n"))
    for event in [*upcoming, *past]:
        event.attendance_count = counts.get(event.pk)
    feed = request.build_absolute_uri(
        reverse("events_feed", args=[feed_token(org_slug_of(request))]))
    return render(request, "events/list.html", {"upcoming": upcoming, "past": past,
                                                "feed_url": feed})


def _event_features(event: Event) -> str:
    if event.latitude is None:
        return ""
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"label": event.place_name or event.title,
                                          "kind": "event"},
        "geometry": {"type": "Point", "coordinates": [float(event.longitude),
                                                      float(event.latitude)]}}]})


@org_view("events.view")
def event_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    membership = membership_of(request)
    shifts = list(event.shifts.prefetch_related("signups__person"))
    attendances = list(event.attendances.filter(
        person__in=Person.objects.visible_to(membership)).select_related("person")[:500])
    rsvps = event.rsvps.filter(cancelled_at__isnull=True)
    return render(request, "events/event.html", {
        "event": event, "shifts": shifts, "attendances": attendances,
        "attendance_count": event.attendances.count(),
        "rsvp_count": rsvps.count(), "spots_taken": services.spots_taken(event),
        "spots_left": services.spots_left(event),
        "features": _event_features(event),
        "shift_form": ShiftForm(initial={"starts_at": timezone.localtime(event.starts_at),
                                         "ends_at": timezone.localtime(event.ends_at)}),
        "public_url": (public_url := _public_url(request, event)),
        "public_qr": qr_svg(public_url, title=_("QR code of the RSVP page")),
        "ics_url": reverse("event_ics", args=[event.public_id]),
    })


def _public_url(request: HttpRequest, event: Event) -> str:
    return request.build_absolute_uri(reverse("event_rsvp", args=[event.public_id]))


@org_view("events.view")
def event_flyer(request: HttpRequest, pk: int) -> HttpResponse:
    """A page to print and post: the event in both languages and its RSVP page's QR code."""
    event = event_or_404(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    public_url = _public_url(request, event)
    return render(request, "events/flyer.html", {
        "event": event, "public_url": public_url,
        "public_qr": qr_svg(public_url, title=_("QR code of the RSVP page")),
        "title_en": event.title_in("en"), "title_es": event.title_in("es"),
        "description_en": event.description_in("en"),
        "description_es": event.description_in("es"),
    })


@org_view("events.view")
def event_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code alone, as an SVG file to put on a flyer of one's own."""
    event = event_or_404(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    svg = qr_svg(_public_url(request, event))
    response = HttpResponse('<?xml version="1.0" encoding="utf-8"?>\n'
                            + svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1),
                            content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-qr.svg"'
    return response


def _say_if_not_placed(request: HttpRequest, event: Event) -> None:
    if event.street and event.latitude is None:
        messages.warning(request, _("This address is not among the address points loaded "
                                    "for the map. Edit the event and tap the map to place "
                                    "it."))


@org_view("events.manage")
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = EventForm(request.POST or None, request.FILES or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(membership, **form.service_fields())
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The event was created."))
            _say_if_not_placed(request, event)
            return redirect("event", org_slug=org_slug_of(request), pk=event.pk)
    return render(request, "events/form.html", {"form": form, "event": None},
                  status=400 if request.method == "POST" else 200)


@org_view("events.manage")
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    event = event_or_404(request, pk)
    if request.method == "GET":
        form = EventForm(instance=event, membership=membership)
    else:
        form = EventForm(request.POST, request.FILES, membership=membership)
        if form.is_valid():
            try:
                event = services.update_event(membership, event, **form.service_fields())
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The event was saved."))
                _say_if_not_placed(request, event)
                return redirect("event", org_slug=org_slug_of(request), pk=event.pk)
    return render(request, "events/form.html", {"form": form, "event": event},
                  status=400 if request.method == "POST" else 200)


@org_view("events.manage")
@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    asked = confirm_first(
        request, title=_("Cancel “%(event)s”?") % {"event": event.title},
        changes=[_("The RSVP page closes and calendars show the event as cancelled."),
                 _("Sign-ins already recorded stay.")],
        way_back=_("This cannot be undone: to hold it after all, create the event again."),
        button=_("Cancel the event"),
        cancel_url=reverse("event", args=[org_slug_of(request), event.pk]))
    if asked is not None:
        return asked
    try:
        services.cancel_event(membership_of(request), event)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The event was cancelled. Its RSVP page is closed."))
    return redirect("event", org_slug=org_slug_of(request), pk=event.pk)


def materials_response(event: Event) -> HttpResponse:
    if not event.materials:
        raise Http404
    try:
        handle = event.materials.open("rb")
    except OSError as exc:
        raise Http404 from exc
    head = handle.read(16)
    handle.seek(0)
    kind = next((k for sig, k in services.MATERIAL_SIGNATURES.items()
                 if head.startswith(sig)), None)
    if kind is None:
        handle.close()
        raise Http404
    filename = f"event-{event.pk}-materials.{'jpg' if kind == 'jpeg' else kind}"
    response = FileResponse(handle, content_type=MATERIAL_TYPES[kind], as_attachment=True,
                            filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@org_view("events.view")
def event_materials(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    return materials_response(event)


# --- shifts ---------------------------------------------------------------------------------------


@org_view("events.manage")
@require_POST
def shift_create(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    form = ShiftForm(request.POST)
    if form.is_valid():
        try:
            services.add_shift(membership_of(request), event, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The shift was added."))
    else:
        messages.error(request, _("The shift was not added: check its times and the number "
                                  "of people."))
    return redirect(reverse("event", args=[org_slug_of(request), event.pk]) + "#shifts")


@org_view("events.manage")
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    signed = shift.signups.count()
    asked = confirm_first(
        request, title=_("Remove the shift “%(role)s”?") % {"role": shift.get_role_display()},
        changes=[ngettext("The shift goes, with the %(count)s volunteer signed up for it.",
                          "The shift goes, with the %(count)s volunteers signed up for it.",
                          signed) % {"count": signed}],
        way_back=_("To get it back, add the shift again and sign the volunteers up again."),
        button=_("Remove the shift"),
        cancel_url=reverse("event", args=[org_slug_of(request), shift.event_id]) + "#shifts")
    if asked is not None:
        return asked
    services.delete_shift(membership_of(request), shift)
    messages.success(request, _("The shift was removed."))
    return redirect(reverse("event", args=[org_slug_of(request), shift.event_id]) + "#shifts")


@org_view("events.manage")
@require_POST
def shift_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    result = services.send_shift_reminders(membership_of(request), event)
    messages.success(request, _("Reminders queued: %(queued)s. Without consent to event "
                                "texts or a phone: %(unreachable)s.")
                     % {"queued": result.queued, "unreachable": result.unreachable})
    return redirect(reverse("event", args=[org_slug_of(request), event.pk]) + "#shifts")


@org_view("events.sign_in")
@require_http_methods(["GET", "POST"])
def shift_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A shift's volunteers, and finding someone to put on it."""
    shift = get_object_or_404(Shift.objects.select_related("event"), pk=pk)
    query, redirect_after_search = remembered_search(request, f"shift:{shift.pk}")
    if redirect_after_search:
        return redirect_after_search
    membership = membership_of(request)
    everyone = list(shift.signups.select_related("person"))
    signups = [s for s in everyone if not s.waitlisted]
    found: list[Person] = []
    if query:
        taken = {s.person_id for s in everyone}
        found = [p for p in search_people(Person.objects.visible_to(membership), query,
                                          limit=10) if p.pk not in taken]
    return render(request, "events/shift.html", {
        "shift": shift, "event": shift.event, "signups": signups, "query": query,
        "waitlist": [s for s in everyone if s.waitlisted],
        "found": found, "full": len(signups) >= shift.slots})


@org_view("events.sign_in")
@require_POST
def shift_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = PersonPickForm(request.POST)
    person = None
    if form.is_valid():
        person = Person.objects.visible_to(membership_of(request)).filter(
            pk=form.cleaned_data["person"]).first()
    if person is None:
        messages.error(request, _("Choose someone from the search results."))
    else:
        try:
            services.sign_up_for_shift(membership_of(request), shift, person)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is on the shift.") % {"name": person})
    return redirect("shift", org_slug=org_slug_of(request), pk=shift.pk)


@org_view("events.sign_in")
@require_POST
def shift_signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(ShiftSignup.objects.select_related("person", "shift"), pk=pk)
    asked = confirm_first(
        request, title=_("Take %(name)s off the shift?") % {"name": signup.person.display_name},
        changes=[_("%(name)s is no longer signed up for “%(role)s”; their place goes to the "
                   "next person on the waitlist, if anyone is waiting.")
                 % {"name": signup.person.display_name,
                    "role": signup.shift.get_role_display()}],
        way_back=_("To get it back, sign them up again on this page (if a place is still "
                   "open)."),
        button=_("Take them off"),
        cancel_url=reverse("shift", args=[org_slug_of(request), signup.shift_id]))
    if asked is not None:
        return asked
    moved_up = services.cancel_shift_signup(membership_of(request), signup)
    messages.success(request, _("They are off the shift."))
    if moved_up is not None:
        messages.info(request, _("%(name)s moved up from the waitlist.")
                      % {"name": moved_up.person.display_name})
    return redirect("shift", org_slug=org_slug_of(request), pk=signup.shift_id)


# --- RSVPs and sign-ins recorded by staff ------------------------------------------------------


@org_view("events.sign_in")
@require_http_methods(["GET", "POST"])
def event_people(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff record an RSVP taken by phone, or sign someone in without the kiosk."""
    event = event_or_404(request, pk)
    query, redirect_after_search = remembered_search(request, f"event-people:{event.pk}")
    if redirect_after_search:
        return redirect_after_search
    found: list[Person] = []
    if query:
        found = list(search_people(Person.objects.visible_to(membership_of(request)), query,
                                   limit=10))
    ids = [p.pk for p in found]
    rsvped = set(RSVP.objects.filter(event=event, cancelled_at__isnull=True,
                                     person_id__in=ids).values_list("person_id", flat=True))
    came = set(Attendance.objects.filter(event=event, person_id__in=ids)
               .values_list("person_id", flat=True))
    return render(request, "events/event_people.html", {
        "event": event, "query": query,
        "rows": [{"person": p, "rsvp": p.pk in rsvped, "came": p.pk in came} for p in found],
    })


def _picked_person(request: HttpRequest) -> Person | None:
    form = PersonPickForm(request.POST)
    if not form.is_valid():
        return None
    return Person.objects.visible_to(membership_of(request)).filter(
        pk=form.cleaned_data["person"]).first()


def _record_for_picked(request: HttpRequest, pk: int, record: Any, done: str) -> HttpResponse:
    """Record something about the person picked from the search results (``record``:
    a service taking the member, the event and the person), then back to the search."""
    event = event_or_404(request, pk)
    person = _picked_person(request)
    if person is None:
        messages.error(request, _("Choose someone from the search results."))
    else:
        try:
            record(membership_of(request), event, person)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done % {"name": person})
    return redirect("event_people", org_slug=org_slug_of(request), pk=event.pk)


@org_view("events.sign_in")
@require_POST
def event_record_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_for_picked(request, pk, services.record_rsvp,
                              _("%(name)s's RSVP is recorded."))


@org_view("events.sign_in")
@require_POST
def event_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_for_picked(request, pk, services.record_attendance,
                              _("%(name)s is signed in."))


# --- follow-up ------------------------------------------------------------------------------------


def _follow_up_people(request: HttpRequest, event: Event, form: FollowUpFilterForm
                      ) -> tuple[str, int, list[Person]]:
    data = form.cleaned_data if form.is_valid() else {}
    which = data.get("which") or "not_contacted"
    days = data.get("days")
    days = followups.DEFAULT_DAYS if days is None else days
    people = list(followups.follow_up_list(event, membership_of(request), which, days)[:1000])
    return which, days, people


@org_view("events.follow_up")
def event_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    form = FollowUpFilterForm(request.GET or None)
    which, days, people = _follow_up_people(request, event, form)
    ids = [p.pk for p in people]
    return render(request, "events/follow_up.html", {
        "event": event, "form": form, "which": which, "days": days,
        "rows": followups.rows(event, people),
        "assign_form": AssignForm(choices=ids, initial={"reason": which}),
        "list_form": CallListForm(choices=ids, initial={
            "name": _("Follow-up: %(event)s") % {"event": event.title[:40]}}),
        "more_actions": followups.actions_for(membership_of(request), event, ids),
        "invalid": form.is_bound and not form.is_valid(),
    })


def refuse_follow_up_action(request: HttpRequest, form: Any) -> None:
    """Say in the page what this one action is missing: for every action of the
    follow-up page, this area's and those other areas add (followups.FollowUpAction).
    Each action's form checks only its own fields (the page's form is ``novalidate``: a
    browser bubble on another action's field was the only feedback before)."""
    missing = []
    for name, errors in form.errors.items():
        if name == "people":
            missing.append(_("Tick at least one person."))
        elif name in form.fields:
            missing.append("{}: {}".format(form.fields[name].label, " ".join(errors)))
        else:
            missing.extend(errors)
    messages.error(request, " ".join(str(m) for m in missing))


def back_to_follow_up(request: HttpRequest, event: Event) -> HttpResponse:
    query = request.POST.get("back", "")
    url = reverse("event_follow_up", args=[org_slug_of(request), event.pk])
    # Only the list's own codes go back into the URL.
    form = FollowUpFilterForm({"which": request.POST.get("which", ""),
                               "days": request.POST.get("days", "")})
    if form.is_valid() and query:
        url += "?which={}&days={}".format(form.cleaned_data.get("which") or "not_contacted",
                                          form.cleaned_data.get("days") or 0)
    return redirect(url)


@org_view("events.follow_up")
@require_POST
def follow_up_assign(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    attendees = list(followups.attendees(event, membership_of(request))
                     .values_list("pk", flat=True))
    form = AssignForm(request.POST, choices=attendees)
    if not form.is_valid():
        refuse_follow_up_action(request, form)
        return back_to_follow_up(request, event)
    people = list(Person.objects.filter(pk__in=form.cleaned_data["people"]))
    try:
        count = services.assign_follow_ups(
            membership_of(request), event, [(p, form.cleaned_data["reason"]) for p in people],
            form.cleaned_data["assignee"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s follow-ups assigned.") % {"count": count})
    return back_to_follow_up(request, event)


@org_view("events.follow_up")
@require_POST
def follow_up_call_list(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    attendees = list(followups.attendees(event, membership_of(request))
                     .values_list("pk", flat=True))
    form = CallListForm(request.POST, choices=attendees)
    if not form.is_valid():
        refuse_follow_up_action(request, form)
        return back_to_follow_up(request, event)
    people = list(Person.objects.filter(pk__in=form.cleaned_data["people"]))
    try:
        saved = services.save_call_list(membership_of(request), event, people,
                                        name=form.cleaned_data["name"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return back_to_follow_up(request, event)
    messages.success(request, _("The call list was saved with %(count)s people.")
                     % {"count": len(people)})
    return redirect("saved_list", org_slug=org_slug_of(request), pk=saved.pk)



@org_view("events.view")
@require_http_methods(["GET", "HEAD"])
def my_follow_ups(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    items = [f for f in followups.assigned_to(membership)
             if Person.objects.visible_to(membership).filter(pk=f.person_id).exists()]
    return render(request, "events/my_follow_ups.html", {"items": items})


@org_view("events.view")
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(FollowUp, pk=pk)
    membership = membership_of(request)
    if follow_up.assigned_to_id != membership.pk and not can(membership, "events.follow_up"):
        raise Http404
    try:
        services.complete_follow_up(membership, follow_up)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as done."))
    if request.POST.get("from") == "event" and can(membership, "events.follow_up"):
        return redirect("event_follow_up", org_slug=org_slug_of(request), pk=follow_up.event_id)
    return redirect("my_follow_ups", org_slug=org_slug_of(request))


# --- reports --------------------------------------------------------------------------------------


def _chart_data(rows: list[tuple[Event, Any]]) -> dict[str, Any]:
    return {
        "labels": [f"{timezone.localtime(e.starts_at):%Y-%m-%d} {e.title[:30]}" for e, _f in rows],
        "series": [
            {"key": "reached", "label": str(_("People reached")),
             "values": [f.reached for _e, f in rows]},
            {"key": "new", "label": str(_("New people")), "values": [f.new for _e, f in rows]},
            {"key": "households", "label": str(_("Households")),
             "values": [f.households for _e, f in rows]},
        ],
    }


CONVERSION_LABELS = {  # lazy: read in the language of each request
    "later_visited": gettext_lazy("Visited at the door since"),
    "later_grievance": gettext_lazy("Raised a grievance"),
    "later_action": gettext_lazy("Came to a campaign action"),
    "joined_rapid_response": gettext_lazy("Joined the rapid-response list"),
}


@org_view("events.reports")
@require_http_methods(["GET", "HEAD"])
def events_report(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    rows = reports.overview(reports.events_between(start, end)[:200])
    total = sum((f for _e, f in rows), reports.Figures())
    rates = conversion_rates(total)
    return render(request, "events/report.html", {
        "form": form, "start": start, "end": end, "rows": rows, "total": total,
        "conversions": [(name, CONVERSION_LABELS[name], getattr(total, name), rates[name])
                        for name in CONVERSIONS],
        "chart": _chart_data(rows),
        "invalid": form.is_bound and not form.is_valid(),
    })


@org_view("events.reports")
def event_report(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    if (refused := get_only(request)) is not None:
        return refused
    figures = reports.figures(event)
    rates = conversion_rates(figures)
    return render(request, "events/event_report.html", {
        "event": event, "figures": figures,
        "conversions": [(name, CONVERSION_LABELS[name], getattr(figures, name), rates[name])
                        for name in CONVERSIONS],
        "chart": {"labels": [str(CONVERSION_LABELS[n]) for n in CONVERSIONS],
                  "series": [{"key": "people", "label": str(_("People")),
                              "values": [getattr(figures, n) for n in CONVERSIONS]}]},
    })


@org_view("events.reports")
@require_POST
def events_report_csv(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid period."))
        return redirect("events_report", org_slug=org_slug_of(request))
    start, end = form.period()
    rows = reports.overview(reports.events_between(start, end)[:200])
    with transaction.atomic():
        audit.record("events.report.exported", organization=request.organization,  # type: ignore
                     actor=request.user, data={"events": len(rows), "start": str(start),
                                               "end": str(end)})
    response = HttpResponse(reports.to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="events-{start}-{end}.csv"'
    return response

