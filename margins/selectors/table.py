"""The margin table: the one place its numbers are assembled.

The JSON API, the CSV export, the dashboard and the margin alerts all read them from here: one
read of the monthly totals (`month_amounts`, with the month in progress's daily revenue), one
integer loop over the rows (`rank_rows`), then each row shown completed (`RankedRows.complete`).
Nothing is kept between requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from billing.selectors import SyncStatus, sync_status
from margins.calculations import (
    REVENUE_OVER_TIME_MONTHS,
    SPARKLINE_MONTHS,
    CustomerMonthly,
    MarginRow,
    MarginTable,
    Month,
    MonthAmounts,
    MonthProgress,
    PeriodAmounts,
    RankedTable,
    Reconciliation,
    SparkPoint,
    TierThresholds,
    build_sparkline,
    compute_customer_row,
    month_progress,
    rank_rows,
    rank_table,
    reconcile,
    revenue_over_time,
)
from margins.costs.selectors import BreakdownRow, cost_breakdown
from margins.selectors.month_amounts import CustomerAmounts, mapped_month_amounts
from margint.models import Organization


@dataclass(frozen=True)
class MarginReport:
    """A month's margin table, what explains the rest of the org's money, and the sync state.

    `table`: the whole `MarginTable` (`margin_table`), or the `RankedTable` of
    `ranked_margin_table`, whose rows a surface completes as it shows them.
    """

    table: MarginTable | RankedTable
    reconciliation: Reconciliation
    sync: SyncStatus | None
    thresholds: TierThresholds


@dataclass(frozen=True)
class MarginInputs:
    """Monthly amounts per mapped tag value."""

    months: tuple[Month, ...]
    customers: tuple[CustomerMonthly, ...]
    progress: MonthProgress | None = None  # of the last month, when it is in progress


@dataclass(frozen=True)
class CustomerDetail:
    """One tag value's row (None when it had neither revenue nor cost in the period) and its series."""

    period: Month
    progress: MonthProgress  # which days of the period count
    customer: CustomerMonthly
    row: MarginRow | None
    sparkline: tuple[SparkPoint, ...]
    revenue_over_time: tuple[PeriodAmounts, ...]
    model_breakdown: tuple[BreakdownRow, ...]
    feature_breakdown: tuple[BreakdownRow, ...]


def org_thresholds(org: Organization) -> TierThresholds:
    return TierThresholds(
        healthy=org.healthy_threshold, moderate=org.moderate_threshold, at_risk=org.at_risk_threshold
    )


def month_of(moment: datetime) -> Month:
    """The UTC calendar month of a moment."""
    return Month.containing(moment.astimezone(UTC).date())


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def margin_table(
    *, org: Organization, period: Month | None = None, as_of: datetime, with_sync: bool = True
) -> MarginReport:
    """The margin table of `period` (default: the UTC month of `as_of`), reconciled with org totals.

    A month compares the same days on both sides: revenue recognized on its days up to and
    including `as_of`'s UTC day (billing spreads each invoice line over its service period)
    against the cost incurred on them; a finished month counts all its days. A month in progress
    also gets its month-end projection (docs/month-in-progress.md). `with_sync=False` leaves the
    sync state unread (None), for callers that read it themselves. Three queries, run at once (six
    with the sync state); a month in progress adds its daily revenue to the revenue's and the
    totals' statements.
    """
    report = ranked_margin_table(org=org, period=period, as_of=as_of, with_sync=with_sync)
    return replace(report, table=report.table.completed())


