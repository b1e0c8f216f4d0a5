"""Per-user language, idle timeout and the mandatory second factor."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from groundswell.core.scoping import user_requires_second_factor

Handler = Callable[[HttpRequest], HttpResponse]


class UserLanguageMiddleware:
    """A signed-in user sees their chosen language on every device; anonymous
    visitors get the language cookie or Accept-Language (LocaleMiddleware)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


IDLE_ALLOWANCE_KEY = "idle_allowance"


def allow_idle(request: HttpRequest, seconds: int | None) -> None:
    """Let this session stay idle ``seconds`` (cookie and server alike) instead of the
    usual IDLE_TIMEOUT_MINUTES; None goes back to the usual."""
    if seconds is None:
        request.session.pop(IDLE_ALLOWANCE_KEY, None)
        request.session.set_expiry(None)
    else:
        request.session[IDLE_ALLOWANCE_KEY] = seconds
        request.session.set_expiry(seconds)


class IdleTimeoutMiddleware:
    """Ends a session after IDLE_TIMEOUT_MINUTES without a request, on the server. A
    session an area has locked down (a kiosk) may carry its own allowance, in seconds,
    under ``IDLE_ALLOWANCE_KEY`` (set with ``allow_idle``)."""

    key = "last_activity"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.key)
            allowed = request.session.get(IDLE_ALLOWANCE_KEY) or settings.IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - int(last) > int(allowed):
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                return HttpResponseRedirect(f"{reverse('account_login')}?next={request.path}")
            request.session[self.key] = now
        return self.get_response(request)


# Pages a user without a second factor may still reach: enrolling one, leaving, and
# the plumbing every page needs.
ENROLLMENT_URL_NAMES = frozenset({
    "mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "mfa_list_webauthn",
    "mfa_generate_recovery_codes", "mfa_view_recovery_codes", "mfa_download_recovery_codes",
    "mfa_reauthenticate", "account_reauthenticate", "account_logout", "set_language", "health",
    "javascript-catalog",
})


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path_info.startswith(settings.STATIC_URL) \
                and not self._has_second_factor(user) and user_requires_second_factor(user):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in ENROLLMENT_URL_NAMES:
                target = reverse("mfa_activate_totp")
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                messages.warning(request, _(
                    "Your role can see information that could hurt people if your account "
                    "were taken over. Set up a second factor to continue."))
                return HttpResponseRedirect(target)
        return self.get_response(request)

    @staticmethod
    def _has_second_factor(user: object) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
