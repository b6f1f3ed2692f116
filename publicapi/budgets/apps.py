from __future__ import annotations

from django.apps import AppConfig

from margint.signals import reporting_currency_changed


class BudgetsConfig(AppConfig):
    """Budgets, a surface: limits, the budget check, its page and its webhooks. The model's table
    keeps the name it had in publicapi (`publicapi_budget`): the app took it over in state only."""

    name = "publicapi.budgets"
    label = "budgets"

    def ready(self) -> None:
        from publicapi.budgets import receivers

        reporting_currency_changed.connect(
            receivers.budget_limits_after_currency_change, dispatch_uid="budgets-limits"
        )
