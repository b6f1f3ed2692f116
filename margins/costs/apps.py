from __future__ import annotations

from django.apps import AppConfig


class CostsConfig(AppConfig):
    """Cost events, one of the two fact sources: ingestion, pricing, rollups and cost reads.

    A nested app of margins so the boundary is visible: it imports only the core, never billing
    (the other fact source) nor anything above it.
    """

    name = "margins.costs"
    label = "costs"

    def ready(self) -> None:
        from margins.costs import receivers
        from margint.signals import rates_imported, reporting_currency_changed

        reporting_currency_changed.connect(
            receivers.cost_rebuild_on_currency_change, dispatch_uid="costs-currency-rebuild"
        )
        rates_imported.connect(receivers.rollups_refresh_on_new_rates, dispatch_uid="costs-new-rates")
