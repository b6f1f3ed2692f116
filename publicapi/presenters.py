"""v1 bodies from micro-unit figures: cents, margin percentages and health states. No ORM.

Every cents figure is rounded half-even from its own micro-unit sum by
`margins.calculations.micros_to_cents`, so `costCents + marginCents` can differ from
`revenueCents` by a cent. Percentages are `margin_percent` (two decimals, rounded once), computed
as its integer hundredths. Net revenue below zero in a window (refunds above charges) counts as
no revenue for the percentage and the state; `marginCents` keeps the true difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import orjson

from margins.calculations import (
    Tier,
    TierBounds,
    TierThresholds,
    margin_hundredths,
    margin_tier,
    micros_to_cents,
    micros_to_cents_each,
    tier_bounds,
)
from publicapi.customers import CustomerFigures, WindowFigures
from publicapi.windows import RollingWindow

INACTIVE = "inactive"  # neither revenue nor cost in the window: no margin to judge
_STATES = {tier: tier.value for tier in Tier}  # plain strings, read 20,000 times a list


def _percent_number(hundredths: int, revenue: int, cost: int) -> float:
    """The JSON number of `margin_percent`: h / 100 is the float of the Decimal h / 100 (both are
    correctly rounded), but a loss under half a hundredth of a percent rounds to Decimal -0.00,
    whose float the documents have always written as -0.0."""
    if hundredths == 0 and 0 < revenue < cost:
        return -0.0
    return hundredths / 100


def percent_number(revenue: int, cost: int) -> float:
    """`margin_percent(max(revenue, 0), cost)` as a JSON number."""
    return _percent_number(margin_hundredths(revenue, cost), revenue, cost)


def margin_figures(revenue: int, cost: int, bounds: TierBounds) -> tuple[float, str]:
    """A window's margin percent (as `percent_number`) and state, from one division.

    The state is the `health_tier` of (max(revenue, 0), cost): critical for cost without income,
    the tier of 0 % for refunds alone (no cost), and inactive when nothing happened.
    """
    if not revenue and not cost:
        return _percent_number(0, revenue, cost), INACTIVE
    hundredths, tier = margin_tier(max(revenue, 0), cost, bounds)  # refunds alone: the tier of 0 %
    return _percent_number(hundredths, revenue, cost), _STATES[tier]


def customer_row(figures: CustomerFigures, thresholds: TierThresholds) -> dict[str, Any]:
    return _row(figures, tier_bounds(thresholds))


def _row(figures: CustomerFigures, bounds: TierBounds) -> dict[str, Any]:
    f = figures
    # One call rounds all of the row's amounts (a list has 10,000 rows), in the order unpacked below.
    cents = micros_to_cents_each((
        f.mrr, f.cost, f.previous_cost, f.revenue, f.previous_revenue,
        f.revenue - f.cost, f.previous_revenue - f.previous_cost, *f.spark,
    ))  # fmt: skip
    mrr, cost, previous_cost, revenue, previous_revenue, margin, previous_margin, *spark = cents
    percent, state = margin_figures(f.revenue, f.cost, bounds)
    previous_percent, previous_state = margin_figures(f.previous_revenue, f.previous_cost, bounds)
    return {
        "id": f.id,
        "externalId": f.external_id,
        "name": f.name or None,
        "email": f.email or None,
        "stripeCustomerId": f.stripe_ids[0] if f.stripe_ids else None,
        "stripeCustomerIds": list(f.stripe_ids),
        "mrrCents": mrr,
        "mrrSource": f.mrr_source,
        "costCents": cost,
        "previousCostCents": previous_cost,
        "revenueCents": revenue,
        "previousRevenueCents": previous_revenue,
        "marginCents": margin,
        "previousMarginCents": previous_margin,
        "marginPercent": percent,
        "previousMarginPercent": previous_percent,
        "marginState": state,
        "previousMarginState": previous_state,
        "spark": spark,
    }


def customer_rows_body(figures: Sequence[CustomerFigures], thresholds: TierThresholds) -> bytes:
    """`{"data": [rows]}` as JSON bytes, rows by cost in the window (largest first, then by external id)."""
    # Two stable sorts on C keys, not one on a Python key function: the later sort keeps the
    # order of the earlier among equal costs (also with reverse=True).
    by_id = sorted(figures, key=attrgetter("external_id"))
    bounds = tier_bounds(thresholds)
    rows = [_row(f, bounds) for f in sorted(by_id, key=attrgetter("cost"), reverse=True)]
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
        "marginPercent": percent_number(side["revenue"], side["cost"]),
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
