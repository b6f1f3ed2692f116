"""The margin table of a month: its rows worst first, their summary, and what they leave unexplained."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from margins.calculations.periods import Month
from margins.calculations.progress import MonthProgress, Projection, projection_of
from margins.calculations.rows import CustomerMonthly, MarginRow, compute_customer_row
from margins.calculations.tiers import Tier, TierThresholds, margin_percent


@dataclass(frozen=True)
class MarginSummary:
    blended_margin_percent: Decimal
    total_revenue: int
    total_cost: int
    critical_count: int
    at_risk_count: int
    # Month in progress only: the sums of the rows' month-end revenue and cost, with their margin.
    projection: Projection | None = None


@dataclass(frozen=True)
class MarginTable:
    period: Month
    summary: MarginSummary
    rows: tuple[MarginRow, ...]
    progress: MonthProgress | None = None  # which days count; None: the whole month


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


def summarize(rows: Sequence[MarginRow], *, projecting: TierThresholds | None = None) -> MarginSummary:
    """The rows' sums; `projecting` (the thresholds) for a month in progress adds the projection."""
    return summary_of(
        total_revenue=sum(row.revenue for row in rows),
        total_cost=sum(row.cost for row in rows),
        critical_count=sum(1 for row in rows if row.health_tier is Tier.CRITICAL),
        at_risk_count=sum(1 for row in rows if row.health_tier is Tier.AT_RISK),
        projected=projected_sums(rows) if projecting is not None else None,
        thresholds=projecting,
    )


def projected_sums(rows: Iterable[MarginRow]) -> tuple[int, int | None]:
    """Month-end revenue and cost of rows: the sums of theirs (cost None when a row has none)."""
    projections = [row.projection for row in rows if row.projection is not None]
    costs = [projection.cost for projection in projections]
    cost = None if None in costs else sum(costs)
    return sum(projection.revenue for projection in projections), cost


def summary_of(
    *,
    total_revenue: int,
    total_cost: int,
    critical_count: int,
    at_risk_count: int,
    projected: tuple[int, int | None] | None = None,
    thresholds: TierThresholds | None = None,
) -> MarginSummary:
    """The summary of rows from their sums (kept up to date when a few rows of a table change).

    `projected`: the month-end revenue and cost sums of a month in progress, judged by `thresholds`.
    """
    projection = None
    if projected is not None and thresholds is not None:
        projection = projection_of(revenue=projected[0], cost=projected[1], thresholds=thresholds)
    return MarginSummary(
        blended_margin_percent=margin_percent(total_revenue, total_cost),
        total_revenue=total_revenue,
        total_cost=total_cost,
        critical_count=critical_count,
        at_risk_count=at_risk_count,
        projection=projection,
    )


def compute_margin_table(
    *,
    period: Month,
    customers: Sequence[CustomerMonthly],
    thresholds: TierThresholds,
    progress: MonthProgress | None = None,
) -> MarginTable:
    """Margin rows for the period, worst margin first, with their summary.

    The customers' amounts of the period are those of its counted days; `progress` says which
    (None: the whole month, as for a finished month).
    """
    tag_values = [customer.tag_value for customer in customers]
    if len(set(tag_values)) != len(tag_values):
        raise ValueError("each tag value may appear only once in a margin table")
    rows = [
        row
        for customer in customers
        if (
            row := compute_customer_row(
                period=period, customer=customer, thresholds=thresholds, progress=progress
            )
        )
    ]
    return assemble_margin_table(period=period, rows=rows, progress=progress, thresholds=thresholds)


def assemble_margin_table(
    *,
    period: Month,
    rows: Iterable[MarginRow],
    progress: MonthProgress | None = None,
    thresholds: TierThresholds | None = None,
) -> MarginTable:
    """The table of rows already computed (one per tag value), worst margin first, with their summary.

    For a month in progress (`progress` partial) the summary carries the projection, judged by
    `thresholds`.
    """
    ordered = sorted(rows, key=worst_first)
    if len({row.tag_value for row in ordered}) != len(ordered):
        raise ValueError("each tag value may appear only once in a margin table")
    projecting = thresholds if progress is not None and progress.is_partial else None
    if projecting is None and progress is not None and progress.is_partial:
        raise ValueError("a month in progress needs the thresholds to judge its projection")
    summary = summarize(ordered, projecting=projecting)
    return MarginTable(period=period, summary=summary, rows=tuple(ordered), progress=progress)


def reconcile(summary: MarginSummary, *, org_revenue: int, org_cost: int) -> Reconciliation:
    """Compare the table with the org's own totals for the same month."""
    return Reconciliation(
        unattributed_cost=org_cost - summary.total_cost,
        unmatched_revenue=org_revenue - summary.total_revenue,
    )
