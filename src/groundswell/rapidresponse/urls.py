"""URLs of this area, under /o/<org_slug>/rapidresponse/."""

urlpatterns: list = []
