"""The margin table's fast paths give what the plain paths they stand for give.

The JSON writer and the month-end projection of a row are computed in integers, and a tag value
with one Stripe customer skips the grouping of several: each is checked here against the Decimal
or general path on many seeded random cases and on the edge cases (refunds, cost without income,
a loss under 0.005 %, huge amounts, long thresholds).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import orjson
import pytest

from margins import exports
from margins.calculations import (
    Month,
    RowFigures,
    Tier,
    TierThresholds,
    budget_suggestion,
    month_progress,
    projected_sums,
    projection_hundredths,
    projection_of,
    rank_rows,
    rank_table,
    worst_first,
)
from margins.selectors.month_amounts import _grouped_customers, _lone_customers

APR = Month(2026, 4)
MONTHS = APR.months_back(3)
THRESHOLDS = (
    TierThresholds(),
    TierThresholds(healthy=Decimal("33.33"), moderate=Decimal("12.5"), at_risk=Decimal("-5")),
    TierThresholds(healthy=Decimal("100"), moderate=Decimal("0"), at_risk=Decimal("-100")),
    # A threshold with more digits than a percentage is usually written with.
    TierThresholds(healthy=Decimal("33.333333333333"), moderate=Decimal(0), at_risk=Decimal(0)),
)
# Edge amounts: nothing, a refund, a dollar, a loss under 0.005 % (a Decimal -0.00), a large one;
# HUGE, more than a table holds (JSON integers stop at 2**63: the JSON test keeps to EDGES).
EDGES = (0, -1, -5_000_000, 1, 1_000_000, 1_000_001, 99_999_999, 10**16)
HUGE = (10**19, 10**20 - 1, 10**20, 10**21 + 7)


def _amount(rng: random.Random, edges: tuple[int, ...] = EDGES) -> int:
    if rng.random() < 0.3:
        return rng.choice(edges)
    return rng.randint(-(10**6), 10 ** rng.randint(2, 12))


def _customers(rng: random.Random, count: int) -> tuple[list[tuple], dict[str, int]]:
    customers, whole = [], {}
    for i in range(count):
        revenue = tuple(_amount(rng) for _ in MONTHS)
        if rng.random() < 0.1:  # a loss under 0.005 %: the percent rounds to 0
            revenue = (*revenue[:-1], 1_000_000)
            cost = (*(_amount(rng) for _ in MONTHS[:-1]), 1_000_001)
        else:
            cost = tuple(_amount(rng) for _ in MONTHS)
        customers.append((f"t{i:04d}", f"cus_{i}", None, revenue, cost))
        whole[f"t{i:04d}"] = rng.choice((1_000_000, 0, -3, _amount(rng)))
    return customers, whole


@pytest.mark.parametrize("thresholds", THRESHOLDS)
@pytest.mark.parametrize("today", [date(2026, 4, 30), date(2026, 4, 11), date(2026, 3, 1), date(2026, 6, 1)])
def test_the_json_writer_writes_what_row_json_writes_of_the_completed_rows(thresholds, today):
    # The last day of the month projects the cost to date as it is (a projected -0.00 % shows);
    # a day before the month has no projected cost; a day after it, no projection at all.
    rng = random.Random(f"{thresholds}{today}")
    customers, whole = _customers(rng, 400)
    progress = month_progress(APR, today)
    projection = (progress, whole)
    ranked = rank_rows(months=MONTHS, customers=customers, thresholds=thresholds, projection=projection)
    table = rank_table(period=APR, ranked=ranked, progress=progress)

    written = orjson.dumps(exports.ranked_rows_json(table))

    # Bytes, not values: 0.0 == -0.0, but the API writes them apart.
    assert written == orjson.dumps([exports.row_json(row) for row in table.completed().rows])
    assert table.rows == sorted(table.rows, key=worst_first)


@pytest.mark.parametrize("thresholds", THRESHOLDS)
def test_a_row_s_budget_suggestion_is_budget_suggestion(thresholds):
    rng = random.Random(str(thresholds))
    revenues = [*EDGES, *HUGE, *(_amount(rng, EDGES + HUGE) for _ in range(200))]
    customers = [(f"t{i}", "cus", None, (0, 0, r), (0, 0, r * 3 + 1)) for i, r in enumerate(revenues)]
    ranked = rank_rows(months=MONTHS, customers=customers, thresholds=thresholds)

    for figure in ranked.figures:
        expected = budget_suggestion(revenue=figure.revenue, tier=figure.health_tier, thresholds=thresholds)
        assert ranked.details(figure)[3] == expected


@pytest.mark.parametrize("thresholds", THRESHOLDS)
def test_a_projection_in_hundredths_is_projection_of(thresholds):
    rng = random.Random(str(thresholds))
    edges = EDGES + HUGE
    cases = [(revenue, cost) for revenue in edges for cost in (*edges, None)]
    cases += [(_amount(rng, edges), _amount(rng, edges)) for _ in range(5000)]
    bounds = rank_rows(months=MONTHS, customers=(), thresholds=thresholds).bounds  # in hundredths

    for revenue, cost in cases:
        projection = projection_of(revenue=revenue, cost=cost, thresholds=thresholds)
        value, tier = projection_hundredths(revenue, cost, bounds)
        percent = None if value is None else Decimal(value).scaleb(-2)
        assert (percent, tier) == (projection.margin_percent, projection.health_tier)


@pytest.mark.parametrize("read", [None, (date(2026, 4, 1), date(2026, 4, 11))])
@pytest.mark.parametrize("count", [1, 3, 6])
def test_a_tag_value_with_one_stripe_customer_reads_as_a_group_of_one(read, count):
    rng = random.Random(f"{read}{count}")
    # A row: tag, Stripe id, name, revenue per month, revenue of the days read; the costs by tag
    # value (some have none: zeros).
    amounts = [tuple(_amount(rng) for _ in range(count + 1)) for _ in range(500)]
    rows = [(f"t{i:04d}", f"cus_{i}", rng.choice((None, "", "Acme")), *row) for i, row in enumerate(amounts)]
    costs = {f"t{i:04d}": tuple(_amount(rng) for _ in range(count)) for i in range(0, 500, 2)}

    lone = _lone_customers(rows, costs, count, read)
    assert lone == _grouped_customers(rows, costs, count, read)
    assert [cost for *_, cost in lone[0][:2]] == [costs["t0000"], (0,) * count]


def _figures(projected_revenue: int | None, projected_cost: int | None) -> RowFigures:
    figures = ("t", "cus", None, None, 1, 1, 0, Decimal("0.00"), Tier.AT_RISK, 0, (), ())
    return RowFigures(*figures, projected_revenue, projected_cost)


@pytest.mark.parametrize(
    ("rows", "sums"),
    [
        ([], (0, 0)),
        ([_figures(None, None), _figures(None, 5)], (0, 0)),  # a finished month's rows
        ([_figures(10, 4), _figures(5, 1)], (15, 5)),
        ([_figures(10, 4), _figures(5, None)], (15, None)),  # a row without a projected cost
        ([_figures(10, 4), _figures(None, None)], (10, 4)),  # only rows with a projection count
    ],
)
def test_the_projected_sums_add_up_the_rows_with_a_projection(rows, sums):
    assert projected_sums(rows) == sums
