"""URLs of this area, under /o/<org_slug>/imports/."""

urlpatterns: list = []
