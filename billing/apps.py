from __future__ import annotations

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        # New exchange rates (core) convert the documents that had none: started from here,
        # the layer above, so the rate table never imports billing.
        from billing.services import revenue_rebuild_enqueue
        from billing.tasks import unconverted_reconvert_all
        from margint.fx.services import rates_imported
        from margint.services import reporting_currency_changed

        def _reconvert(**_kwargs) -> None:
            unconverted_reconvert_all.delay()

        def _rebuild(rebuild, **_kwargs) -> None:
            revenue_rebuild_enqueue(rebuild=rebuild)

        rates_imported.connect(_reconvert, weak=False, dispatch_uid="billing-unconverted-reconvert")
        reporting_currency_changed.connect(_rebuild, weak=False, dispatch_uid="billing-currency-rebuild")
