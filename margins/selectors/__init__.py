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
    org_feature_cost,
)
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
)

__all__ = [
    "BreakdownRow",
    "CostCustomerInfo",
    "CostTotals",
    "CustomerAmounts",
    "CustomerDetail",
    "CustomerLabel",
    "MarginInputs",
    "MappedAmounts",
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
    "margin_customer_detail",
    "margin_inputs",
    "mapped_month_amounts",
    "margin_table",
    "month_of",
    "org_feature_cost",
    "monthly_cost",
    "monthly_revenue",
    "org_thresholds",
]
