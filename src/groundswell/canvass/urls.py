"""URLs of this area, under /o/<org_slug>/canvass/."""

from groundswell.canvass.views import urlpatterns  # noqa: F401
