"""What the core announces to the layers above it (it imports none of them).

Receivers are connected in the upper apps' AppConfig.ready(): billing (revenue documents),
margins.costs (cost rollups) and publicapi (budget limits).
"""

from __future__ import annotations

from django.dispatch import Signal

# An organization's reporting currency changed, inside the settings transaction; kwargs: org,
# rebuild (the margint.fx CurrencyRebuild that the fact sources report their progress on).
reporting_currency_changed = Signal()

# New exchange rates were stored (sent after the commit); kwargs: first_day, last_day,
# currencies. Amounts that had no rate, and cost carried forward over days now published, follow.
rates_imported = Signal()
