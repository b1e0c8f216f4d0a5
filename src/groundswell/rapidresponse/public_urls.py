"""URLs of this area that are reached without signing in (residents), included at the
site root under r/."""

from django.urls import path

from groundswell.rapidresponse import public

urlpatterns = [
    path("r/leave/<str:token>/", public.leave, name="rr_public_leave"),
    path("r/<str:network_key>/", public.report_form, name="rr_public_report"),
]
