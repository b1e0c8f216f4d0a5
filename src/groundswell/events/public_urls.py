"""URLs of this area that are reached without signing in (residents), included at the
site root under ``e/``."""

from django.urls import path

from groundswell.events import public

urlpatterns = [
    path("e/<uuid:public_id>/", public.event_rsvp, name="event_rsvp"),
    path("e/<uuid:public_id>/event.ics", public.event_ics, name="event_ics"),
    path("e/<uuid:public_id>/volunteer/", public.event_volunteer, name="event_volunteer"),
    path("e/org/<slug:slug>/", public.organization_events, name="organization_events"),
    path("e/<uuid:public_id>/materials/", public.event_public_materials,
         name="event_public_materials"),
    path("e/feed/<str:token>.ics", public.events_feed, name="events_feed"),
]
