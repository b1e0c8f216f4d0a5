"""URLs of this area, under /o/<org_slug>/programs/."""

from django.urls import URLPattern, path

from groundswell.programs import views

urlpatterns: list[URLPattern] = [
    path("", views.programs, name="programs"),
    path("new/", views.program_create, name="program_create"),
    path("<int:pk>/", views.program, name="program"),
    path("<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("<int:pk>/archive/", views.program_archive, name="program_archive"),
    path("<int:pk>/enroll/", views.enroll, name="program_enroll"),
    path("<int:pk>/sessions/new/", views.session_create, name="program_session_create"),
    path("enrollments/<int:pk>/", views.enrollment, name="enrollment"),
    path("enrollments/<int:pk>/details/", views.enrollment_details, name="enrollment_details"),
    path("enrollments/<int:pk>/contacts/", views.enrollment_contact, name="enrollment_contact"),
    path("enrollments/<int:pk>/status/", views.enrollment_status, name="enrollment_status"),
    path("enrollments/<int:pk>/guardians/", views.enrollment_guardian, name="enrollment_guardian"),
    path("contacts/<int:pk>/remove/", views.child_contact_remove, name="child_contact_remove"),
    path("sessions/<int:pk>/", views.session, name="program_session"),
    path("sessions/<int:pk>/mark/", views.session_mark, name="program_session_mark"),
    path("distributions/", views.distributions, name="distributions"),
    path("distributions/<int:pk>/", views.distribution, name="distribution"),
    path("distributions/<int:pk>/serve/", views.distribution_serve, name="distribution_serve"),
    path("distributions/<int:pk>/edit/", views.distribution_edit, name="distribution_edit"),
    path("distributions/<int:pk>/remove/", views.distribution_remove, name="distribution_remove"),
    path("distributions/<int:pk>/quick-add/", views.distribution_quick_add,
         name="distribution_quick_add"),
    path("distributions/served/<int:pk>/remove/", views.distribution_service_remove,
         name="distribution_service_remove"),
    path("stock/", views.stock, name="stock"),
    path("stock/receive/", views.stock_receive, name="stock_receive"),
    path("stock/count/", views.stock_count, name="stock_count"),
    path("stock/items/new/", views.item_create, name="stock_item_create"),
    path("stock/items/<int:pk>/", views.item_edit, name="stock_item"),
    path("stock/items/<int:pk>/archive/", views.item_archive, name="stock_item_archive"),
    path("reports/", views.program_reports, name="program_reports"),
    path("reports/export/", views.program_reports_export, name="program_reports_export"),
]
