"""Routes of the margins app: the margin table as JSON. Its pages are surfaces (publicapi.views)."""

from __future__ import annotations

from django.urls import path

from margins import apis, converters, plan_apis  # noqa: F401  (converters registers `tag_value`)

urlpatterns = [
    path("api/margins", apis.margins_table, name="margins-table"),
    # Before the customer route, which would otherwise read "plans" as a tag value.
    path("api/margins/plans", plan_apis.margins_by_plan, name="margins-plans-api"),
    path("api/margins/<tag_value:customer>", apis.margin_customer, name="margin-customer"),
]
