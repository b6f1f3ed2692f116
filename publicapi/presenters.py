"""v1 bodies from micro-unit figures: cents, margin percentages and health states. No ORM.

Every cents figure is rounded half-even from its own micro-unit sum by
`margins.calculations.micros_to_cents`, so `costCents + marginCents` can differ from
`revenueCents` by a cent. Percentages come from `margin_percent` (two decimals, rounded once).
Net revenue below zero in a window (refunds above charges) counts as no revenue for the
percentage and the state; `marginCents` keeps the true difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson

from margins.calculations import (
    MonthAmounts,
    TierThresholds,
    health_tier,
    margin_percent,
    micros_to_cents,
)
from publicapi.customers import CustomerFigures, WindowFigures
from publicapi.windows import RollingWindow

INACTIVE = "inactive"  # neither revenue nor cost in the window: no margin to judge


def percent_of(revenue: int, cost: int) -> Decimal:
    return margin_percent(max(revenue, 0), cost)


def margin_state(revenue: int, cost: int, thresholds: TierThresholds) -> str:
    if revenue == 0 and cost == 0:
        return INACTIVE
    return health_tier(MonthAmounts(revenue=max(revenue, 0), cost=cost), thresholds).value


def _number(value: Decimal) -> float:
    # A JSON number; the Decimal is already rounded to two places, so the float prints the same digits.
    return float(value)


def customer_row(figures: CustomerFigures, thresholds: TierThresholds) -> dict[str, Any]:
    f = figures
    return {
        "id": f.id,
        "externalId": f.external_id,
        "name": f.name or None,
        "email": f.email or None,
        "stripeCustomerId": f.stripe_ids[0] if f.stripe_ids else None,
        "stripeCustomerIds": list(f.stripe_ids),
        "mrrCents": micros_to_cents(f.mrr),
        "mrrSource": f.mrr_source,
        "costCents": micros_to_cents(f.cost),
        "previousCostCents": micros_to_cents(f.previous_cost),
        "revenueCents": micros_to_cents(f.revenue),
        "previousRevenueCents": micros_to_cents(f.previous_revenue),
        "marginCents": micros_to_cents(f.revenue - f.cost),
        "previousMarginCents": micros_to_cents(f.previous_revenue - f.previous_cost),
        "marginPercent": _number(percent_of(f.revenue, f.cost)),
        "previousMarginPercent": _number(percent_of(f.previous_revenue, f.previous_cost)),
        "marginState": margin_state(f.revenue, f.cost, thresholds),
        "previousMarginState": margin_state(f.previous_revenue, f.previous_cost, thresholds),
        "spark": [micros_to_cents(amount) for amount in f.spark],
    }


def _row_order(figures: CustomerFigures) -> tuple[int, str]:
    return -figures.cost, figures.external_id


def customer_rows_body(figures: Sequence[CustomerFigures], thresholds: TierThresholds) -> bytes:
    """`{"data": [rows]}` as JSON bytes, rows by cost in the window (largest first, then by external id)."""
    rows = [customer_row(f, thresholds) for f in sorted(figures, key=_row_order)]
    return orjson.dumps({"data": rows})


def window_json(window: RollingWindow) -> dict[str, str]:
    return {"range": window.range, "from": window.start.isoformat(), "to": window.end.isoformat()}


def _side(figures: WindowFigures, *, previous: bool) -> dict[str, int]:
    """Totals of one window in micro-units (and counts)."""
    cost = revenue_rows = unattributed = customers = unprofitable = 0
    for f in figures.customers:
        c, r = (f.previous_cost, f.previous_revenue) if previous else (f.cost, f.revenue)
        cost += c
        revenue_rows += r
        unattributed += c if not f.stripe_ids else 0
        customers += 1 if (c or r) else 0
        # Without a Stripe link the revenue is unknown, not zero: such cost is unattributed instead.
        unprofitable += 1 if f.stripe_ids and r - c < 0 else 0
    revenue = figures.previous_revenue_total if previous else figures.revenue_total
    return {
        "cost": cost,
        "revenue": revenue,
        "unattributed": unattributed,
        "unmatched": revenue - revenue_rows,
        "customers": customers,
        "unprofitable": unprofitable,
    }


def overview(figures: WindowFigures, window: RollingWindow) -> dict[str, Any]:
    """Org totals over the window with the previous window beside each figure."""
    body: dict[str, Any] = window_json(window)
    current, previous = _totals_json(figures, previous=False), _totals_json(figures, previous=True)
    for name, value in current.items():
        body[name] = value
        body["previous" + name[0].upper() + name[1:]] = previous[name]
    return body


def _totals_json(figures: WindowFigures, *, previous: bool) -> dict[str, Any]:
    side = _side(figures, previous=previous)
    return {
        "costCents": micros_to_cents(side["cost"]),
        "revenueCents": micros_to_cents(side["revenue"]),
        "marginCents": micros_to_cents(side["revenue"] - side["cost"]),
        "marginPercent": _number(percent_of(side["revenue"], side["cost"])),
        "customerCount": side["customers"],
        "unprofitableCount": side["unprofitable"],
        "unattributedCostCents": micros_to_cents(side["unattributed"]),
        "unmatchedRevenueCents": micros_to_cents(side["unmatched"]),
    }


def breakdown_json(rows: Sequence[Any], dimension: str) -> list[dict[str, Any]]:
    return [
        {dimension: row.key, "costCents": micros_to_cents(row.cost_micro), "requestCount": row.request_count}
        for row in rows
    ]
