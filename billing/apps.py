from __future__ import annotations

from django.apps import AppConfig

from margint import signals  # signals modules import only django.dispatch: safe before the models load


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from billing import receivers

        signals.rates_imported.connect(
            receivers.unconverted_after_new_rates, dispatch_uid="billing-new-rates"
        )
        signals.reporting_currency_changed.connect(
            receivers.revenue_rebuild_on_currency_change, dispatch_uid="billing-currency-rebuild"
        )
