from __future__ import annotations

from django.urls import path

from publicapi import api, budget_pages, events_api, otlp, schema, views

urlpatterns: list = [
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path("settings/api-keys/<uuid:key_id>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
    path("budgets/", budget_pages.budgets_page, name="budgets"),
    path("budgets/<uuid:budget_id>/delete/", budget_pages.budget_delete_view, name="budget-delete"),
    path("api/v1/customers", api.CustomerListView.as_view(), name="api-v1-customers"),
    path("api/v1/customers/<path:externalId>", api.CustomerDetailView.as_view(), name="api-v1-customer"),
    path("api/v1/costs/overview", api.CostsOverviewView.as_view(), name="api-v1-costs-overview"),
    path("api/v1/budgets", api.BudgetListView.as_view(), name="api-v1-budgets"),
    path("api/v1/budgets/check", api.BudgetCheckView.as_view(), name="api-v1-budget-check"),
    path("api/v1/budgets/<str:id>", api.BudgetDetailView.as_view(), name="api-v1-budget"),
    path("api/v1/openapi.json", schema.OpenApiDocumentView.as_view(), name="api-v1-openapi"),
    path("api/v1/docs", schema.docs_page, name="api-v1-docs"),
    path("v0/profitability", api.ProfitabilityView.as_view(), name="v0-profitability"),
    path("api/v1/events", events_api.EventsIngestView.as_view(), name="api-v1-events"),
    path("v1/traces", otlp.OtlpTracesView.as_view(), name="otlp-traces"),
    path("api/v1/events/unpriced", events_api.UnpricedModelsView.as_view(), name="api-v1-events-unpriced"),
]
