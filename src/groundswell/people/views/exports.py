"""Views of the people area (exports)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
