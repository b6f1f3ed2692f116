"""Margin alerts: `margin.threshold_crossed` when a customer's health tier worsens.

Month to date against last month, computed by the same table logic as the margin table
(margins.selectors.margin_inputs + calculations.compute_margin_table), so the tiers in an
alert are the tiers the table shows: the month in progress counts its days up to today on both
sides. It raises nothing until it has enough days and money (`calculations.alert_ready`: 7 days
counted, and 10 units of revenue or cost to date), so the first days' noise alerts nobody.
A customer that had no revenue and no cost last month has no tier to worsen from and raises
nothing. Each (org, customer, month, from tier, to tier) is emitted once, whoever calls and
however often: the webhook event's dedupe key says so.

Called after every Stripe sync and every recompute; `publicapi.tasks.margin_alerts_evaluate_task`
is the Celery wrapper.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from margins.calculations import (
    SPARKLINE_MONTHS,
    MarginRow,
    Month,
    alert_ready,
    compute_margin_table,
    tier_worsened,
)
from margins.selectors import margin_inputs, month_of, org_thresholds, utc_day
from margint.models import Organization
from publicapi.notifications.models import MARGIN_THRESHOLD_CROSSED
from publicapi.notifications.services import webhook_event_emit


def margin_alerts_evaluate(*, org: Organization, as_of: datetime) -> int:
    """Emit an alert for every customer whose tier worsened; returns how many were new."""
    if not org.is_pro:
        return 0
    current = month_of(as_of)
    inputs = margin_inputs(org=org, months=current.months_back(SPARKLINE_MONTHS), as_of=utc_day(as_of))
    thresholds = org_thresholds(org)
    progress = inputs.progress
    now = compute_margin_table(
        period=current, customers=inputs.customers, thresholds=thresholds, progress=progress
    )
    before = compute_margin_table(
        period=current.previous(), customers=inputs.customers, thresholds=thresholds
    )
    previous_rows = {row.tag_value: row for row in before.rows}
    emitted = 0
    for row in now.rows:
        previous = previous_rows.get(row.tag_value)
        if previous is None or not tier_worsened(previous.health_tier, row.health_tier):
            continue
        if not alert_ready(progress, revenue=row.revenue, cost=row.cost):
            continue
        event = webhook_event_emit(
            org=org,
            event_type=MARGIN_THRESHOLD_CROSSED,
            data=threshold_crossed_data(row, previous, current),
            dedupe_key=dedupe_key(row, previous, current),
        )
        emitted += event is not None
    return emitted


def dedupe_key(row: MarginRow, previous: MarginRow, period: Month) -> str:
    return f"{MARGIN_THRESHOLD_CROSSED}:{period}:{previous.health_tier}>{row.health_tier}:{row.tag_value}"


def threshold_crossed_data(row: MarginRow, previous: MarginRow, period: Month) -> dict[str, Any]:
    return {
        "object": {
            "customer": {
                "stripeId": row.stripe_customer_id,
                "name": row.customer_name,
                "tagValue": row.tag_value,
            },
            "margin": {
                "previous": float(previous.margin_percent),
                "current": float(row.margin_percent),
                "previousTier": previous.health_tier.value,
                "currentTier": row.health_tier.value,
            },
            "revenue_microdollars": row.revenue,
            "cost_microdollars": row.cost,
            "period": str(period),
        }
    }
