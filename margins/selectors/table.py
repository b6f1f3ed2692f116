"""The margin table: the one place its numbers are assembled.

The JSON API, the CSV export, the dashboard and the margin alerts all read them from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

from billing.models import StripeCustomer
from billing.selectors import (
    SyncStatus,
    revenue_by_customer_through,
    revenue_total,
    stripe_customer_names,
    sync_status,
)
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
    MonthProgress,
    PeriodAmounts,
    Reconciliation,
    SparkPoint,
    TierThresholds,
    assemble_margin_table,
    build_sparkline,
    compute_customer_row,
    month_progress,
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
    progress: MonthProgress | None = None  # of the last month, as of the day read for


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


def margin_table(
    *,
    org: Organization,
    period: Month | None = None,
    as_of: datetime,
    with_sync: bool = True,
    totals: TotalsRead | None = None,
) -> MarginReport:
    """The margin table of `period` (default: the UTC month of `as_of`), reconciled with org totals.

    A month compares the same days on both sides: revenue recognized on its days up to and
    including `as_of`'s UTC day (billing spreads each invoice line over its service period)
    against the cost incurred on them; a finished month counts all its days. A month in progress
    also gets its month-end projection (docs/month-in-progress.md). `with_sync=False` leaves the
    sync state unread (None), for callers that read it themselves; `totals`: see `margin_inputs`.
    """
    period = period or month_of(as_of)
    months = period.months_back(SPARKLINE_MONTHS)
    inputs = margin_inputs(org=org, months=months, totals=totals, as_of=utc_day(as_of))
    return margin_report(org=org, period=period, inputs=inputs, with_sync=with_sync)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def margin_report(
    *, org: Organization, period: Month, inputs: MarginInputs, with_sync: bool = True
) -> MarginReport:
    """The table of one of the months of `inputs` (the alerts compute two months from one read).

    Rows are computed again only for the customers whose amounts, name or thresholds changed
    since this process last computed the same org's month (see `memo.Reuse`): with cost
    arriving all day, most of 10,000 rows are the same from one request to the next.
    """
    thresholds = org_thresholds(org)
    progress = inputs.progress
    if progress is None or progress.period != period:
        # An earlier month of the inputs (the alerts' last month): finished, every day counts.
        progress = month_progress(period, period.next().first_day)
    months = ",".join(map(str, inputs.months))
    reuse = _rows.round(f"{org.pk}:{period}:{thresholds}:{months}:{progress and progress.as_of}")
    rows = []
    for customer in inputs.customers:
        row = reuse.value(
            customer.tag_value,
            customer,
            lambda c=customer: compute_customer_row(
                period=period, customer=c, thresholds=thresholds, progress=progress
            ),
        )
        if row is not None:
            rows.append(row)
    reuse.keep()
    table = assemble_margin_table(period=period, rows=rows, progress=progress, thresholds=thresholds)
    reconciliation = reconcile(
        table.summary, org_revenue=inputs.org_revenue[period], org_cost=inputs.org_cost[period]
    )
    sync = sync_status(org=org) if with_sync else None
    return MarginReport(table, reconciliation, sync, thresholds)


def margin_inputs(
    *,
    org: Organization,
    months: Sequence[Month],
    totals: TotalsRead | None = None,
    as_of: date | None = None,
) -> MarginInputs:
    """Monthly amounts of every mapped tag value, in a fixed number of queries whatever their number.

    `totals`: the monthly totals and versions of these months just read by `margins.totals.read`
    (PostgreSQL, outside transactions); without them, the totals are read here.
    `as_of` (a UTC day): when the last month is in progress on that day, its revenue is that of
    its counted days, and the whole month's is kept beside it (one more query).
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
    org_revenue = _totals(months, revenue) if totals is None else _per_month(months, totals.org_revenue)
    progress, whole = None, None
    if as_of is not None and (progress := month_progress(months[-1], as_of)).is_partial:
        revenue, whole = counted_revenue(org=org, progress=progress, revenue=revenue)
        org_revenue[months[-1]] = sum(amounts[-1] for amounts in revenue.values())
    reuse = _customer_reads.round(f"{org.pk}:{','.join(map(str, months))}")
    customers = _customers(links, months, cost, revenue, names, reuse, whole)
    reuse.keep()
    return MarginInputs(
        months=tuple(months),
        customers=customers,
        org_revenue=org_revenue,
        org_cost=_totals(months, cost) if totals is None else _per_month(months, totals.org_cost),
        progress=progress,
    )


