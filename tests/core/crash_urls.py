"""A URLconf for test_error_pages only: the project's pages plus one that crashes."""

from django.urls import path

from groundswell.urls import handler400, handler403, handler404, handler500, urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [*urlpatterns, path("crash/", crash)]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
