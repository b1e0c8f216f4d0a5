"""URLs of this area that are reached without signing in (residents), included at the
site root under r/."""

from django.urls import path

from groundswell.rapidresponse import public_views

urlpatterns = [
    path("r/leave/<str:token>/", public_views.leave, name="rr_public_leave"),
    path("r/<str:network_key>/", public_views.report_form, name="rr_public_report"),
]
