"""URLs of this area, under /o/<org_slug>/events/."""

from django.urls import path

from groundswell.events import kiosk, views

urlpatterns = [
    path("", views.event_list, name="events"),
    path("new/", views.event_create, name="event_create"),
    path("<int:pk>/", views.event_page, name="event"),
    path("<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("<int:pk>/cancel/", views.event_cancel, name="event_cancel"),
    path("<int:pk>/flyer/", views.event_flyer, name="event_flyer"),
    path("<int:pk>/qr.svg", views.event_qr, name="event_qr"),
    path("<int:pk>/materials/", views.event_materials, name="event_materials"),
    path("<int:pk>/shifts/new/", views.shift_create, name="shift_create"),
    path("<int:pk>/shifts/remind/", views.shift_reminders, name="shift_reminders"),
    path("shifts/<int:pk>/", views.shift_page, name="shift"),
    path("shifts/<int:pk>/delete/", views.shift_delete, name="shift_delete"),
    path("shifts/<int:pk>/sign-up/", views.shift_sign_up, name="shift_sign_up"),
    path("signups/<int:pk>/cancel/", views.shift_signup_cancel, name="shift_signup_cancel"),
    path("<int:pk>/kiosk/", kiosk.kiosk, name="kiosk"),
    path("<int:pk>/kiosk/search/", kiosk.kiosk_search, name="kiosk_search"),
    path("<int:pk>/kiosk/sign-in/", kiosk.kiosk_sign_in, name="kiosk_sign_in"),
    path("<int:pk>/kiosk/add/", kiosk.kiosk_add, name="kiosk_add"),
    path("<int:pk>/kiosk/exit/", kiosk.kiosk_exit, name="kiosk_exit"),
    path("<int:pk>/kiosk/language/", kiosk.kiosk_language, name="kiosk_language"),
    path("<int:pk>/people/", views.event_people, name="event_people"),
    path("<int:pk>/people/rsvp/", views.event_record_rsvp, name="event_record_rsvp"),
    path("<int:pk>/people/sign-in/", views.event_sign_in, name="event_sign_in"),
    path("<int:pk>/follow-up/", views.event_follow_up, name="event_follow_up"),
    path("<int:pk>/follow-up/assign/", views.follow_up_assign, name="follow_up_assign"),
    path("<int:pk>/follow-up/call-list/", views.follow_up_call_list,
         name="follow_up_call_list"),
    path("follow-ups/", views.my_follow_ups, name="my_follow_ups"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("<int:pk>/report/", views.event_report, name="event_report"),
    path("reports/", views.events_report, name="events_report"),
    path("reports/csv/", views.events_report_csv, name="events_report_csv"),
]
