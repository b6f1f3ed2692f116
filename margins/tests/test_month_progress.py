"""The counted days of a month as of a day, and the month-end projection: pure, known answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margins.calculations import (
    CustomerMonthly,
    Month,
    MonthAmounts,
    Tier,
    TierThresholds,
    alert_ready,
    compute_customer_row,
    compute_margin_table,
    health_tier,
    month_progress,
    project_cost,
)

M = 1_000_000
DEC = Month(2026, 12)
LEAP_FEB = Month(2028, 2)
THRESHOLDS = TierThresholds()


@pytest.mark.parametrize(
    ("period", "today", "as_of", "counted", "days", "partial"),
    [
        (DEC, date(2026, 12, 1), date(2026, 12, 1), 1, 31, True),  # first day
        (DEC, date(2026, 12, 6), date(2026, 12, 6), 6, 31, True),
        (DEC, date(2026, 12, 31), date(2026, 12, 31), 31, 31, True),  # last day: not over yet
        (DEC, date(2027, 1, 1), date(2026, 12, 31), 31, 31, False),  # finished
        (DEC, date(2026, 11, 30), None, 0, 31, True),  # not begun
        (LEAP_FEB, date(2028, 2, 29), date(2028, 2, 29), 29, 29, True),
        (Month(2027, 2), date(2027, 2, 28), date(2027, 2, 28), 28, 28, True),
    ],
)
def test_counted_days_as_of_a_day(period, today, as_of, counted, days, partial):
    progress = month_progress(period, today)
    assert (progress.as_of, progress.counted_days, progress.days_in_month, progress.is_partial) == (
        as_of,
        counted,
        days,
        partial,
    )
    assert progress.counted_end == period.first_day.fromordinal(period.first_day.toordinal() + counted)


def test_cost_runs_at_the_counted_days_rate_to_month_end_rounded_half_even():
    assert project_cost(2_400_000, month_progress(DEC, date(2026, 12, 6))) == 12_400_000
    assert project_cost(3_000_000, month_progress(LEAP_FEB, date(2028, 2, 10))) == 8_700_000
    # 1 x 31 / 2 = 15.5 -> 16 (even); 3 x 31 / 2 = 46.5 -> 46 (even).
    assert project_cost(1, month_progress(DEC, date(2026, 12, 2))) == 16
    assert project_cost(3, month_progress(DEC, date(2026, 12, 2))) == 46
    assert project_cost(5, month_progress(DEC, date(2026, 12, 31))) == 5
    assert project_cost(5, month_progress(DEC, date(2026, 11, 1))) is None


def _customer(tag: str, revenue: int, cost: int, whole: int) -> CustomerMonthly:
    return CustomerMonthly(tag, f"cus_{tag}", None, None, {DEC: MonthAmounts(revenue, cost, whole)})


def test_a_row_judges_the_days_to_date_and_projects_the_whole_month():
    progress = month_progress(DEC, date(2026, 12, 6))
    row = compute_customer_row(
        period=DEC, customer=_customer("late", 0, 1_200_000, 17 * M), thresholds=THRESHOLDS, progress=progress
    )
    # Cost and no revenue yet: critical to date, whatever the month will bring; the budget that
    # keeps the month healthy is half of the month's 17 dollars.
    assert (row.revenue, row.cost, row.health_tier, row.budget_suggestion) == (
        0,
        1_200_000,
        Tier.CRITICAL,
        8_500_000,
    )
    projection = row.projection
    assert (projection.revenue, projection.cost, projection.margin_percent, projection.health_tier) == (
        17 * M,
        6_200_000,
        Decimal("63.53"),
        Tier.HEALTHY,
    )


def test_a_finished_month_has_no_projection():
    progress = month_progress(DEC, date(2027, 1, 3))
    row = compute_customer_row(
        period=DEC,
        customer=_customer("acme", 31 * M, 40 * M, 31 * M),
        thresholds=THRESHOLDS,
        progress=progress,
    )
    assert row.projection is None and row.health_tier is Tier.CRITICAL
    assert row.budget_suggestion == 15_500_000  # from the month's revenue


def test_the_budget_suggestion_caps_the_whole_month_from_its_revenue():
    # A budget caps a month's spend: six days' revenue (6 dollars) would suggest 3 dollars, a cap
    # the customer passed on its third day; the month's 31 dollars suggest 15.50.
    progress = month_progress(DEC, date(2026, 12, 6))
    row = compute_customer_row(
        period=DEC, customer=_customer("burn", 6 * M, 9 * M, 31 * M), thresholds=THRESHOLDS, progress=progress
    )
    assert (row.health_tier, row.budget_suggestion) == (Tier.CRITICAL, 15_500_000)
    assert row.projection.cost == 46_500_000
    assert health_tier(MonthAmounts(31 * M, row.budget_suggestion), THRESHOLDS) is Tier.HEALTHY


def test_a_month_in_progress_without_the_month_s_revenue_suggests_from_the_revenue_to_date():
    progress = month_progress(DEC, date(2026, 12, 6))
    table = compute_margin_table(
        period=DEC,
        customers=[CustomerMonthly("usage", "cus_usage", None, None, {DEC: MonthAmounts(6 * M, 9 * M)})],
        thresholds=THRESHOLDS,
        progress=progress,
    )
    assert table.rows[0].budget_suggestion == 3 * M


def test_the_summary_projection_is_the_sum_of_the_rows_projections():
    progress = month_progress(DEC, date(2026, 12, 6))
    customers = [
        _customer("acme", 6 * M, 2_400_000, 31 * M),
        _customer("late", 0, 1_200_000, 17 * M),
        _customer("newco", 0, 3 * M, 0),
    ]
    table = compute_margin_table(period=DEC, customers=customers, thresholds=THRESHOLDS, progress=progress)
    summary = table.summary
    assert (summary.total_revenue, summary.total_cost, summary.blended_margin_percent) == (
        6 * M,
        6_600_000,
        Decimal("-10.00"),
    )
    assert (summary.critical_count, summary.at_risk_count) == (2, 0)
    projection = summary.projection
    assert (projection.revenue, projection.cost, projection.margin_percent, projection.health_tier) == (
        48 * M,
        34_100_000,
        Decimal("28.96"),
        Tier.MODERATE,
    )


@pytest.mark.parametrize(
    ("today", "revenue", "cost", "ready"),
    [
        (date(2026, 12, 1), 50 * M, 90 * M, False),  # the first day: never
        (date(2026, 12, 6), 50 * M, 90 * M, False),  # six days
        (date(2026, 12, 7), 50 * M, 90 * M, True),
        (date(2026, 12, 7), 9_999_999, 9_999_999, False),  # too little money
        (date(2026, 12, 7), 0, 10 * M, True),
        (date(2027, 1, 1), 1, 2, True),  # a finished month always
    ],
)
def test_alerts_wait_for_seven_days_and_ten_units_of_money(today, revenue, cost, ready):
    assert alert_ready(month_progress(DEC, today), revenue=revenue, cost=cost) is ready