def ranked_margin_table(
    *, org: Organization, period: Month | None = None, as_of: datetime, with_sync: bool = True
) -> MarginReport:
    """`margin_table` with its rows ranked and not yet completed (a `RankedTable`): the figures and
    the summary of every row, for a surface that completes only the rows it shows (the page, CSV)."""
    period = period or month_of(as_of)
    progress = month_progress(period, utc_day(as_of))
    amounts = mapped_month_amounts(org=org, months=period.months_back(SPARKLINE_MONTHS), progress=progress)
    thresholds, projection = org_thresholds(org), (progress, amounts.whole)
    ranked = rank_rows(
        months=amounts.months, customers=amounts.customers, thresholds=thresholds, projection=projection
    )
    table = rank_table(period=period, ranked=ranked, progress=progress)
    reconciliation = reconcile(table.summary, org_revenue=amounts.org_revenue, org_cost=amounts.org_cost)
    sync = sync_status(org=org, start=period.bounds[0], end=period.bounds[1]) if with_sync else None
    return MarginReport(table, reconciliation, sync, thresholds)


def margin_inputs(*, org: Organization, months: Sequence[Month], as_of: date | None = None) -> MarginInputs:
    """Monthly amounts of every mapped tag value as `CustomerMonthly` values (the alerts compute two
    months' tables from one read).

    `as_of` (a UTC day): when the last month is in progress on that day, its revenue is that of
    its counted days, and the whole month's is kept beside it.
    """
    months = tuple(months)
    progress = month_progress(months[-1], as_of) if as_of is not None else None
    # The alerts read no reconciliation: no org totals.
    amounts = mapped_month_amounts(org=org, months=months, progress=progress, org_totals=False)
    return MarginInputs(
        months=amounts.months,
        customers=tuple(_customer(amounts.months, facts, amounts.whole) for facts in amounts.customers),
        progress=progress,
    )


def margin_customer_detail(
    *, org: Organization, tag_value: str, period: Month | None = None, as_of: datetime
) -> CustomerDetail | None:
    """One mapped tag value's margin row, six months of revenue and cost, and its cost breakdowns.

    None when the tag value has no mapping that counts in margins (in this org). The period's
    amounts are those of its counted days, as in the table.
    """
    period = period or month_of(as_of)
    progress = month_progress(period, utc_day(as_of))
    amounts = mapped_month_amounts(
        org=org, months=period.months_back(REVENUE_OVER_TIME_MONTHS), tag_value=tag_value, progress=progress
    )
    if not amounts.customers:
        return None
    customer = _customer(amounts.months, amounts.customers[0], amounts.whole)
    start, end = period.first_day, progress.counted_end
    breakdown = {
        by: tuple(cost_breakdown(org=org, external_id=tag_value, start=start, end=end, by=by))
        for by in ("model", "feature")
    }
    row = compute_customer_row(
        period=period, customer=customer, thresholds=org_thresholds(org), progress=progress
    )
    return CustomerDetail(
        period=period,
        progress=progress,
        customer=customer,
        row=row,
        sparkline=row.sparkline if row else build_sparkline(period=period, monthly=customer.monthly),
        revenue_over_time=revenue_over_time(period=period, monthly=customer.monthly),
        model_breakdown=breakdown["model"],
        feature_breakdown=breakdown["feature"],
    )


def _customer(
    months: Sequence[Month], facts: CustomerAmounts, whole: Mapping[str, int] | None = None
) -> CustomerMonthly:
    """`whole`: each tag value's whole revenue of the last month, when it is in progress."""
    tag, stripe_id, name, revenue, cost = facts
    return CustomerMonthly(
        tag_value=tag,
        stripe_customer_id=stripe_id,
        customer_name=name,
        avatar_url=None,
        monthly=_monthly(months, revenue, cost, None if whole is None else whole.get(tag, 0)),
    )


def _monthly(
    months: Sequence[Month], revenue: tuple[int, ...], cost: tuple[int, ...], for_month: int | None
) -> dict[Month, MonthAmounts]:
    """`for_month`: the last month's whole revenue when it is in progress (its `revenue` is to date)."""
    monthly = {month: MonthAmounts(r, c) for month, r, c in zip(months, revenue, cost, strict=True) if r or c}
    if for_month is not None:
        last = monthly.get(months[-1], MonthAmounts())
        monthly[months[-1]] = MonthAmounts(last.revenue, last.cost, for_month)
    return monthly
