"""URLs of this area, under /o/<org_slug>/imports/."""

from groundswell.imports.views import urlpatterns  # noqa: F401
