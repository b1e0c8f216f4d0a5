"""URLs of this area, under /o/<org_slug>/programs/."""

urlpatterns: list = []
