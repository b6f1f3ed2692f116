"""Budget webhooks: `budget.threshold_crossed` and `budget.exceeded`, once per budget, threshold and month.

They go out through the signed delivery of the margin alerts,
`margins.webhooks.services.webhook_event_emit(*, org, event_type, data, dedupe_key)`, whose dedupe
key keeps each event to a single delivery however often a crossing is seen again: the key names
the budget, the month and the threshold (or "exceeded"), so a new month alerts anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from margins.calculations import Month
from margint.models import Organization
from publicapi.budget_calc import BudgetStatus
from publicapi.budgets import status_json

THRESHOLD_CROSSED = "budget.threshold_crossed"
EXCEEDED = "budget.exceeded"


@dataclass(frozen=True)
class BudgetAlert:
    event_type: str
    dedupe_key: str
    data: dict[str, Any]


def budget_alerts(statuses: Sequence[BudgetStatus], month: Month) -> list[BudgetAlert]:
    """Every alert the statuses call for this month; each threshold reached is its own alert."""
    alerts = []
    for status in statuses:
        key = f"budget:{status.rule.id}:{month}"
        data = {**status_json(status), "month": str(month)}
        for threshold in status.crossed:
            alerts.append(
                BudgetAlert(
                    THRESHOLD_CROSSED, f"{key}:threshold:{threshold}", {**data, "threshold": threshold}
                )
            )
        if status.exceeded:
            alerts.append(BudgetAlert(EXCEEDED, f"{key}:exceeded", data))
    return alerts


def budget_alerts_emit(*, org: Organization, statuses: Sequence[BudgetStatus], month: Month) -> int:
    """Hand every alert to the signed webhook delivery; returns how many were handed over.

    Not called yet: the delivery lands with the margin alerts. Once it has, the budget check
    (on a cache miss) and a periodic scan of `budgets.org_budget_statuses` call this.
    """
    from margins.webhooks.services import webhook_event_emit

    alerts = budget_alerts(statuses, month)
    for alert in alerts:
        webhook_event_emit(org=org, event_type=alert.event_type, data=alert.data, dedupe_key=alert.dedupe_key)
    return len(alerts)
