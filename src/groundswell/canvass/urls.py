"""URLs of this area, under /o/<org_slug>/canvass/."""

from django.urls import URLPattern, path

from groundswell.canvass import views

urlpatterns: list[URLPattern] = [
    path("", views.efforts, name="efforts"),
    path("efforts/new/", views.effort_create, name="effort_create"),
    path("efforts/<int:pk>/", views.effort, name="effort"),
    path("efforts/<int:pk>/edit/", views.effort_edit, name="effort_edit"),
    path("efforts/<int:pk>/questions/", views.question_add, name="question_add"),
    path("efforts/<int:pk>/lists/new/", views.walklist_create, name="walklist_create"),
    path("questions/<int:pk>/remove/", views.question_remove, name="question_remove"),
    path("lists/<int:pk>/", views.walklist, name="walklist"),
    path("lists/<int:pk>/revisit/", views.walklist_revisit, name="walklist_revisit"),
    path("lists/<int:pk>/start/", views.walklist_start, name="walklist_start"),
    path("lists/<int:pk>/app/", views.canvass_app, name="canvass_app"),
    path("mine/", views.my_lists, name="my_lists"),
    path("sync/", views.canvass_sync, name="canvass_sync"),
    path("sw.js", views.canvass_sw, name="canvass_sw"),
    path("manifest.webmanifest", views.canvass_manifest, name="canvass_manifest"),
    path("from-event/<int:pk>/walk-list/", views.follow_up_walk_list,
         name="follow_up_walk_list"),
]
