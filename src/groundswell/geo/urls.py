"""URLs of this area, under /o/<org_slug>/geo/."""

from groundswell.geo.views import urlpatterns  # noqa: F401
