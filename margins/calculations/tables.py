"""The margin table of a month: its rows worst first, their summary, and what they leave unexplained."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter, countOf

from margins.calculations.periods import Month
from margins.calculations.progress import MonthProgress, Projection, projection_of
from margins.calculations.rows import (
    SPARKLINE_MONTHS,
    CustomerMonthly,
    MarginRow,
    RankedRows,
    RowFigures,
    monthly_series,
    rank_rows,
)
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
class RankedTable:
    """A month's table before its rows are completed: every row's figures, worst margin first
    (`rows`), and their summary. A surface completes the rows it shows (`complete`); `completed`
    is the whole `MarginTable`."""

    period: Month
    summary: MarginSummary
    ranked: RankedRows
    progress: MonthProgress | None = None

    @property
    def rows(self) -> list[RowFigures]:
        return self.ranked.figures

    def complete(self, figures: Iterable[RowFigures]) -> list[MarginRow]:
        return self.ranked.complete(figures)

    def completed(self) -> MarginTable:
        return MarginTable(self.period, self.summary, tuple(self.complete(self.rows)), self.progress)


@dataclass(frozen=True)
class Reconciliation:
    """What the table leaves unexplained for the month, in micro-units.

    Values are not clamped: a negative one means the rows count more than the org total,
    a data fault that should stay visible.
    """

    unattributed_cost: int
    unmatched_revenue: int


def worst_first(row: MarginRow | RowFigures) -> tuple[Decimal, int, str]:
    """The table's sort key. Tag values are unique in a table, so it is a total order."""
    return row.margin_percent, row.margin, row.tag_value


def summarize(rows: Sequence[RowFigures], *, projecting: TierThresholds | None = None) -> MarginSummary:
    """The rows' sums; `projecting` (the thresholds) for a month in progress adds the projection."""
    # Each sum and count is a pass in C (map, sum, countOf), no Python statement per row: a table
    # has 10,000 rows.
    tiers = list(map(_TIER, rows))
    return summary_of(
        total_revenue=sum(map(_REVENUE, rows)),
        total_cost=sum(map(_COST, rows)),
        critical_count=countOf(tiers, Tier.CRITICAL),
        at_risk_count=countOf(tiers, Tier.AT_RISK),
        projected=projected_sums(rows) if projecting is not None else None,
        thresholds=projecting,
    )


_TIER, _REVENUE, _COST = attrgetter("health_tier"), attrgetter("revenue"), attrgetter("cost")
_AHEAD_REVENUE, _AHEAD_COST = attrgetter("projected_revenue"), attrgetter("projected_cost")


def projected_sums(rows: Iterable[RowFigures]) -> tuple[int, int | None]:
    """Month-end revenue and cost of rows: the sums of theirs (cost None when a row has none)."""
    ahead = [row for row in rows if row.projected_revenue is not None]
    costs = list(map(_AHEAD_COST, ahead))
    return sum(map(_AHEAD_REVENUE, ahead)), None if None in costs else sum(costs)


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


def rank_table(*, period: Month, ranked: RankedRows, progress: MonthProgress | None = None) -> RankedTable:
    """The table of ranked rows with their summary; a month in progress (`progress` partial) adds
    the projection to the summary."""
    projecting = ranked.thresholds if progress is not None and progress.is_partial else None
    return RankedTable(period, summarize(ranked.figures, projecting=projecting), ranked, progress)


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
    months = period.months_back(SPARKLINE_MONTHS)
    facts, whole = [], {}
    for customer in customers:
        revenue, cost = monthly_series(months, customer.monthly)
        facts.append((customer.tag_value, customer.stripe_customer_id, customer.customer_name, revenue, cost))
        if (for_month := customer.amounts(period).revenue_for_month) is not None:
            whole[customer.tag_value] = for_month
    projection = (progress, whole) if progress is not None else None
    ranked = rank_rows(months=months, customers=facts, thresholds=thresholds, projection=projection)
    table = rank_table(period=period, ranked=ranked, progress=progress).completed()
    avatars = {customer.tag_value: customer.avatar_url for customer in customers if customer.avatar_url}
    if not avatars:
        return table
    rows = tuple(row._replace(avatar_url=avatars.get(row.tag_value)) for row in table.rows)
    return MarginTable(period=table.period, summary=table.summary, rows=rows, progress=table.progress)


def reconcile(summary: MarginSummary, *, org_revenue: int, org_cost: int) -> Reconciliation:
    """Compare the table with the org's own totals for the same month."""
    return Reconciliation(
        unattributed_cost=org_cost - summary.total_cost,
        unmatched_revenue=org_revenue - summary.total_revenue,
    )
