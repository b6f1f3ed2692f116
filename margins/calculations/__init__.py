"""Per-customer margin arithmetic for one calendar month.

Pure: no ORM, no clock, no I/O. Selectors gather facts into the input dataclasses, the API
layer serialises the output ones. Every amount is integer micro-units of the org's reporting
currency; every percentage is a Decimal rounded by `round_percent` and nowhere else, or in a
10,000-row loop integer hundredths of a percent that round the same way (`margin_hundredths`).

`periods` holds the calendar month, `progress` the counted days of a month in progress and its
month-end projection, `tiers` the tiers, thresholds and percentages, `rows` one
customer's row and sparkline, `tables` the month's table and its reconciliation, `money` the
conversions of micro-units at the edges. Every public name is importable from here.
"""

from __future__ import annotations

from margins.calculations.money import (
    MICROS_PER_CENT,
    MICROS_PER_UNIT,
    micros_to_cents,
    micros_to_cents_each,
    micros_to_dollars,
)
from margins.calculations.periods import InvalidPeriod, Month
from margins.calculations.progress import (
    ALERT_MIN_DAYS,
    ALERT_MIN_MICROS,
    MonthProgress,
    Projection,
    alert_ready,
    month_progress,
    project_cost,
    project_month,
    projection_of,
)
from margins.calculations.rows import (
    REVENUE_OVER_TIME_MONTHS,
    SPARKLINE_MONTHS,
    CustomerMonthly,
    MarginRow,
    MonthAmounts,
    PeriodAmounts,
    RankedRows,
    RowFigures,
    SparkPoint,
    build_sparkline,
    compute_customer_row,
    health_tier,
    margin_rows,
    monthly_series,
    project_next,
    projection_hundredths,
    rank_rows,
    revenue_over_time,
)
from margins.calculations.tables import (
    MarginSummary,
    MarginTable,
    RankedTable,
    Reconciliation,
    compute_margin_table,
    projected_sums,
    rank_table,
    reconcile,
    summarize,
    summary_of,
    worst_first,
)
from margins.calculations.tiers import (
    Tier,
    TierBounds,
    TierThresholds,
    budget_suggestion,
    divided_half_up,
    margin_hundredths,
    margin_percent,
    margin_tier,
    round_percent,
    tier_bounds,
    tier_for_hundredths,
    tier_for_percent,
    tier_worsened,
)

__all__ = [
    "ALERT_MIN_DAYS",
    "ALERT_MIN_MICROS",
    "MICROS_PER_CENT",
    "MICROS_PER_UNIT",
    "REVENUE_OVER_TIME_MONTHS",
    "SPARKLINE_MONTHS",
    "CustomerMonthly",
    "InvalidPeriod",
    "MarginRow",
    "MarginSummary",
    "MarginTable",
    "Month",
    "MonthAmounts",
    "MonthProgress",
    "Projection",
    "PeriodAmounts",
    "RankedRows",
    "RankedTable",
    "Reconciliation",
    "RowFigures",
    "SparkPoint",
    "Tier",
    "TierBounds",
    "TierThresholds",
    "alert_ready",
    "budget_suggestion",
    "build_sparkline",
    "compute_customer_row",
    "compute_margin_table",
    "divided_half_up",
    "health_tier",
    "margin_hundredths",
    "margin_tier",
    "margin_percent",
    "margin_rows",
    "monthly_series",
    "micros_to_cents",
    "micros_to_cents_each",
    "micros_to_dollars",
    "month_progress",
    "project_cost",
    "project_month",
    "project_next",
    "projected_sums",
    "projection_hundredths",
    "projection_of",
    "rank_rows",
    "rank_table",
    "reconcile",
    "revenue_over_time",
    "round_percent",
    "summarize",
    "summary_of",
    "tier_bounds",
    "tier_for_hundredths",
    "tier_for_percent",
    "tier_worsened",
    "worst_first",
]
