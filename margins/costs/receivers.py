"""What the cost events do when the core announces a change of currency or new exchange rates.

Cost rollups are in the reporting currency (see currency.py): rebuilt when it changes, and from
the first day of newly imported rates. Connected in CostsConfig.ready(); the core never imports
the cost events.
"""

from __future__ import annotations

from django.db import transaction

from margins.costs.tasks import converted_rollups_refresh_task, cost_rebuild_run
from margint.fx.models import CurrencyRebuild


def cost_rebuild_on_currency_change(*, rebuild: CurrencyRebuild, **_kwargs) -> None:
    transaction.on_commit(lambda: cost_rebuild_run.delay(str(rebuild.pk)))


def rollups_refresh_on_new_rates(*, first_day, **_kwargs) -> None:
    if first_day is not None:
        converted_rollups_refresh_task.delay(first_day.isoformat())
