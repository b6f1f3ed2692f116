"""The v1 list's percentages, states and cents, computed in integers, are the bytes the Decimal
formula writes (`margin_percent`, `health_tier`, `micros_to_cents` of each amount)."""

from __future__ import annotations

import random
from decimal import Decimal

import orjson
import pytest

from margins.calculations import (
    MonthAmounts,
    TierThresholds,
    health_tier,
    margin_percent,
    micros_to_cents,
    tier_bounds,
)
from publicapi.customers import CustomerFigures
from publicapi.presenters import customer_rows_body, margin_figures, percent_number

M = 1_000_000
THRESHOLDS = [
    TierThresholds(),
    TierThresholds(healthy=Decimal("33.335"), moderate=Decimal("12.5"), at_risk=Decimal("-10.005")),
]
EDGES = [
    (0, 0),  # inactive
    (0, 7),  # cost without income: critical
    (-2 * M, 0),  # refunds alone: 0 %, judged as such
    (-2 * M, M),  # refunds and cost: critical
    (M, M),  # exactly 0 %: the at-risk threshold
    (M, M + 49),  # a loss under half a hundredth: the Decimal writes -0.00
    (M, M + 50),  # a tie: -0.01 (away from zero)
    (M, M - 50),  # a tie: 0.01
    (2 * M, M),  # exactly 50 %: the healthy threshold
    (5 * M, 4 * M),  # exactly 20 %: the moderate threshold
    (M, 3 * M),
]


def _pairs(count: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    pairs = list(EDGES) + [(M, M - 100 * k - 50) for k in range(-200, 200)]
    for _ in range(count):
        revenue = rng.choice([0, rng.randrange(-(10**7), 10**7), rng.randrange(1, 10**13)])
        cost = rng.choice([0, rng.randrange(0, 10**13), rng.randrange(0, 3 * abs(revenue) + 2)])
        pairs.append((revenue, cost))
    return pairs


def _decimal_percent(revenue: int, cost: int) -> float:
    return float(margin_percent(max(revenue, 0), cost))


def _decimal_state(revenue: int, cost: int, thresholds: TierThresholds) -> str:
    if revenue == 0 and cost == 0:
        return "inactive"
    return health_tier(MonthAmounts(revenue=max(revenue, 0), cost=cost), thresholds).value


@pytest.mark.parametrize("thresholds", THRESHOLDS)
def test_margin_figures_are_the_decimal_percent_and_state(thresholds):
    bounds = tier_bounds(thresholds)
    for revenue, cost in _pairs(10_000, seed=7):
        percent, state = margin_figures(revenue, cost, bounds)
        expected = _decimal_percent(revenue, cost)
        # Bytes, not floats: -0.0 == 0.0, but the document writes "-0.0".
        assert orjson.dumps(percent) == orjson.dumps(expected), (revenue, cost)
        assert orjson.dumps(percent_number(revenue, cost)) == orjson.dumps(expected), (revenue, cost)
        assert state == _decimal_state(revenue, cost, thresholds), (revenue, cost)


def _figures(rng: random.Random, index: int, revenue: int, cost: int) -> CustomerFigures:
    spark = tuple(rng.choice([0, 5_000, 15_000, rng.randrange(0, 10**9)]) for _ in range(13))
    stripe_ids = rng.choice([(), (f"cus_{index}",), (f"cus_{index}", f"cus_{index}b")])
    previous_revenue = rng.choice([0, rng.randrange(-M, 10 * M)])
    previous_cost = rng.choice([0, 25_000, cost, rng.randrange(0, 10 * M)])
    return CustomerFigures(
        f"id-{index}", f"ext-{index % 97}-{index}", rng.choice(["", "Acme"]), rng.choice(["", "a@x.io"]),
        stripe_ids, cost, previous_cost, revenue, previous_revenue, rng.randrange(0, 10**8),
        rng.choice(["subscriptions", "invoices", "none"]), spark,
    )  # fmt: skip


def _decimal_body(figures: list[CustomerFigures], thresholds: TierThresholds) -> bytes:
    """The list as the Decimal path wrote it: every amount and percent through its own function."""
    rows = []
    for f in sorted(figures, key=lambda f: (-f.cost, f.external_id)):
        cents = [micros_to_cents(amount) for amount in (f.mrr, f.cost, f.previous_cost, f.revenue)]
        rows.append({
            "id": f.id, "externalId": f.external_id, "name": f.name or None, "email": f.email or None,
            "stripeCustomerId": f.stripe_ids[0] if f.stripe_ids else None,
            "stripeCustomerIds": list(f.stripe_ids), "mrrCents": cents[0], "mrrSource": f.mrr_source,
            "costCents": cents[1], "previousCostCents": cents[2], "revenueCents": cents[3],
            "previousRevenueCents": micros_to_cents(f.previous_revenue),
            "marginCents": micros_to_cents(f.revenue - f.cost),
            "previousMarginCents": micros_to_cents(f.previous_revenue - f.previous_cost),
            "marginPercent": _decimal_percent(f.revenue, f.cost),
            "previousMarginPercent": _decimal_percent(f.previous_revenue, f.previous_cost),
            "marginState": _decimal_state(f.revenue, f.cost, thresholds),
            "previousMarginState": _decimal_state(f.previous_revenue, f.previous_cost, thresholds),
            "spark": [micros_to_cents(amount) for amount in f.spark],
        })  # fmt: skip
    return orjson.dumps({"data": rows})


@pytest.mark.parametrize("thresholds", THRESHOLDS)
def test_customer_rows_body_is_the_decimal_body(thresholds):
    rng = random.Random(11)
    # Equal costs in the pairs test the order by external id among them.
    pairs = _pairs(2_000, seed=13) + [(M, 3 * M)] * 5
    figures = [_figures(rng, index, revenue, cost) for index, (revenue, cost) in enumerate(pairs)]
    assert customer_rows_body(figures, thresholds) == _decimal_body(figures, thresholds)
