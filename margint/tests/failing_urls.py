"""The site's URLs plus a page and an API path that fail, for the 500 answers' tests."""

from __future__ import annotations

from django.urls import path

from margint.urls import urlpatterns as site


def fail(request):
    raise RuntimeError("secret detail that must not reach the visitor")


urlpatterns = [path("boom/", fail), path("api/boom", fail), *site]
