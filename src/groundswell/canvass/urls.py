"""URLs of this area, under /o/<org_slug>/canvass/."""

urlpatterns: list = []