def counted_revenue(
    *,
    org: Organization,
    progress: MonthProgress,
    revenue: Mapping[str, tuple[int, ...]],
    stripe_ids: Iterable[str] | None = None,
) -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """`revenue` (per Stripe id, one amount per month, the last month in progress) with the last
    month's amount cut to its counted days, and the whole month's amounts it had.

    Reads the fewer days: the counted ones, or the rest of the month to take away from the whole.
    `stripe_ids`: when `revenue` holds only these Stripe customers.
    """
    whole = {sid: amounts[-1] for sid, amounts in revenue.items()}
    start, end = progress.period.bounds
    if progress.counted_days <= progress.days_left:
        read = revenue_by_customer_through(
            org=org, start=start, last_day=progress.counted_end - _ONE_DAY, stripe_ids=stripe_ids
        )
        counted = {sid: read.get(sid, 0) for sid in whole}
    else:
        rest = revenue_by_customer_through(
            org=org, start=progress.counted_end, last_day=end - _ONE_DAY, stripe_ids=stripe_ids
        )
        counted = {sid: amount - rest.get(sid, 0) for sid, amount in whole.items()}
    cut = {sid: (*amounts[:-1], counted[sid]) for sid, amounts in revenue.items()}
    return cut, whole


def org_counted_revenue(*, org: Organization, progress: MonthProgress, whole: int) -> int:
    """The org's revenue on the counted days of a month in progress, all Stripe customers, from the
    whole month's (`whole`), reading the fewer days as `counted_revenue` does."""
    start, end = progress.period.bounds
    if progress.counted_days <= progress.days_left:
        return revenue_total(org=org, start=start, end=progress.counted_end)
    return whole - revenue_total(org=org, start=progress.counted_end, end=end)


_ONE_DAY = timedelta(days=1)


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
    progress, whole = month_progress(period, utc_day(as_of)), None
    if progress.is_partial:
        revenue, whole = counted_revenue(org=org, progress=progress, revenue=revenue, stripe_ids=sids)
    names = stripe_customer_names(org=org, stripe_ids=sids)
    (customer,) = _customers({tag_value: sids}, months, cost, revenue, names, whole=whole)
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


def margin_rows_of(
    *,
    org: Organization,
    period: Month,
    totals: TotalsRead,
    tags: Iterable[str],
    progress: MonthProgress | None = None,
) -> dict[str, MarginRow | None]:
    """The rows of some tag values, computed as `margin_report` does, from totals just read.

    To bring a table up to date when only these tag values' amounts changed. None for a tag
    value without a mapping that counts or without revenue and cost in the period.
    `progress`: of the period when it is in progress (its revenue is cut to the counted days).
    """
    links = counting_links_kept(org=org, version=totals.mappings_version)
    names = _stripe_names(org, totals.stripe_version)
    wanted = {tag: links[tag] for tag in tags if tag in links}
    months = period.months_back(SPARKLINE_MONTHS)
    thresholds = org_thresholds(org)
    revenue, whole = totals.revenue, None
    if progress is not None:
        sids = {sid for tag_sids in wanted.values() for sid in tag_sids}
        revenue = {sid: totals.revenue[sid] for sid in sids if sid in totals.revenue}
        revenue, whole = counted_revenue(org=org, progress=progress, revenue=revenue, stripe_ids=sids)
    rows: dict[str, MarginRow | None] = dict.fromkeys(tags)
    for customer in _customers(wanted, months, totals.cost, revenue, names, whole=whole):
        row = compute_customer_row(period=period, customer=customer, thresholds=thresholds, progress=progress)
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
    whole: Mapping[str, int] | None = None,
) -> tuple[CustomerMonthly, ...]:
    """`whole`: the last month's whole revenue per Stripe id, when `revenue` holds its counted days."""
    zeros = (0,) * len(months)
    customers = []
    for tag, sids in links.items():
        if len(sids) == 1:
            lead, amounts = sids[0], revenue.get(sids[0], zeros)
        else:
            lead, amounts = _lead_stripe_customer(sids, revenue, zeros), _summed(sids, revenue, zeros)
        for_month = None if whole is None else sum(whole.get(sid, 0) for sid in sids)
        facts = (lead, names.get(lead) or None, amounts, cost.get(tag, zeros), for_month)
        build = partial(_customer, tag, months, facts)
        customers.append(reuse.value(tag, facts, build) if reuse is not None else build())
    return tuple(customers)


def _customer(
    tag: str,
    months: Sequence[Month],
    facts: tuple[str, str | None, tuple[int, ...], tuple[int, ...], int | None],
) -> CustomerMonthly:
    lead, name, revenue, cost, for_month = facts
    return CustomerMonthly(
        tag_value=tag,
        stripe_customer_id=lead,
        customer_name=name,
        avatar_url=None,
        monthly=_monthly(months, revenue, cost, for_month),
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
    months: Sequence[Month], revenue: tuple[int, ...], cost: tuple[int, ...], for_month: int | None = None
) -> dict[Month, MonthAmounts]:
    """`for_month`: the last month's whole revenue when it is in progress (its `revenue` is to date)."""
    monthly = {month: MonthAmounts(r, c) for month, r, c in zip(months, revenue, cost, strict=True) if r or c}
    if for_month is not None:
        last = monthly.get(months[-1], MonthAmounts())
        monthly[months[-1]] = MonthAmounts(last.revenue, last.cost, for_month)
    return monthly


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
