"""Routes of the margins app: the margin table as JSON. Its pages are surfaces (publicapi.views)."""

from __future__ import annotations

from django.urls import path

from margins import apis, converters  # noqa: F401  (converters registers `tag_value`)

urlpatterns = [
    path("api/margins", apis.margins_table, name="margins-table"),
    path("api/margins/<tag_value:customer>", apis.margin_customer, name="margin-customer"),
]
