"""What the revenue side does when the core announces new exchange rates or a new reporting
currency: the documents are converted again. Connected in BillingConfig.ready()."""

from __future__ import annotations

from billing.services import revenue_rebuild_enqueue
from billing.tasks import unconverted_reconvert_all
from margint.fx.models import CurrencyRebuild


def unconverted_after_new_rates(**_kwargs: object) -> None:
    """Documents that had no rate are converted with the new ones."""
    unconverted_reconvert_all.delay()


def revenue_rebuild_on_currency_change(*, rebuild: CurrencyRebuild, **_kwargs: object) -> None:
    revenue_rebuild_enqueue(rebuild=rebuild)
