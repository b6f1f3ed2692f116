"""Reads of the monthly totals margins are computed from, and the margin table.

They read the monthly totals (see margins/monthly.py), never raw events. `month_amounts` reads
every mapped customer's months in one statement, `by_month` the monthly totals one sum per month,
`table` assembles the margin table from them and from the cost-events app's reads
(margins.costs.selectors). Every public name is importable from here.
"""

from __future__ import annotations

from margins.selectors.by_month import monthly_cost, monthly_revenue
from margins.selectors.month_amounts import CustomerAmounts, MappedAmounts, mapped_month_amounts
from margins.selectors.table import (
    CustomerDetail,
    MarginInputs,
    MarginReport,
    margin_customer_detail,
    margin_inputs,
    margin_table,
    month_of,
    org_thresholds,
    ranked_margin_table,
    utc_day,
)

__all__ = [
    "CustomerAmounts",
    "CustomerDetail",
    "MappedAmounts",
    "MarginInputs",
    "MarginReport",
    "mapped_month_amounts",
    "margin_customer_detail",
    "margin_inputs",
    "margin_table",
    "month_of",
    "monthly_cost",
    "monthly_revenue",
    "org_thresholds",
    "ranked_margin_table",
    "utc_day",
]
