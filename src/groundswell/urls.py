from django.urls import include, path

from groundswell.core import views as core

organization_patterns = [
    path("", core.organization_home, name="organization_home"),
    path("members/", core.members, name="members"),
    path("members/invite/", core.member_invite, name="member_invite"),
    path("members/<int:pk>/", core.member_edit, name="member_edit"),
    path("members/<int:pk>/remove/", core.member_remove, name="member_remove"),
    path("invitations/<int:pk>/revoke/", core.invitation_revoke, name="invitation_revoke"),
    path("bases/", core.bases, name="bases"),
    path("bases/new/", core.base_edit, name="base_create"),
    path("bases/<int:pk>/", core.base_edit, name="base_edit"),
    path("audit/", core.audit_log, name="audit_log"),
    path("people/", include("groundswell.people.urls")),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("health", core.health, name="health"),
    path("language/", core.set_language, name="set_language"),
    path("account/", include("allauth.urls")),
    path("invite/<str:token>/", core.invitation_accept, name="invitation_accept"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]

handler400 = core.error_view("400.html", 400)
handler403 = core.error_view("403.html", 403)
handler404 = core.error_view("404.html", 404)
handler500 = core.error_view("500.html", 500)
