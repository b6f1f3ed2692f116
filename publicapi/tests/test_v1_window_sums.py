"""The v1 window figures, read from the monthly totals and their running sums, equal plain sums of the daily rows.

Random cost and revenue on random days around a year end and a leap day; each range (7d, 30d,
90d) read on several days of the week, at month ends and on a leap day, compared with sums of the
same daily rows computed here, day by day.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from margins.selectors import day_sums
from publicapi.customers import window_figures
from publicapi.tests.factories import add_cost, add_revenue, map_tag
from publicapi.window_sums import revenue_ranges
from publicapi.windows import RANGES, rolling_window

FIRST_DAY = date(2027, 9, 1)
DAYS = 200  # to 2028-03-18: covers 2027-12-31..2028-01-01 and 2028-02-29
TODAYS = [date(2027, 12, 31), date(2028, 1, 3), date(2028, 2, 29), date(2028, 3, 1), date(2028, 3, 15)]
CUSTOMERS = ("acme", "beta", "gamma")


@pytest.fixture
def random_days(org, other_org):
    """Per (customer, day) the cost, per (Stripe customer, day) the revenue, as written."""
    rng = random.Random(20261207)
    cost: dict[tuple[str, date], int] = {}
    chat: dict[tuple[str, date], int] = {}  # the cost of the feature "chat" alone
    revenue: dict[tuple[str, date], int] = {}
    for name in CUSTOMERS:
        map_tag(org, f"cus_{name}", name)
        for day in rng.sample([FIRST_DAY + timedelta(days=k) for k in range(DAYS)], 70):
            amount = rng.randrange(1, 5_000_000)
            feature = rng.choice(("chat", "search"))
            add_cost(org, name, day, amount, feature=feature)
            cost[(name, day)] = amount
            if feature == "chat":
                chat[(name, day)] = amount
        for day in rng.sample([FIRST_DAY + timedelta(days=k) for k in range(DAYS)], 40):
            amount = rng.randrange(-1_000_000, 9_000_000)  # credits too
            add_revenue(org, f"cus_{name}", day, amount)
            revenue[(f"cus_{name}", day)] = amount
    add_cost(other_org, "acme", TODAYS[0], 77_000_000)  # another org's rows never count
    add_revenue(other_org, "cus_acme", TODAYS[0], 88_000_000)
    return cost, revenue, chat


def plain_sum(amounts: dict[tuple[str, date], int], key: str, start: date, end: date) -> int:
    return sum(amount for (who, day), amount in amounts.items() if who == key and start <= day < end)


@pytest.mark.parametrize("today", TODAYS)
@pytest.mark.parametrize("range_", RANGES)
def test_every_figure_equals_the_sum_of_its_daily_rows(org, random_days, range_, today):
    cost, revenue, _ = random_days
    window = rolling_window(range_, today)
    figures = {
        row.external_id: row for row in window_figures(org=org, window=window, now=_noon(today)).customers
    }
    assert set(figures) == set(CUSTOMERS)
    for name, row in figures.items():
        stripe_id = f"cus_{name}"
        assert row.spark == tuple(plain_sum(cost, name, lo, hi) for lo, hi in pairwise(window.spark_edges))
        assert row.cost == plain_sum(cost, name, window.start, window.end)
        assert row.previous_cost == plain_sum(cost, name, window.previous_start, window.start)
        assert row.revenue == plain_sum(revenue, stripe_id, window.start, window.end)
        assert row.previous_revenue == plain_sum(revenue, stripe_id, window.previous_start, window.start)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_cost_read_aside_gives_the_same_figures(
    requires_postgres, org, random_days
):
    # As a request reads: no transaction, so the cost statement runs on a second connection.
    cost, revenue, _ = random_days
    window = rolling_window("90d", TODAYS[0])
    rows = window_figures(org=org, window=window, now=_noon(TODAYS[0])).customers
    assert {row.external_id for row in rows} == set(CUSTOMERS)
    for row in rows:
        assert row.spark == tuple(
            plain_sum(cost, row.external_id, lo, hi) for lo, hi in pairwise(window.spark_edges)
        )
        assert row.previous_cost == plain_sum(cost, row.external_id, window.previous_start, window.start)
        assert row.revenue == plain_sum(revenue, f"cus_{row.external_id}", window.start, window.end)


@pytest.mark.parametrize("today", TODAYS)
def test_overlapping_revenue_ranges_each_equal_their_daily_rows(org, random_days, today):
    _, revenue, _ = random_days
    ranges = revenue_ranges(rolling_window("90d", today), _noon(today))
    sums = day_sums.revenue_by_customer_ranges(org=org, ranges=ranges)
    assert sums == {
        f"cus_{name}": tuple(plain_sum(revenue, f"cus_{name}", start, end) for start, end in ranges)
        for name in CUSTOMERS
    }


@pytest.mark.parametrize("range_", RANGES)
def test_cost_of_some_features_equals_their_daily_rows(org, random_days, range_):
    _, _, chat = random_days
    window = rolling_window(range_, TODAYS[1])
    rows = window_figures(org=org, window=window, now=_noon(TODAYS[1]), features=["chat"]).customers
    for row in rows:
        assert row.spark == tuple(
            plain_sum(chat, row.external_id, lo, hi) for lo, hi in pairwise(window.spark_edges)
        )
        assert row.previous_cost == plain_sum(chat, row.external_id, window.previous_start, window.start)


def test_one_customers_figures_equal_the_list_row(org, random_days):
    window = rolling_window("90d", TODAYS[2])
    every = {
        row.external_id: row for row in window_figures(org=org, window=window, now=_noon(TODAYS[2])).customers
    }
    alone = window_figures(org=org, window=window, now=_noon(TODAYS[2]), external_ids=["beta"]).customers
    assert alone == (every["beta"],)


def test_ninety_day_spark_buckets_are_iso_weeks_ending_with_this_week():
    window = rolling_window("90d", date(2028, 2, 29))  # a Tuesday
    edges = window.spark_edges
    assert len(edges) == 14 and edges[0] == window.start and edges[-1] == date(2028, 3, 1)
    assert edges[-2] == date(2028, 2, 28) and all(edge.weekday() == 0 for edge in edges[1:-1])
    assert [(hi - lo).days for lo, hi in pairwise(edges)] == [11, *[7] * 11, 2]


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
