"""Routes of the margins app.

`GET /api/margins/unmatched` is the mappings app's unmatched queue. The customer route never
matches the path segment "unmatched", whichever app's URLs are included first, so a tag value
spelled exactly "unmatched" has no detail page (its row still appears in the table).
"""

from __future__ import annotations

from django.urls import include, path, register_converter

from margins import api, plans_api, plans_views, views


class TagValueConverter:
    """A URL-decoded tag value: any characters, slashes included, except exactly "unmatched"."""

    regex = r"(?!unmatched\Z).+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TagValueConverter, "tag_value")

urlpatterns = [
    path("api/margins", api.margins_table, name="margins-table"),
    # Before the customer route, which would otherwise read "plans" as a tag value.
    path("api/margins/plans", plans_api.margins_by_plan, name="margins-plans-api"),
    path("api/margins/<tag_value:customer>", api.margin_customer, name="margin-customer"),
    path("margins/", views.margins_page, name="margins"),
    path("margins/export.csv", views.margins_csv, name="margins-csv"),
    path("margins/plans/", plans_views.plans_page, name="margins-plans"),
    path("margins/<tag_value:customer>/", views.customer_page, name="margin-customer-page"),
    path("customers/", views.customers_page, name="customers"),
    path("", include("margins.webhooks.urls")),
    path("", include("margins.anomalies.urls")),
]
