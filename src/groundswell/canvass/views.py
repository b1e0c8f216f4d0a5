"""The door-knocking screens: efforts and scripts, walk lists and their progress for
organizers; the offline canvasser app (page, service worker, manifest) and its sync
endpoint. Thin: parse, call one service, render."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.canvass import services
from groundswell.canvass.forms import (
    EffortEditForm,
    EffortForm,
    FollowUpWalkListForm,
    QuestionForm,
    StartForm,
    WalkListEditForm,
    WalkListForm,
)
from groundswell.canvass.models import DoorVisit, Effort, Question, WalkList
from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.forms import show_error
from groundswell.core.permissions import can
from groundswell.core.views import confirm_first, get_only, membership_of, org_slug_of, org_view
from groundswell.events import followups
from groundswell.events.models import Event
from groundswell.events.views import back_to_follow_up, event_or_404, refuse_follow_up_action
from groundswell.geo.maps import household_features
from groundswell.people.models import Person

# Above the form limit (1 MB by default): a week of visits with notes fits in one sync.
MAX_SYNC_BYTES = 2 * 1024 * 1024


# --- efforts ------------------------------------------------------------------------------------


@org_view("canvass.view")
def efforts(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    items = Effort.objects.filter(archived_at__isnull=not show_archived)
    return render(request, "canvass/efforts.html", {"efforts": items,
                                                    "show_archived": show_archived})


@org_view("canvass.manage")
@require_http_methods(["GET", "POST"])
def effort_create(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = EffortForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            effort = services.create_effort(membership, **form.cleaned_data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Effort created. Now write its script."))
            return redirect("effort", org_slug=org_slug_of(request), pk=effort.pk)
    return render(request, "canvass/effort_form.html", {"form": form, "effort": None},
                  status=400 if request.method == "POST" else 200)


@org_view("canvass.manage")
@require_http_methods(["GET", "POST"])
def effort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    effort = get_object_or_404(Effort, pk=pk)
    initial = {"name": effort.name, "name_es": effort.name_es, "purpose": effort.purpose,
               "purpose_es": effort.purpose_es, "base": effort.base,
               "needs_phone": effort.needs_phone, "archived": effort.archived_at is not None}
    form = EffortEditForm(request.POST or None, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_effort(membership, effort, **form.cleaned_data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Effort saved."))
            return redirect("effort", org_slug=org_slug_of(request), pk=effort.pk)
    return render(request, "canvass/effort_form.html", {"form": form, "effort": effort},
                  status=400 if request.method == "POST" else 200)


def _effort_page(request: HttpRequest, effort: Effort, question_form: QuestionForm,
                 status: int = 200) -> HttpResponse:
    lists = effort.walk_lists.select_related("turf").prefetch_related("canvassers__user")
    return render(request, "canvass/effort.html", {
        "effort": effort, "questions": effort.questions.all(), "walk_lists": lists,
        "progress": services.progress(effort.walk_lists.all()),
        "question_form": question_form,
    }, status=status)


@org_view("canvass.view")
def effort(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Effort, pk=pk)
    if (refused := get_only(request)) is not None:
        return refused
    return _effort_page(request, item, QuestionForm())


@org_view("canvass.manage")
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Effort, pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_question(membership_of(request), item, kind=data["kind"],
                                  text_en=data["text_en"], text_es=data["text_es"],
                                  choices=form.parsed_choices(), action=data["action"],
                                  trigger=data["trigger"], action_value=form.action_argument(),
                                  event=data["event"])
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Question added to the script."))
            return redirect("effort", org_slug=org_slug_of(request), pk=item.pk)
    return _effort_page(request, item, form, status=400)


@org_view("canvass.manage")
@require_POST
def question_remove(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    effort_pk = question.effort_id
    asked = confirm_first(
        request, title=_("Remove the question “%(text)s”?") % {"text": question.text_en},
        changes=[_("Canvassers stop asking it. Answers already recorded stay with their "
                   "visits, and what they did (tags, grievances, consents) stays.")],
        way_back=_("To get it back, add the question again (answers from before stay apart "
                   "from the new one)."),
        button=_("Remove the question"),
        cancel_url=reverse("effort", args=[org_slug_of(request), effort_pk]))
    if asked is not None:
        return asked
    services.remove_question(membership_of(request), question)
    messages.success(request, _("Question removed from the script."))
    return redirect("effort", org_slug=org_slug_of(request), pk=effort_pk)


# --- walk lists ---------------------------------------------------------------------------------


@org_view("canvass.manage")
@require_http_methods(["GET", "POST"])
def walklist_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    item = get_object_or_404(Effort, pk=pk)
    form = WalkListForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            walk_list = services.create_walk_list(
                membership, effort=item, turf=data["turf"], name=data["name"],
                canvassers=list(data["canvassers"]), skip_done=data["skip_done"],
                start=data["start"])
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Walk list created with %(count)s doors.")
                             % {"count": walk_list.entries.count()})
            return redirect("walklist", org_slug=org_slug_of(request), pk=walk_list.pk)
    return render(request, "canvass/walklist_form.html", {"form": form, "effort": item},
                  status=400 if request.method == "POST" else 200)


@org_view("canvass.view")
@require_http_methods(["GET", "POST"])
def walklist(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    item = get_object_or_404(WalkList.objects.select_related("effort", "turf"), pk=pk)
    form = WalkListEditForm(request.POST or None, initial={
        "name": item.name, "canvassers": list(item.canvassers.all()),
        "archived": item.archived_at is not None})
    if request.method == "POST":
        if not can(membership, "canvass.manage"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_walk_list(membership, item, name=data["name"],
                                          canvassers=list(data["canvassers"]),
                                          archived=data["archived"])
            except InvalidInput as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Walk list saved."))
                return redirect("walklist", org_slug=org_slug_of(request), pk=item.pk)
    entries = list(item.entries.select_related("household__address"))
    households = [e.household for e in entries]
    collection, legend = household_features(households, "outcome", org_slug_of(request),
                                            link=can(membership, "people.view"))
    latest = services.last_outcomes([h.pk for h in households],
                                    WalkList.objects.filter(pk=item.pk))
    rows = [(e, latest.get(e.household_id)) for e in entries]
    return render(request, "canvass/walklist.html", {
        "walk_list": item, "rows": rows, "features": collection, "legend": legend,
        "start_form": StartForm(initial={"start": _start_text(item)}),
        "progress": services.progress(WalkList.objects.filter(pk=item.pk)), "form": form,
        "visits": item.visits.select_related("household__address", "person",
                                             "canvasser__user")[:200],
    }, status=400 if request.method == "POST" else 200)


@org_view("canvass.manage")
@require_POST
def walklist_revisit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(WalkList, pk=pk)
    try:
        revisit = services.create_revisit_list(membership_of(request), item)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("walklist", org_slug=org_slug_of(request), pk=item.pk)
    messages.success(request, _("Revisit list created with %(count)s doors.")
                     % {"count": revisit.entries.count()})
    return redirect("walklist", org_slug=org_slug_of(request), pk=revisit.pk)


def _start_text(walk_list: WalkList) -> str:
    start = walk_list.start
    return "" if start is None else f"{start[0]:.6f}, {start[1]:.6f}"


@org_view("canvass.knock")
@require_POST
def walklist_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Set where a list's walk begins (an organizer, or a canvasser of the list from the
    app) and reorder its doors from there."""
    membership = membership_of(request)
    item = get_object_or_404(WalkList.objects.visible_to(membership), pk=pk)
    back = "canvass_app" if request.POST.get("back") == "app" else "walklist"
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("start", [])))
        return redirect(back, org_slug=org_slug_of(request), pk=item.pk)
    try:
        services.set_walk_list_start(membership, item, form.cleaned_data["start"])
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The doors are now in walking order from the start point.")
                         if form.cleaned_data["start"] else
                         _("The walk list has no start point now; the doors are in walking "
                           "order from one end."))
    return redirect(back, org_slug=org_slug_of(request), pk=item.pk)


