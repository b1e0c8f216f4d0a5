"""URLs of the core pages: the site's own (home, health, language, invitations) and an
organization's (home, members, bases, audit log), included by the root urls.py."""

from django.urls import URLPattern, path

from groundswell.core import views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("language/", views.set_language, name="set_language"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

organization_patterns: list[URLPattern] = [
    path("", views.organization_home, name="organization_home"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:pk>/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("bases/", views.bases, name="bases"),
    path("bases/new/", views.base_edit, name="base_create"),
    path("bases/<int:pk>/", views.base_edit, name="base_edit"),
    path("audit/", views.audit_log, name="audit_log"),
]
