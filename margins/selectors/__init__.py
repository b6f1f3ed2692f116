"""Reads of the cost side, and of the monthly totals margins are computed from.

They read the daily rollups and the monthly totals (see margins/monthly.py), never raw events.
`cost` reads cost-side customers and their cost, `by_month` the monthly totals one sum per month,
`table` assembles the margin table from them. Every public name is importable from here.
"""

from __future__ import annotations

from margins.selectors.by_month import monthly_cost, monthly_revenue
from margins.selectors.cost import (
    BreakdownRow,
    CostCustomerInfo,
    CostTotals,
    CustomerLabel,
    cost_breakdown,
    cost_by_customer,
    cost_by_customer_buckets,
    cost_by_customer_day,
    cost_by_customer_month,
    cost_customer_labels,
    cost_customer_search,
    cost_customers,
    cost_total,
)
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
    "BreakdownRow",
    "CostCustomerInfo",
    "CostTotals",
    "CustomerDetail",
    "CustomerLabel",
    "MarginInputs",
    "MarginReport",
    "cost_breakdown",
    "cost_by_customer",
    "cost_by_customer_buckets",
    "cost_by_customer_day",
    "cost_by_customer_month",
    "cost_customer_labels",
    "cost_customer_search",
    "cost_customers",
    "cost_total",
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
