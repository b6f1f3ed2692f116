"""The margin table of a month: its rows worst first, their summary, and what they leave unexplained."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from margins.calculations.periods import Month
from margins.calculations.rows import CustomerMonthly, MarginRow, compute_customer_row
from margins.calculations.tiers import Tier, TierThresholds, margin_percent


@dataclass(frozen=True)
class MarginSummary:
    blended_margin_percent: Decimal
    total_revenue: int
    total_cost: int
    critical_count: int
    at_risk_count: int


@dataclass(frozen=True)
class MarginTable:
    period: Month
    summary: MarginSummary
    rows: tuple[MarginRow, ...]


@dataclass(frozen=True)
class Reconciliation:
    """What the table leaves unexplained for the month, in micro-units.

    Values are not clamped: a negative one means the rows count more than the org total,
    a data fault that should stay visible.
    """

    unattributed_cost: int
    unmatched_revenue: int


def worst_first(row: MarginRow) -> tuple[Decimal, int, str]:
    """The table's sort key. Tag values are unique in a table, so it is a total order."""
    return row.margin_percent, row.margin, row.tag_value


def summarize(rows: Sequence[MarginRow]) -> MarginSummary:
    return summary_of(
        total_revenue=sum(row.revenue for row in rows),
        total_cost=sum(row.cost for row in rows),
        critical_count=sum(1 for row in rows if row.health_tier is Tier.CRITICAL),
        at_risk_count=sum(1 for row in rows if row.health_tier is Tier.AT_RISK),
    )


def summary_of(
    *, total_revenue: int, total_cost: int, critical_count: int, at_risk_count: int
) -> MarginSummary:
    """The summary of rows from their sums (kept up to date when a few rows of a table change)."""
    return MarginSummary(
        blended_margin_percent=margin_percent(total_revenue, total_cost),
        total_revenue=total_revenue,
        total_cost=total_cost,
        critical_count=critical_count,
        at_risk_count=at_risk_count,
    )


def compute_margin_table(
    *, period: Month, customers: Sequence[CustomerMonthly], thresholds: TierThresholds
) -> MarginTable:
    """Margin rows for the period, worst margin first, with their summary."""
    tag_values = [customer.tag_value for customer in customers]
    if len(set(tag_values)) != len(tag_values):
        raise ValueError("each tag value may appear only once in a margin table")
    rows = [
        row
        for customer in customers
        if (row := compute_customer_row(period=period, customer=customer, thresholds=thresholds))
    ]
    return assemble_margin_table(period=period, rows=rows)


def assemble_margin_table(*, period: Month, rows: Iterable[MarginRow]) -> MarginTable:
    """The table of rows already computed (one per tag value), worst margin first, with their summary."""
    ordered = sorted(rows, key=worst_first)
    if len({row.tag_value for row in ordered}) != len(ordered):
        raise ValueError("each tag value may appear only once in a margin table")
    return MarginTable(period=period, summary=summarize(ordered), rows=tuple(ordered))


def reconcile(summary: MarginSummary, *, org_revenue: int, org_cost: int) -> Reconciliation:
    """Compare the table with the org's own totals for the same month."""
    return Reconciliation(
        unattributed_cost=org_cost - summary.total_cost,
        unmatched_revenue=org_revenue - summary.total_revenue,
    )
