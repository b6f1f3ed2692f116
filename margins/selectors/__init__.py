"""Reads of the monthly totals margins are computed from, and the margin table.

They read the monthly totals (see margins/monthly.py), never raw events. `by_month` reads the
monthly totals one sum per month, `table` assembles the margin table from them and from the
cost-events app's reads (margins.costs.selectors). Every public name is importable from here.
"""

from __future__ import annotations

from margins.selectors.by_month import monthly_cost, monthly_revenue
from margins.selectors.table import (
    CustomerDetail,
    MarginInputs,
    MarginReport,
    counting_links_kept,
    margin_customer_detail,
    margin_inputs,
    margin_inputs_version,
    margin_report,
    margin_rows_of,
    margin_table,
    month_of,
    org_counted_revenue,
    org_thresholds,
    tags_of_stripe_ids,
    utc_day,
)

__all__ = [
    "CustomerDetail",
    "MarginInputs",
    "MarginReport",
    "counting_links_kept",
    "margin_customer_detail",
    "margin_inputs",
    "margin_inputs_version",
    "margin_report",
    "margin_rows_of",
    "margin_table",
    "month_of",
    "org_counted_revenue",
    "monthly_cost",
    "monthly_revenue",
    "org_thresholds",
    "tags_of_stripe_ids",
    "utc_day",
]
