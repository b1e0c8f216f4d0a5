"""URLs of this area, under /o/<org_slug>/geo/."""

from django.urls import URLPattern, path

from groundswell.geo import views

urlpatterns: list[URLPattern] = [
    path("", views.geo_map, name="geo_map"),
    path("addresses/", views.address_points, name="address_points"),
    path("addresses/geocode/", views.address_geocode, name="address_geocode"),
    path("turfs/", views.turfs, name="turfs"),
    path("turfs/new/", views.turf_create, name="turf_create"),
    path("turfs/cut/", views.turf_cut, name="turf_cut"),
    path("turfs/<int:pk>/", views.turf, name="turf"),
    path("turfs/<int:pk>/archive/", views.turf_archive, name="turf_archive"),
]
