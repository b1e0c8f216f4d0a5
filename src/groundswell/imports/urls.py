"""URLs of this area, under /o/<org_slug>/imports/."""

from django.urls import URLPattern, path

from groundswell.imports import views

urlpatterns: list[URLPattern] = [
    path("", views.import_list, name="imports"),
    path("<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("<int:pk>/sheet/", views.import_sheet, name="import_sheet"),
    path("<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("<int:pk>/", views.import_batch, name="import_batch"),
    path("<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("<int:pk>/report.csv", views.import_report, name="import_report"),
    path("<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("exports/", views.export_list, name="export_jobs"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
