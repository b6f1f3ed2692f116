from __future__ import annotations

from django.apps import AppConfig


class PublicapiConfig(AppConfig):
    name = "publicapi"

    def ready(self) -> None:
        # Registers the API key scheme with drf-spectacular.
        from django.utils import timezone

        from margint.services import reporting_currency_changed
        from publicapi import schema  # noqa: F401
        from publicapi.budgets import budget_limits_convert

        def _convert_limits(org, rebuild, **_kwargs) -> None:
            # In the settings transaction: a limit is never read in the old currency's figure.
            budget_limits_convert(org=org, previous=rebuild.previous_currency, today=timezone.now().date())

        reporting_currency_changed.connect(
            _convert_limits, weak=False, dispatch_uid="publicapi-budget-limits"
        )
