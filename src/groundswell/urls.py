from django.urls import include, path

from groundswell.core import views as core
from groundswell.core.urls import organization_patterns as core_organization_patterns

organization_patterns = [
    path("", include(core_organization_patterns)),
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
    path("", include("groundswell.core.urls")),
    path("account/", include("allauth.urls")),
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