# --- the canvasser app ----------------------------------------------------------------------------


@org_view("canvass.knock")
def my_lists(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    lists = WalkList.objects.active().filter(canvassers=membership) \
        .select_related("effort", "turf")
    return render(request, "canvass/mine.html", {"walk_lists": lists})


@org_view("canvass.knock")
@never_cache
def canvass_app(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    item = get_object_or_404(WalkList.objects.visible_to(membership).select_related("effort"),
                             pk=pk)
    if (refused := get_only(request)) is not None:
        return refused
    language = "es" if (get_language() or "en").startswith("es") else "en"
    data = services.app_data(membership, item, language)
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"label": f"{d['position']}. {d['street']} {d['unit']}",
                                           "color": "#1a5fb4", "kind": "door"},
         "geometry": {"type": "Point", "coordinates": [d["lon"], d["lat"]]}}
        for d in data["doors"] if d["lat"] is not None]}
    return render(request, "canvass/app.html", {
        "walk_list": item, "data": data, "features": features,
        "start_form": StartForm(initial={"start": _start_text(item)}),
        "questions": item.effort.questions.all(), "language": language,
        "outcomes": DoorVisit.Outcome.choices,
        "sync_url": reverse("canvass_sync", args=[org_slug_of(request)]),
        "sync_limits": sync_limits(),
        "sw_url": reverse("canvass_sw", args=[org_slug_of(request)]),
        "scope_url": reverse("my_lists", args=[org_slug_of(request)]).rsplit("mine/", 1)[0],
        "language_choices": [("es", "Español"), ("en", "English")],
    })


