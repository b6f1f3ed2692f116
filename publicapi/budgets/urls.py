from __future__ import annotations

from django.urls import path

from publicapi.budgets import apis, views

urlpatterns = [
    path("budgets/", views.budgets_page, name="budgets"),
    path("budgets/suggestions/", views.budget_suggestions, name="budget-suggestions"),
    path("budgets/<uuid:budget_id>/delete/", views.budget_delete_view, name="budget-delete"),
    path("api/v1/budgets", apis.BudgetListView.as_view(), name="api-v1-budgets"),
    path("api/v1/budgets/check", apis.BudgetCheckView.as_view(), name="api-v1-budget-check"),
    path("api/v1/budgets/<str:id>", apis.BudgetDetailView.as_view(), name="api-v1-budget"),
]
