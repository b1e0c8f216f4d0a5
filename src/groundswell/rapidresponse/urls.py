"""URLs of this area, under /o/<org_slug>/rapid-response/."""

from django.urls import path

from groundswell.rapidresponse import views

urlpatterns = [
    path("", views.home, name="rr_home"),
    path("networks/new/", views.network_edit, name="rr_network_create"),
    path("networks/<int:pk>/", views.board, name="rr_board"),
    path("networks/<int:pk>/feed/", views.board_feed, name="rr_board_feed"),
    path("networks/<int:pk>/settings/", views.network_edit, name="rr_network_edit"),
    path("networks/<int:pk>/zones/", views.zones, name="rr_zones"),
    path("networks/<int:pk>/subscribers/", views.subscribers, name="rr_subscribers"),
    path("networks/<int:pk>/subscribers/sync/", views.subscribers_sync,
         name="rr_subscribers_sync"),
    path("networks/<int:pk>/reports/new/", views.report_create, name="rr_report_create"),
    path("networks/<int:pk>/alerts/new/", views.alert_compose, name="rr_alert_compose"),
    path("networks/<int:pk>/alerts/count/", views.alert_count, name="rr_alert_count"),
    path("networks/<int:pk>/review/", views.review, name="rr_review"),
    path("networks/<int:pk>/review.csv", views.review_export, name="rr_review_export"),
    path("zones/<int:pk>/", views.zone_edit, name="rr_zone_edit"),
    path("subscribers/<int:pk>/", views.subscriber_edit, name="rr_subscriber_edit"),
    path("subscribers/<int:pk>/remove/", views.subscriber_remove, name="rr_subscriber_remove"),
    path("reports/<int:pk>/", views.report_detail, name="rr_report"),
    path("reports/<int:pk>/verify/", views.report_verify, name="rr_report_verify"),
    path("reports/<int:pk>/override/", views.report_override, name="rr_report_override"),
    path("reports/<int:pk>/confirm/", views.report_confirm, name="rr_report_confirm"),
    path("reports/<int:pk>/close/", views.report_close, name="rr_report_close"),
    path("reports/<int:pk>/locate/", views.report_locate, name="rr_report_locate"),
    path("reports/<int:pk>/purge/", views.report_purge, name="rr_report_purge"),
    path("reports/<int:pk>/reveal/", views.report_reveal, name="rr_report_reveal"),
    path("alerts/<int:pk>/", views.alert_detail, name="rr_alert"),
    path("alerts/<int:pk>/all-clear/", views.alert_all_clear, name="rr_alert_all_clear"),
]
