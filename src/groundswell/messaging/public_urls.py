"""URLs of this area that are reached without signing in (residents, providers),
included at the site root."""

urlpatterns: list = []
