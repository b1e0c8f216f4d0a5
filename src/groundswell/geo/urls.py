"""URLs of this area, under /o/<org_slug>/geo/."""

urlpatterns: list = []
