"""Views of the people area (people)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
