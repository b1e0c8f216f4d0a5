"""URLs of this area, under /o/<org_slug>/programs/ (patterns in views.py)."""

from groundswell.programs.views import urlpatterns  # noqa: F401
