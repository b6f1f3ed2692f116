"""Routes of the surfaces: dashboard pages, the v1 and v0 APIs, budgets and outgoing webhooks."""

from __future__ import annotations

from django.urls import include, path

from margins import converters  # noqa: F401  (registers `tag_value`)
from publicapi.apis import events, finance, openapi, otlp, v1
from publicapi.views import api_docs, api_keys, margins, overview, plans

urlpatterns: list = [
    path("", overview.home, name="home"),
    path("margins/", margins.margins_page, name="margins"),
    path("margins/export.csv", margins.margins_csv, name="margins-csv"),
    path("margins/trend.html", margins.margins_trend, name="margins-trend"),
    path("margins/plans/", plans.plans_page, name="margins-plans"),
    path("margins/<tag_value:customer>/", margins.customer_page, name="margin-customer-page"),
    path("customers/", margins.customers_page, name="customers"),
    path("settings/api-keys/", api_keys.api_keys, name="api-keys"),
    path("settings/api-keys/<uuid:key_id>/revoke/", api_keys.api_key_revoke_view, name="api-key-revoke"),
    path("api/v1/customers", v1.CustomerListView.as_view(), name="api-v1-customers"),
    path("api/v1/customers/<path:externalId>", v1.CustomerDetailView.as_view(), name="api-v1-customer"),
    path("api/v1/costs/overview", v1.CostsOverviewView.as_view(), name="api-v1-costs-overview"),
    path("", include("publicapi.budgets.urls")),
    path("api/v1/openapi.json", openapi.OpenApiDocumentView.as_view(), name="api-v1-openapi"),
    path("api/v1/docs", api_docs.docs_page, name="api-v1-docs"),
    path("v0/profitability", v1.ProfitabilityView.as_view(), name="v0-profitability"),
    path("api/v1/events", events.EventsIngestView.as_view(), name="api-v1-events"),
    path("v1/traces", otlp.OtlpTracesView.as_view(), name="otlp-traces"),
    path("api/v1/events/unpriced", events.UnpricedModelsView.as_view(), name="api-v1-events-unpriced"),
    path(
        "api/v1/platform/finance/subscription-summary",
        finance.SubscriptionSummaryApi.as_view(),
        name="finance-subscription-summary",
    ),
    path(
        "api/v1/platform/finance/stripe-sync-status",
        finance.StripeSyncStatusApi.as_view(),
        name="finance-stripe-sync-status",
    ),
    path("", include("publicapi.notifications.urls")),
    path("", include("publicapi.anomalies.urls")),
]
