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
    path("geo/", include("groundswell.geo.urls")),
    path("canvass/", include("groundswell.canvass.urls")),
    path("events/", include("groundswell.events.urls")),
    path("programs/", include("groundswell.programs.urls")),
    path("messaging/", include("groundswell.messaging.urls")),
    path("rapid-response/", include("groundswell.rapidresponse.urls")),
    path("imports/", include("groundswell.imports.urls")),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("health", core.health, name="health"),
    path("language/", core.set_language, name="set_language"),
    path("account/", include("allauth.urls")),
    path("invite/<str:token>/", core.invitation_accept, name="invitation_accept"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
    # Pages residents and providers reach without signing in: each area chooses its
    # own prefixes there.
    path("", include("groundswell.events.public_urls")),
    path("", include("groundswell.messaging.public_urls")),
    path("", include("groundswell.rapidresponse.public_urls")),
]

handler400 = core.error_view("400.html", 400)
handler403 = core.error_view("403.html", 403)
handler404 = core.error_view("404.html", 404)
handler500 = core.error_view("500.html", 500)
