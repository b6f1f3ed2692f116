"""Budget webhooks: `budget.threshold_crossed` and `budget.exceeded`, once per budget, threshold and month.

They go out through the signed delivery of the margin alerts
(`publicapi.notifications.services.webhook_event_emit`), whose dedupe key keeps each event to a single
delivery however often a crossing is seen again: the key names the budget, the month and the
threshold (or "exceeded"), so a new month alerts anew. Crossings are looked for when a budget
check is computed and every five minutes for every budget (`budget_alerts_scan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from margins.calculations import Month
from margint.models import Organization
from publicapi.budgets.calculations import BudgetStatus, status_json
from publicapi.notifications.models import BUDGET_EXCEEDED, BUDGET_THRESHOLD_CROSSED
from publicapi.notifications.services import webhook_event_emit

# An alert handed over is remembered this long, so a check does not ask the database again.
SENT_MEMO_SECONDS = 35 * 24 * 3600


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
                    BUDGET_THRESHOLD_CROSSED, f"{key}:threshold:{threshold}", {**data, "threshold": threshold}
                )
            )
        if status.exceeded:
            alerts.append(BudgetAlert(BUDGET_EXCEEDED, f"{key}:exceeded", data))
    return alerts


def budget_alerts_emit(*, org: Organization, statuses: Sequence[BudgetStatus], month: Month) -> int:
    """Hand every alert not handed over before to the signed webhook delivery; returns how many were new."""
    emitted = 0
    for alert in budget_alerts(statuses, month):
        memo = f"budgetalert:{org.pk}:{alert.dedupe_key}"
        if cache.get(memo):
            continue
        event = webhook_event_emit(
            org=org, event_type=alert.event_type, data={"object": alert.data}, dedupe_key=alert.dedupe_key
        )
        cache.set(memo, 1, SENT_MEMO_SECONDS)
        emitted += event is not None
    return emitted
