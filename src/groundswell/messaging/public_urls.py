"""URLs of this area that are reached without signing in (providers' webhooks),
included at the site root. The organization is named ``organization`` here, not
``org_slug``: these are not member pages, and the signature is what authenticates."""

from django.urls import path

from groundswell.messaging import public

urlpatterns = [
    path("hooks/sms/<slug:organization>/incoming", public.incoming,
         name="messaging_hook_incoming"),
    path("hooks/sms/<slug:organization>/status", public.status, name="messaging_hook_status"),
]
