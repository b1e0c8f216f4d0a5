"""Kiosk mode: a tablet at the door, locked to one event's sign-in.

A staff member opens the kiosk page, sets a PIN, and hands the tablet over. From then
on the session is locked (``events.middleware.KioskLockMiddleware``): only these pages
answer. A resident finds themself in two taps (type a name or phone number and search,
then tap their name) or adds themself. Results show a first name, the family name's
initial and the street block: never a phone number, a house number or a unit. Only
the people a search just offered can be signed in (their ids are kept in the
session), so a tampered form cannot sign in anyone else.

Nobody is logged in behind the tablet, so its search must not list the neighborhood:
a search is a whole phone number or at least three letters of a name (never the last
four digits of a phone), each kiosk may search KIOSK_SEARCHES times per
KIOSK_SEARCH_WINDOW, and a name search shows a name only for people tied to the event
(they RSVP'd, signed up for a shift, or came to one of the organization's events
before); anyone else found is shown by initials and block ("R. M. · 2400 block of N
Front St"), enough to recognize oneself. A whole phone number shows the name: whoever
typed it knows who it belongs to.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts.middleware import allow_idle
from groundswell.core import ratelimit
from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.views import org_view
from groundswell.events import display, services
from groundswell.events.display import initials, short_name, street_block
from groundswell.events.forms import KioskAddForm, KioskExitForm, KioskStartForm, SearchForm
from groundswell.events.middleware import SESSION_KEY, locked_kiosk
from groundswell.events.models import RSVP, Attendance, Event, Kiosk, ShiftSignup
from groundswell.people.models import Person, Residence
from groundswell.people.search import search_people
from groundswell.people.services import people_with_phone
from groundswell.people.services.residents import ConsentGiven, Resident

RESULTS_SHOWN = 8
KIOSK_SEARCHES = 30
KIOSK_SEARCH_WINDOW = timedelta(minutes=5)


def _event(pk: int) -> Event:
    return get_object_or_404(Event, pk=pk)


def _kiosk(request: HttpRequest, event: Event) -> Kiosk | None:
    """The running kiosk this session is locked to, if it is this event's."""
    lock = locked_kiosk(request)
    if lock is None or lock.get("event") != event.pk \
            or lock.get("org") != request.organization.slug:  # type: ignore[attr-defined]
        return None
    return Kiosk.objects.filter(pk=lock.get("kiosk"), event=event,
                                ended_at__isnull=True).first()


