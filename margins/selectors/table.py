"""The margin table: the one place its numbers are assembled.

The JSON API, the CSV export, the dashboard and the margin alerts all read them from here: one
read of the monthly totals (`month_amounts`), one integer loop over the rows (`margin_rows`).
Nothing is kept between requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from billing.selectors import SyncStatus, sync_status
from margins.calculations import (
    REVENUE_OVER_TIME_MONTHS,
    SPARKLINE_MONTHS,
    CustomerMonthly,
    MarginRow,
    MarginTable,
    Month,
    MonthAmounts,
    PeriodAmounts,
    Reconciliation,
    SparkPoint,
    TierThresholds,
    build_sparkline,
    compute_customer_row,
    margin_rows,
    reconcile,
    revenue_over_time,
    summarize,
)
from margins.costs.selectors import BreakdownRow, cost_breakdown
from margins.selectors.month_amounts import CustomerAmounts, mapped_month_amounts
from margint.models import Organization


@dataclass(frozen=True)
class MarginReport:
    """A month's margin table, what explains the rest of the org's money, and the sync state."""

    table: MarginTable
    reconciliation: Reconciliation
    sync: SyncStatus | None
    thresholds: TierThresholds


@dataclass(frozen=True)
class MarginInputs:
    """Monthly amounts per mapped tag value, and the org's totals per month, mapped or not."""

    months: tuple[Month, ...]
    customers: tuple[CustomerMonthly, ...]
    org_revenue: Mapping[Month, int]
    org_cost: Mapping[Month, int]


@dataclass(frozen=True)
class CustomerDetail:
    """One tag value's row (None when it had neither revenue nor cost in the period) and its series."""

    period: Month
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


def margin_table(
    *, org: Organization, period: Month | None = None, as_of: datetime, with_sync: bool = True
) -> MarginReport:
    """The margin table of `period` (default: the UTC month of `as_of`), reconciled with org totals.

    A month is the whole calendar month for revenue and cost alike: revenue recognized on the
    month's days (billing spreads each invoice line over its service period) against the cost
    incurred on them. In the current month, revenue already recognized for the days still to
    come counts while their cost cannot exist yet. `with_sync=False` leaves the sync state
    unread (None), for callers that read it themselves. Two queries (three with the sync state).
    """
    period = period or month_of(as_of)
    amounts = mapped_month_amounts(org=org, months=period.months_back(SPARKLINE_MONTHS))
    thresholds = org_thresholds(org)
    rows = margin_rows(months=amounts.months, customers=amounts.customers, thresholds=thresholds)
    table = MarginTable(period=period, summary=summarize(rows), rows=tuple(rows))
    reconciliation = reconcile(
        table.summary, org_revenue=amounts.org_revenue[-1], org_cost=amounts.org_cost[-1]
    )
    sync = sync_status(org=org, start=period.bounds[0], end=period.bounds[1]) if with_sync else None
    return MarginReport(table, reconciliation, sync, thresholds)


def margin_inputs(*, org: Organization, months: Sequence[Month]) -> MarginInputs:
    """Monthly amounts of every mapped tag value as `CustomerMonthly` values (the alerts compute two
    months' tables from one read), and the org's totals per month."""
    amounts = mapped_month_amounts(org=org, months=months)
    return MarginInputs(
        months=amounts.months,
        customers=tuple(_customer(amounts.months, facts) for facts in amounts.customers),
        org_revenue=dict(zip(amounts.months, amounts.org_revenue, strict=True)),
        org_cost=dict(zip(amounts.months, amounts.org_cost, strict=True)),
    )


def margin_customer_detail(
    *, org: Organization, tag_value: str, period: Month | None = None, as_of: datetime
) -> CustomerDetail | None:
    """One mapped tag value's margin row, six months of revenue and cost, and its cost breakdowns.

    None when the tag value has no mapping that counts in margins (in this org).
    """
    period = period or month_of(as_of)
    amounts = mapped_month_amounts(
        org=org, months=period.months_back(REVENUE_OVER_TIME_MONTHS), tag_value=tag_value
    )
    if not amounts.customers:
        return None
    customer = _customer(amounts.months, amounts.customers[0])
    start, end = period.bounds
    breakdown = {
        by: tuple(cost_breakdown(org=org, external_id=tag_value, start=start, end=end, by=by))
        for by in ("model", "feature")
    }
    row = compute_customer_row(period=period, customer=customer, thresholds=org_thresholds(org))
    return CustomerDetail(
        period=period,
        customer=customer,
        row=row,
        sparkline=row.sparkline if row else build_sparkline(period=period, monthly=customer.monthly),
        revenue_over_time=revenue_over_time(period=period, monthly=customer.monthly),
        model_breakdown=breakdown["model"],
        feature_breakdown=breakdown["feature"],
    )


def _customer(months: Sequence[Month], facts: CustomerAmounts) -> CustomerMonthly:
    tag, stripe_id, name, revenue, cost = facts
    return CustomerMonthly(
        tag_value=tag,
        stripe_customer_id=stripe_id,
        customer_name=name,
        avatar_url=None,
        monthly=_monthly(months, revenue, cost),
    )


def _monthly(
    months: Sequence[Month], revenue: tuple[int, ...], cost: tuple[int, ...]
) -> dict[Month, MonthAmounts]:
    return {month: MonthAmounts(r, c) for month, r, c in zip(months, revenue, cost, strict=True) if r or c}
