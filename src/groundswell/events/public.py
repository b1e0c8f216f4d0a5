"""Pages residents reach without signing in, at the site root under ``e/``: an
event's RSVP page (both languages, phone-first), its calendar file and materials, and
an organization's calendar feed.

Spam protection: a honeypot field people never see, and a rate limit per client IP
and per event in the shared cache (the database cache that also holds login
lockouts). Nothing here is scoped by a URL slug, so each view enters the event's
organization scope itself.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_scopes import scope, scopes_disabled

from groundswell.core import ratelimit
from groundswell.core.errors import DomainError
from groundswell.core.forms import show_error
from groundswell.core.middleware import client_ip
from groundswell.core.models import Organization
from groundswell.events import ics, services
from groundswell.events.forms import RSVPForm, VolunteerForm
from groundswell.events.models import Event
from groundswell.events.views import FEED_SALT, materials_response
from groundswell.people.services.residents import ConsentGiven, Resident

RSVP_LIMIT_PER_IP = 10  # RSVPs tried from one address ...
RSVP_LIMIT_PER_EVENT = 500  # ... and for one event ...
RSVP_WINDOW = timedelta(minutes=10)  # ... in this long (volunteer sign-ups count too)
LISTED_EVENTS = 50
FEED_DAYS_BACK = 30


def _public_event(public_id: str) -> Event:
    with scopes_disabled():
        event = Event.objects.select_related("organization").filter(public_id=public_id).first()
    if event is None:
        raise Http404
    return event


def _location(event: Event) -> str:
    return ", ".join(part for part in (event.place_name, event.street) if part)


@never_cache
@require_http_methods(["GET", "POST"])
def event_rsvp(request: HttpRequest, public_id: str) -> HttpResponse:
    event = _public_event(public_id)
    org = event.organization
    language = translation.get_language() or "en"
    form = RSVPForm(request.POST or None, organization_name=org.name)
    status = 200
    closed = not event.rsvp_open or event.cancelled_at is not None or event.is_past
    with scope(organization=org):
        if request.method == "POST" and not closed:
            status = _refused(request, form, f"rsvp-event:{event.pk}") or 400
            if status == 400 and form.is_valid():
                data = form.cleaned_data
                resident = Resident(
                    given_name=data["given_name"], family_name=data["family_name"],
                    phone=data["phone"], email=data["email"], language=language[:2])
                consents = [ConsentGiven(*c) for c in form.consent_choices()]
                try:
                    rsvp = services.public_rsvp(event, resident, guests=data["guests"],
                                                consents=consents)
                except DomainError as exc:
                    show_error(form, exc)
                else:
                    return render(request, "events/rsvp_thanks.html", {
                        "event": event, "rsvp": rsvp, "title": event.title_in(language),
                        "location": _location(event),
                        "ics_url": reverse("event_ics", args=[event.public_id])})
        return render(request, "events/rsvp.html", {
            "event": event, "org": org, "form": form, "closed": closed,
            "shifts": [] if closed else services.open_shifts(event),
            "events_url": reverse("organization_events", args=[org.slug]),
            "title": event.title_in(language), "description": event.description_in(language),
            "location": _location(event), "spots_left": services.spots_left(event),
            "ics_url": reverse("event_ics", args=[event.public_id]),
            "materials_url": reverse("event_public_materials", args=[event.public_id])
            if event.materials else "",
        }, status=status)


def _refused(request: HttpRequest, form: RSVPForm, key: str) -> int | None:
    """The honeypot and the rate limits shared by the public forms: the status to answer
    with, the reason added to the form, or None when the post may go on."""
    ip = client_ip(request) or "unknown"
    if request.POST.get("website"):
        form.is_valid()
        form.add_error(None, _("We could not take this RSVP. Please try again, or call us."))
        return 400
    if ratelimit.exceeded("rsvp-ip", ip, limit=RSVP_LIMIT_PER_IP, window=RSVP_WINDOW) \
            or ratelimit.exceeded("rsvp-page", key, limit=RSVP_LIMIT_PER_EVENT, window=RSVP_WINDOW):
        form.is_valid()
        form.add_error(None, _("Too many RSVPs from here right now. Please wait a few "
                               "minutes and try again."))
        return 429
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def event_volunteer(request: HttpRequest, public_id: str) -> HttpResponse:
    """Volunteers sign themselves up for an open shift; a full shift takes them on its
    waitlist. Matched to the one record as an RSVP is, consents recorded as ticked."""
    event = _public_event(public_id)
    org = event.organization
    language = translation.get_language() or "en"
    closed = not event.rsvp_open or event.cancelled_at is not None or event.is_past
    with scope(organization=org):
        shifts = [] if closed else services.open_shifts(event)
        form = VolunteerForm(request.POST or None, organization_name=org.name, shifts=shifts)
        status = 200
        if request.method == "POST" and shifts:
            status = _refused(request, form, f"volunteer-event:{event.pk}") or 400
            if status == 400 and not form.errors and form.is_valid():
                data = form.cleaned_data
                resident = Resident(
                    given_name=data["given_name"], family_name=data["family_name"],
                    phone=data["phone"], email=data["email"], language=language[:2])
                consents = [ConsentGiven(*c) for c in form.consent_choices()]
                shift = next(o.shift for o in shifts if o.shift.pk == data["shift"])
                try:
                    signup = services.volunteer_for_shift(shift, resident, consents=consents)
                except DomainError as exc:
                    show_error(form, exc)
                else:
                    return render(request, "events/volunteer_thanks.html", {
                        "event": event, "signup": signup, "shift": shift,
                        "title": event.title_in(language), "location": _location(event),
                        "rsvp_url": reverse("event_rsvp", args=[event.public_id])})
        return render(request, "events/volunteer.html", {
            "event": event, "org": org, "form": form, "closed": closed, "shifts": shifts,
            "title": event.title_in(language), "location": _location(event),
            "rsvp_url": reverse("event_rsvp", args=[event.public_id]),
        }, status=status)


@require_http_methods(["GET", "HEAD"])
def organization_events(request: HttpRequest, slug: str) -> HttpResponse:
    """The organization's upcoming events with an open RSVP page, in the visitor's
    language (either title when only one was given), for a link in a bio or a flyer.
    (The slug is not called ``org_slug``: that one asks for a member's login.)"""
    with scopes_disabled():
        org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise Http404
    language = translation.get_language() or "en"
    with scope(organization=org):
        events = list(Event.objects.filter(
            rsvp_open=True, cancelled_at__isnull=True, ends_at__gte=timezone.now())
            .order_by("starts_at", "pk")[:LISTED_EVENTS])
    return render(request, "events/public_list.html", {
        "org": org,
        "events": [{"event": e, "title": e.title_in(language),
                    "description": e.description_in(language), "location": _location(e),
                    "url": reverse("event_rsvp", args=[e.public_id])} for e in events],
    })


def _ics_event(request: HttpRequest, event: Event, language: str) -> ics.IcsEvent:
    return ics.IcsEvent(
        uid=f"{event.public_id}@groundswell", title=event.title_in(language),
        starts_at=event.starts_at, ends_at=event.ends_at,
        stamp=event.created_at, description=event.description_in(language),
        location=_location(event),
        url=request.build_absolute_uri(reverse("event_rsvp", args=[event.public_id])),
        latitude=float(event.latitude) if event.latitude is not None else None,
        longitude=float(event.longitude) if event.longitude is not None else None,
        cancelled=event.cancelled_at is not None)


def _calendar_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "HEAD"])
def event_ics(request: HttpRequest, public_id: str) -> HttpResponse:
    event = _public_event(public_id)
    language = translation.get_language() or "en"
    text = ics.calendar([_ics_event(request, event, language)],
                        name=event.organization.name)
    return _calendar_response(text, f"event-{event.public_id}.ics")


@require_http_methods(["GET", "HEAD"])
def event_public_materials(request: HttpRequest, public_id: str) -> HttpResponse:
    event = _public_event(public_id)
    if not event.rsvp_open and event.cancelled_at is None and not event.is_past:
        raise Http404
    return materials_response(event)


@require_http_methods(["GET", "HEAD"])
def events_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Every event of the organization from a month ago on, for a calendar app to
    subscribe to; the URL holds a signed token, not the organization's slug alone."""
    try:
        slug = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    with scopes_disabled():
        org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise Http404
    language = translation.get_language() or org.default_language
    with scope(organization=org):
        events = Event.objects.filter(
            ends_at__gte=timezone.now() - timedelta(days=FEED_DAYS_BACK)).order_by(
            "starts_at")[:500]
        text = ics.calendar([_ics_event(request, e, language) for e in events], name=org.name)
    return _calendar_response(text, f"{org.slug}-events.ics")


__all__ = ["event_ics", "event_public_materials", "event_rsvp", "event_volunteer",
           "events_feed", "organization_events"]