def _unlock(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    allow_idle(request, None)


def label_for(person: Person, residence: Residence | None, *,
              named: bool = True) -> dict[str, Any]:
    block = street_block(residence.household.address.street) if residence else None
    show = short_name if named else initials
    return {"pk": person.pk,
            "name": show(person.given_name, person.family_name, person.preferred_name),
            "block": block}


def tied_to(event: Event, person_ids: list[int]) -> set[int]:
    """Of these people, those the event knows: RSVP'd, signed up for one of its
    shifts, or came to any event of the organization before."""
    tied = set(RSVP.objects.filter(event=event, person_id__in=person_ids,
                                   cancelled_at__isnull=True)
               .values_list("person_id", flat=True))
    tied |= set(ShiftSignup.objects.filter(shift__event=event, person_id__in=person_ids)
                .values_list("person_id", flat=True))
    tied |= set(Attendance.objects.filter(person_id__in=person_ids)
                .values_list("person_id", flat=True))
    return tied


KIOSK_REFUSALS = {
    display.KIOSK_TOO_SHORT: lambda: _("Type at least three letters of your name."),
    display.KIOSK_PARTIAL_PHONE: lambda: _(
        "Type your whole phone number, with the area code, or your name."),
}


def _kiosk_page(request: HttpRequest, event: Event, kiosk: Kiosk, *,
                add_form: KioskAddForm | None = None, results: list | None = None,
                query: str = "", refusal: str = "", status: int = 200) -> HttpResponse:
    return render(request, "events/kiosk.html", {
        "event": event, "kiosk": kiosk, "add_form": add_form or KioskAddForm(),
        "results": results, "query": query, "add_open": add_form is not None,
        "refusal": refusal,
    }, status=status)


@org_view("events.sign_in")
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the sign-in screen when this tablet is locked to the event, else the form
    that starts kiosk mode. POST: start kiosk mode with a PIN."""
    event = _event(pk)
    running = _kiosk(request, event)
    if running is not None:
        return _kiosk_page(request, event, running)
    if locked_kiosk(request) is not None:  # a kiosk that ended elsewhere: unlock
        _unlock(request)
    form = KioskStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            started = services.start_kiosk(request.membership, event,  # type: ignore
                                           form.cleaned_data["pin"])
        except DomainError as exc:
            form.add_error("pin" if getattr(exc, "field", "") == "pin" else None, exc.message)
        else:
            request.session[SESSION_KEY] = {"org": request.organization.slug,  # type: ignore
                                            "event": event.pk, "kiosk": started.pk,
                                            "offered": []}
            allow_idle(request, settings.KIOSK_IDLE_TIMEOUT_MINUTES * 60)
            return redirect("kiosk", org_slug=request.organization.slug,  # type: ignore
                            pk=event.pk)
    return render(request, "events/kiosk_start.html", {"event": event, "form": form},
                  status=400 if request.method == "POST" else 200)


def _running_or_404(request: HttpRequest, pk: int) -> tuple[Event, Kiosk]:
    event = _event(pk)
    running = _kiosk(request, event)
    if running is None:
        raise Http404
    return event, running


@org_view("events.sign_in")
@never_cache
@require_POST
def kiosk_search(request: HttpRequest, pk: int) -> HttpResponse:
    event, running = _running_or_404(request, pk)
    form = SearchForm(request.POST)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results: list[dict[str, Any]] = []
    kind = display.kiosk_query(query)
    refusal = str(KIOSK_REFUSALS[kind]()) if query and kind in KIOSK_REFUSALS else ""
    status = 200
    if query and not refusal and ratelimit.exceeded(
            "kiosk-search", str(running.pk), limit=KIOSK_SEARCHES, window=KIOSK_SEARCH_WINDOW):
        refusal = _("This tablet has searched many times in a short while. Wait a few "
                    "minutes, or ask someone from the team for help.")
        status = 429
    if query and not refusal:
        visible = Person.objects.visible_to(request.membership)  # type: ignore[attr-defined]
        if kind == display.KIOSK_PHONE:
            ids = {p.pk for p in people_with_phone(request.organization,  # type: ignore
                                                   query)}
            people = list(visible.filter(pk__in=ids)[:RESULTS_SHOWN])
            named = {p.pk for p in people}
        else:
            people = list(search_people(visible, query, limit=RESULTS_SHOWN)
                          .only("pk", "given_name", "family_name", "preferred_name"))
            named = tied_to(event, [p.pk for p in people])
        residences = {r.person_id: r for r in Residence.objects.filter(
            person__in=people, ended_on__isnull=True).select_related("household__address")}
        results = [label_for(p, residences.get(p.pk), named=p.pk in named) for p in people]
    lock = request.session[SESSION_KEY]
    lock["offered"] = [r["pk"] for r in results]
    request.session.modified = True
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "events/_kiosk_results.html",
                      {"event": event, "results": results, "query": query,
                       "refusal": refusal}, status=status)
    return _kiosk_page(request, event, running, results=results, query=query,
                       refusal=refusal, status=status)


@org_view("events.sign_in")
@never_cache
@require_POST
def kiosk_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    event, running = _running_or_404(request, pk)
    lock = request.session[SESSION_KEY]
    try:
        chosen = int(request.POST.get("person", ""))
    except ValueError:
        chosen = 0
    person = Person.objects.active().filter(pk=chosen).first() \
        if chosen in lock.get("offered", []) else None
    if person is None:
        messages.error(request, _("Search for your name again, then tap it."))
        return redirect("kiosk", org_slug=request.organization.slug, pk=event.pk)  # type: ignore
    try:
        _attendance, created = services.kiosk_sign_in(request.membership, running,  # type: ignore
                                                      person)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        name = short_name(person.given_name, person.family_name, person.preferred_name)
        if created:
            messages.success(request, _("Welcome, %(name)s! You are signed in.")
                             % {"name": name})
        else:
            messages.info(request, _("%(name)s, you were already signed in. Welcome!")
                          % {"name": name})
    lock["offered"] = []
    request.session.modified = True
    return redirect("kiosk", org_slug=request.organization.slug, pk=event.pk)  # type: ignore


@org_view("events.sign_in")
@never_cache
@require_POST
def kiosk_add(request: HttpRequest, pk: int) -> HttpResponse:
    event, running = _running_or_404(request, pk)
    form = KioskAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        resident = Resident(
            given_name=data["given_name"], family_name=data["family_name"],
            phone=data["phone"], street=data["street"], unit=data["unit"],
            language=data["language"], birth_year=data.get("birth_year"))
        consents = [ConsentGiven(*choice) for choice in form.consent_choices()]
        try:
            attendance, created = services.kiosk_quick_add(
                request.membership, running, resident, consents=consents)  # type: ignore
        except DomainError as exc:
            show_error(form, exc)
        else:
            person = attendance.person
            name = short_name(person.given_name, person.family_name, person.preferred_name)
            if created:
                messages.success(request, _("Welcome, %(name)s! You are signed in.")
                                 % {"name": name})
            else:
                messages.success(request, _("We found you, %(name)s. You are signed in.")
                                 % {"name": name})
            return redirect("kiosk", org_slug=request.organization.slug,  # type: ignore
                            pk=event.pk)
    return _kiosk_page(request, event, running, add_form=form, status=400)


@org_view("events.sign_in")
@require_POST
def kiosk_language(request: HttpRequest, pk: int) -> HttpResponse:
    """The kiosk's language button: changes this kiosk's screens only (the lock carries
    it), not the staff member's own preference, which is back when kiosk mode ends."""
    event = _event(pk)
    language = request.POST.get("language", "")
    lock = locked_kiosk(request)
    if _kiosk(request, event) is not None and lock is not None \
            and language in dict(settings.LANGUAGES):
        request.session[SESSION_KEY] = {**lock, "language": language}
    back = "kiosk_exit" if request.POST.get("next") == "exit" else "kiosk"
    return redirect(back, org_slug=request.organization.slug, pk=event.pk)  # type: ignore


@org_view("events.sign_in")
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_exit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(pk)
    running = _kiosk(request, event)
    if running is None:
        lock = locked_kiosk(request)
        if lock is not None and lock.get("event") == event.pk:  # it ended elsewhere
            _unlock(request)
        return render(request, "events/kiosk_exit.html", {"event": event, "form": None})
    form = KioskExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_kiosk(request.membership, running,  # type: ignore
                               form.cleaned_data["pin"])
        except DomainError as exc:
            form.add_error("pin", exc.message)
        else:
            _unlock(request)
            messages.success(request, _("Kiosk mode ended."))
            return redirect("event", org_slug=request.organization.slug,  # type: ignore
                            pk=event.pk)
    return render(request, "events/kiosk_exit.html", {"event": event, "form": form},
                  status=400 if request.method == "POST" else 200)
