"""URLs of this area, under /o/<org_slug>/events/."""

urlpatterns: list = []