def sync_limits() -> dict[str, int]:
    """What one sync may carry; the page gives these to the phone, which sends its
    queue in chunks under them."""
    return {"max_bytes": min(MAX_SYNC_BYTES, settings.MAX_REQUEST_BYTES),
            "max_visits": services.MAX_VISITS_PER_SYNC}


def _too_big() -> JsonResponse:
    return JsonResponse({"error": _("Too many visits at once: send fewer."), **sync_limits()},
                        status=413)


@org_view("canvass.knock")
@require_POST
def canvass_sync(request: HttpRequest) -> HttpResponse:
    """The phone's queue, as JSON: {"sent_at": phone time, "visits": [...]}. Answers per
    visit, so the phone can drop what was saved (or saved before), show why a visit
    was refused, and keep the rest. Every answer is JSON, a body too big included."""
    limit = sync_limits()["max_bytes"]
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _too_big()
    # Read the stream ourselves, under this endpoint's own limit: request.body would
    # stop at the form limit (DATA_UPLOAD_MAX_MEMORY_SIZE) with Django's HTML 400.
    body = request.read(limit + 1)
    if len(body) > limit:
        return _too_big()
    received_at = timezone.now()
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return JsonResponse({"error": _("The visits could not be read, so none was saved."),
                             "details": [_("That is not JSON.")]}, status=400)
    try:
        results = services.sync_visits(membership_of(request), payload,
                                       received_at=received_at)
    except services.MalformedPayload as exc:
        return JsonResponse({"error": exc.message, "details": exc.errors}, status=400)
    return JsonResponse({"received_at": received_at.isoformat(), **sync_limits(),
                         "results": [{"id": r.id, "status": r.status, "error": r.error}
                                     for r in results]})


@org_view("canvass.knock")
@require_GET
def canvass_sw(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /o/<org>/canvass/ so that its scope covers the
    app's pages (a worker only controls pages under its own path)."""
    response = render(request, "canvass/sw.js", {}, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("my_lists", args=[org_slug_of(request)]) \
        .rsplit("mine/", 1)[0]
    return response


@org_view("canvass.knock")
@require_GET
def canvass_manifest(request: HttpRequest) -> HttpResponse:
    slug = org_slug_of(request)
    from django.templatetags.static import static

    return JsonResponse({
        "name": _("Door knocking"), "short_name": _("Doors"),
        "start_url": reverse("my_lists", args=[slug]),
        "scope": reverse("my_lists", args=[slug]).rsplit("mine/", 1)[0],
        "display": "standalone", "background_color": "#f6f6f3", "theme_color": "#1d1f24",
        "icons": [{"src": static("groundswell/icon.svg"), "sizes": "any",
                   "type": "image/svg+xml"},
                  {"src": static("groundswell/icon-192.png"), "sizes": "192x192",
                   "type": "image/png"},
                  {"src": static("groundswell/icon-512.png"), "sizes": "512x512",
                   "type": "image/png"}],
    }, content_type="application/manifest+json")


# --- from an event's follow-up list (events.followups registers it) ---------------------------


def follow_up_walk_list_form(event: Event, ids: list[int]) -> FollowUpWalkListForm:
    return FollowUpWalkListForm(choices=ids, initial={
        "walk_name": _("Follow-up: %(event)s") % {"event": event.title[:40]}})


@org_view("events.follow_up")
@require_POST
def follow_up_walk_list(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_or_404(request, pk)
    membership = membership_of(request)
    if not can(membership, "canvass.manage"):
        raise PermissionDenied
    attendees = list(followups.attendees(event, membership).values_list("pk", flat=True))
    form = FollowUpWalkListForm(request.POST, choices=attendees)
    if not form.is_valid():
        refuse_follow_up_action(request, form)
        return back_to_follow_up(request, event)
    people = list(Person.objects.filter(pk__in=form.cleaned_data["people"]))
    try:
        made = services.create_walk_list_for_people(membership, effort=form.cleaned_data["effort"],
                                                    persons=people,
                                                    name=form.cleaned_data["walk_name"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return back_to_follow_up(request, event)
    text = ngettext("The walk list was made with %(count)s door.",
                    "The walk list was made with %(count)s doors.", made.households) \
        % {"count": made.households}
    if made.no_home:
        text += " " + ngettext("%(count)s person has no address and was left out.",
                               "%(count)s people have no address and were left out.",
                               made.no_home) % {"count": made.no_home}
    if made.taken:
        text += " " + ngettext(
            "%(count)s door is already on an open list of this effort and was left out.",
            "%(count)s doors are already on an open list of this effort and were left out.",
            made.taken) % {"count": made.taken}
    messages.success(request, text)
    return redirect("walklist", org_slug=org_slug_of(request), pk=made.walk_list.pk)
