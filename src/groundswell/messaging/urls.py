"""URLs of this area, under /o/<org_slug>/messaging/."""

urlpatterns: list = []
