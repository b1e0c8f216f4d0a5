"""Views of the people area (merge)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
