"""Provider webhooks: incoming texts and delivery status, signed by the provider.

The signature (Twilio's ``X-Twilio-Signature``, checked with the official
``RequestValidator``) covers the public URL the provider called. Behind a reverse
proxy the URL Django sees is not that one, so it is rebuilt from ``SITE_URL`` (the
public origin, the one configured at the provider) and the request's path and query,
whatever ``TRUSTED_PROXY_HOPS`` and the forwarded headers say. A missing or wrong
signature is a 403 and changes nothing; bad fields are a 400 with a plain message.

The signature is checked before the organization is looked up, so an unsigned request
gets the same 403, with the same body, for an organization that exists and for one
that does not: the webhook does not tell which slugs exist.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_scopes import scope
from twilio.request_validator import RequestValidator

from groundswell.core.errors import InvalidInput
from groundswell.core.models import Organization
from groundswell.messaging.inbound import UnknownMessage, receive_sms, record_status

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url(request: HttpRequest) -> str:
    return settings.SITE_URL.rstrip("/") + request.get_full_path()


def signature_valid(request: HttpRequest) -> bool:
    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    params = {key: request.POST.get(key) for key in request.POST}
    return bool(RequestValidator(token).validate(public_url(request), params, signature))


def _organization(slug: str) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise Http404
    return org


def _forbidden(kind: str) -> HttpResponse:
    logger.warning("Refused %s webhook with a missing or wrong signature.", kind)
    return HttpResponse("Forbidden: bad signature.\n", status=403, content_type="text/plain")


def _bad(exc: InvalidInput, status: int = 400) -> HttpResponse:
    return HttpResponse(f"{exc.field}: {exc.message}\n", status=status,
                        content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def incoming(request: HttpRequest, organization: str) -> HttpResponse:
    if not signature_valid(request):
        return _forbidden("an incoming-text")
    org = _organization(organization)
    missing = [name for name in ("MessageSid", "From", "Body") if name not in request.POST]
    if missing:
        return HttpResponse(f"Missing fields: {', '.join(missing)}\n", status=400,
                            content_type="text/plain")
    with scope(organization=org):
        try:
            receive_sms(org, from_number=request.POST["From"],
                        to_number=request.POST.get("To", ""), body=request.POST["Body"],
                        provider_sid=request.POST["MessageSid"])
        except InvalidInput as exc:
            return _bad(exc)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def status(request: HttpRequest, organization: str) -> HttpResponse:
    if not signature_valid(request):
        return _forbidden("a status")
    org = _organization(organization)
    if "MessageStatus" not in request.POST or not (request.GET.get("ref")
                                                   or request.POST.get("MessageSid")):
        return HttpResponse("Missing fields: MessageStatus and MessageSid\n", status=400,
                            content_type="text/plain")
    with scope(organization=org):
        try:
            record_status(org, status=request.POST["MessageStatus"],
                          provider_sid=request.POST.get("MessageSid", ""),
                          client_reference=request.GET.get("ref", ""),
                          error_code=request.POST.get("ErrorCode", ""))
        except UnknownMessage as exc:
            return _bad(exc, 404)
        except InvalidInput as exc:
            return _bad(exc)
    return HttpResponse(status=204)
