from __future__ import annotations

from django.contrib import admin

from publicapi.budgets.models import Budget
from publicapi.budgets.services import budget_delete


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = [
        "org",
        "scope",
        "customer_external_id",
        "feature",
        "monthly_limit_micro",
        "action",
        "created_at",
    ]
    list_filter = ["scope", "action"]
    list_select_related = ["org"]
    search_fields = ["org__name", "customer_external_id", "feature"]
    readonly_fields = ["created_at"]

    # Through the service, as every other delete.
    def delete_model(self, request, obj) -> None:
        budget_delete(budget=obj)

    def delete_queryset(self, request, queryset) -> None:
        for budget in queryset:
            budget_delete(budget=budget)
