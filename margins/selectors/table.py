"""The margin table: the one place its numbers are assembled.

The JSON API, the CSV export, the dashboard and the margin alerts all read them from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from billing.models import StripeCustomer
from billing.selectors import SyncStatus, stripe_customer_names, sync_status
from mappings import selectors as mapping_selectors
from mappings.models import CustomerMapping
from margins import memo
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
    assemble_margin_table,
    build_sparkline,
    compute_customer_row,
    reconcile,
    revenue_over_time,
)
from margins.costs.selectors import BreakdownRow, cost_breakdown
from margins.selectors.by_month import monthly_cost, monthly_revenue
from margins.totals import TotalsRead, read_totals
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
    *,
    org: Organization,
    period: Month | None = None,
    as_of: datetime,
    with_sync: bool = True,
    totals: TotalsRead | None = None,
) -> MarginReport:
    """The margin table of `period` (default: the UTC month of `as_of`), reconciled with org totals.

    A month is the whole calendar month for revenue and cost alike: revenue recognized on the
    month's days (billing spreads each invoice line over its service period) against the cost
    incurred on them. In the current month, revenue already recognized for the days still to
    come counts while their cost cannot exist yet. `with_sync=False` leaves the sync state
    unread (None), for callers that read it themselves; `totals`: see `margin_inputs`.
    """
    period = period or month_of(as_of)
    inputs = margin_inputs(org=org, months=period.months_back(SPARKLINE_MONTHS), totals=totals)
    return margin_report(org=org, period=period, inputs=inputs, with_sync=with_sync)


def margin_report(
    *, org: Organization, period: Month, inputs: MarginInputs, with_sync: bool = True
) -> MarginReport:
    """The table of one of the months of `inputs` (the alerts compute two months from one read).

    Rows are computed again only for the customers whose amounts, name or thresholds changed
    since this process last computed the same org's month (see `memo.Reuse`): with cost
    arriving all day, most of 10,000 rows are the same from one request to the next.
    """
    thresholds = org_thresholds(org)
    reuse = _rows.round(f"{org.pk}:{period}:{thresholds}:{','.join(map(str, inputs.months))}")
    rows = []
    for customer in inputs.customers:
        row = reuse.value(
            customer.tag_value,
            customer,
            lambda c=customer: compute_customer_row(period=period, customer=c, thresholds=thresholds),
        )
        if row is not None:
            rows.append(row)
    reuse.keep()
    table = assemble_margin_table(period=period, rows=rows)
    reconciliation = reconcile(
        table.summary, org_revenue=inputs.org_revenue[period], org_cost=inputs.org_cost[period]
    )
    sync = sync_status(org=org, start=period.bounds[0], end=period.bounds[1]) if with_sync else None
    return MarginReport(table, reconciliation, sync, thresholds)


def margin_inputs(
    *, org: Organization, months: Sequence[Month], totals: TotalsRead | None = None
) -> MarginInputs:
    """Monthly amounts of every mapped tag value, in a fixed number of queries whatever their number.

    `totals`: the monthly totals and versions of these months just read by `margins.totals.read`
    (PostgreSQL, outside transactions); without them, the totals are read here.
    The customers are the same objects as in this process's previous read of the org's months
    when nothing about them changed, which lets `margin_report` reuse their rows.
    """
    if totals is None:
        cost = monthly_cost(org=org, months=months)
        revenue = monthly_revenue(org=org, months=months)
        links, names = counting_links_kept(org=org), _stripe_names(org)
    else:
        cost, revenue = totals.cost, totals.revenue
        links = counting_links_kept(org=org, version=totals.mappings_version)
        names = _stripe_names(org, totals.stripe_version)
    reuse = _customer_reads.round(f"{org.pk}:{','.join(map(str, months))}")
    customers = _customers(links, months, cost, revenue, names, reuse)
    reuse.keep()
    return MarginInputs(
        months=tuple(months),
        customers=customers,
        org_revenue=_totals(months, revenue) if totals is None else _per_month(months, totals.org_revenue),
        org_cost=_totals(months, cost) if totals is None else _per_month(months, totals.org_cost),
    )


def margin_customer_detail(
    *, org: Organization, tag_value: str, period: Month | None = None, as_of: datetime
) -> CustomerDetail | None:
    """One mapped tag value's margin row, six months of revenue and cost, and its cost breakdowns.

    None when the tag value has no mapping that counts in margins (in this org).
    """
    period = period or month_of(as_of)
    months = period.months_back(REVENUE_OVER_TIME_MONTHS)
    sids = mapping_selectors.counting_links(org=org, tag_value=tag_value).get(tag_value)
    if not sids:
        return None
    cost = monthly_cost(org=org, months=months, external_ids=[tag_value])
    revenue = monthly_revenue(org=org, months=months, stripe_ids=sids)
    names = stripe_customer_names(org=org, stripe_ids=sids)
    (customer,) = _customers({tag_value: sids}, months, cost, revenue, names)
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


def margin_rows_of(
    *, org: Organization, period: Month, totals: TotalsRead, tags: Iterable[str]
) -> dict[str, MarginRow | None]:
    """The rows of some tag values, computed as `margin_report` does, from totals just read.

    To bring a table up to date when only these tag values' amounts changed. None for a tag
    value without a mapping that counts or without revenue and cost in the period.
    """
    links = counting_links_kept(org=org, version=totals.mappings_version)
    names = _stripe_names(org, totals.stripe_version)
    wanted = {tag: links[tag] for tag in tags if tag in links}
    months = period.months_back(SPARKLINE_MONTHS)
    thresholds = org_thresholds(org)
    rows: dict[str, MarginRow | None] = dict.fromkeys(tags)
    for customer in _customers(wanted, months, totals.cost, totals.revenue, names):
        row = compute_customer_row(period=period, customer=customer, thresholds=thresholds)
        rows[customer.tag_value] = row
    return rows


def tags_of_stripe_ids(*, org: Organization, totals: TotalsRead, stripe_ids: Iterable[str]) -> set[str]:
    """The tag values the Stripe customers are mapped to (by mappings that count)."""
    version = totals.mappings_version
    tag_of = memo.read_through(
        name="margins:tag-of-stripe-id",
        org=org,
        model=CustomerMapping,
        read=lambda: {
            sid: tag for tag, sids in counting_links_kept(org=org, version=version).items() for sid in sids
        },
        version=version,
    )
    return {tag_of[sid] for sid in stripe_ids if sid in tag_of}


# Per process: the customers of the last read of each org's months, and the rows computed from them.
_customer_reads = memo.Reuse(16)
_rows = memo.Reuse(16)


def counting_links_kept(*, org: Organization, version: str | None = None) -> dict[str, tuple[str, ...]]:
    """`mappings.selectors.counting_links`, kept by this process while the org's mapping rows are unchanged.

    Mappings change by hand, cost by the second. `version`: the mappings' rows version when just read.
    """
    return memo.read_through(
        name="margins:links",
        org=org,
        model=CustomerMapping,
        read=lambda: mapping_selectors.counting_links(org=org),
        version=version,
    )


def _stripe_names(org: Organization, version: str | None = None) -> dict[str, str]:
    return memo.read_through(
        name="margins:stripe-names",
        org=org,
        model=StripeCustomer,
        read=lambda: stripe_customer_names(org=org),
        version=version,
    )


def _customers(
    links: Mapping[str, tuple[str, ...]],
    months: Sequence[Month],
    cost: Mapping[str, tuple[int, ...]],
    revenue: Mapping[str, tuple[int, ...]],
    names: Mapping[str, str],
    reuse: memo.ReuseRound | None = None,
) -> tuple[CustomerMonthly, ...]:
    zeros = (0,) * len(months)
    customers = []
    for tag, sids in links.items():
        if len(sids) == 1:
            lead, amounts = sids[0], revenue.get(sids[0], zeros)
        else:
            lead, amounts = _lead_stripe_customer(sids, revenue, zeros), _summed(sids, revenue, zeros)
        facts = (lead, names.get(lead) or None, amounts, cost.get(tag, zeros))
        build = partial(_customer, tag, months, facts)
        customers.append(reuse.value(tag, facts, build) if reuse is not None else build())
    return tuple(customers)


def _customer(
    tag: str, months: Sequence[Month], facts: tuple[str, str | None, tuple[int, ...], tuple[int, ...]]
) -> CustomerMonthly:
    lead, name, revenue, cost = facts
    return CustomerMonthly(
        tag_value=tag,
        stripe_customer_id=lead,
        customer_name=name,
        avatar_url=None,
        monthly=_monthly(months, revenue, cost),
    )


def _lead_stripe_customer(sids: Sequence[str], revenue: Mapping[str, tuple[int, ...]], zeros: tuple) -> str:
    """The Stripe customer a row names: the most revenue in the last month, then the smallest id.

    Several Stripe customers may map to one tag value (one company, two Stripe accounts); their
    revenue adds up in the row, and the same data always names the same one of them.
    """
    return min(sids, key=lambda sid: (-revenue.get(sid, zeros)[-1], sid))


def _summed(sids: Sequence[str], revenue: Mapping[str, tuple[int, ...]], zeros: tuple) -> tuple[int, ...]:
    return tuple(sum(column) for column in zip(*(revenue.get(sid, zeros) for sid in sids), strict=True))


def _monthly(
    months: Sequence[Month], revenue: tuple[int, ...], cost: tuple[int, ...]
) -> dict[Month, MonthAmounts]:
    return {month: MonthAmounts(r, c) for month, r, c in zip(months, revenue, cost, strict=True) if r or c}


def _per_month(months: Sequence[Month], amounts: Sequence[int]) -> dict[Month, int]:
    return dict(zip(months, amounts, strict=True))


def _totals(months: Sequence[Month], amounts: Mapping[str, tuple[int, ...]]) -> dict[Month, int]:
    columns = list(zip(*amounts.values(), strict=True)) or [()] * len(months)
    return {month: sum(column) for month, column in zip(months, columns, strict=True)}


def margin_inputs_version(*, org: Organization, months: Sequence[Month]) -> str:
    """A token that changes whenever anything the margin table of these months is read from changes.

    What `margin_inputs` reads: the org's mappings, its Stripe customers (names) and its monthly
    cost and revenue rows of the months; for each, their row versions (see margins/memo.py).
    PostgreSQL only, outside transactions (`memo.versions_possible()`).
    """
    return read_totals(org=org, months=months).version
