"""Kiosk mode: a tablet at the door locked to one event's sign-in.

While the session carries the kiosk flag (set by ``events.services.start_kiosk`` through
the kiosk start view), every URL other than that event's kiosk pages is refused: a
page is answered with a redirect back to the kiosk, anything else (a form post, an
htmx request) with 403. Logging out is refused too, so that nobody walks away with
the staff member's session; only the staff PIN ends kiosk mode (``kiosk_exit``).

The kiosk has a language of its own (a resident taps Español): kept in the lock, shown
while it lasts, never written to the staff member's account or language cookie, so their
own language is back when the PIN ends kiosk mode.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_KEY = "events_kiosk"

# The pages a locked tablet may open (each is checked for the locked event too).
KIOSK_URL_NAMES = frozenset({"kiosk", "kiosk_search", "kiosk_sign_in", "kiosk_add",
                             "kiosk_exit", "kiosk_language"})
# Plumbing every page needs, reachable whatever the lock.
ALWAYS_ALLOWED = frozenset({"set_language", "health"})


def locked_kiosk(request: HttpRequest) -> dict | None:
    """The kiosk this session is locked to ({"org", "event", "kiosk"}), or None."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) else None


class KioskLockMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lock = locked_kiosk(request)
        if lock is None or request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        language = lock.get("language")
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match is not None:
            if match.url_name in ALWAYS_ALLOWED:
                return self.get_response(request)
            if (match.url_name in KIOSK_URL_NAMES
                    and match.kwargs.get("org_slug") == lock["org"]
                    and str(match.kwargs.get("pk")) == str(lock["event"])):
                return self.get_response(request)
        if request.method in ("GET", "HEAD") and not request.headers.get("HX-Request"):
            return HttpResponseRedirect(reverse("kiosk", kwargs={"org_slug": lock["org"],
                                                                 "pk": lock["event"]}))
        return HttpResponseForbidden()
