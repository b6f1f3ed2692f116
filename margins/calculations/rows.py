"""One customer's margin row: its monthly amounts, tier, sparkline and projection.

Selectors gather facts into the input dataclasses (`MonthAmounts`, `CustomerMonthly`), the API
layer serialises the output ones (`MarginRow`, `SparkPoint`, `PeriodAmounts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from margins.calculations.periods import Month
from margins.calculations.progress import MonthProgress, Projection, project_cost, projection_of
from margins.calculations.tiers import (
    Tier,
    TierBounds,
    TierThresholds,
    budget_suggestion,
    divided_half_up,
    margin_hundredths,
    margin_percent,
    margin_tier,
    round_percent,
    tier_bounds,
    tier_for_hundredths,
    tier_for_percent,
)

SPARKLINE_MONTHS = 3
REVENUE_OVER_TIME_MONTHS = 6

_HALF = Decimal("0.5")
_new_row = tuple.__new__  # a NamedTuple made without its Python __new__ (see rank_rows)


@dataclass(frozen=True)
class MonthAmounts:
    """Recognised net revenue and AI cost of one customer in one month, in micro-units.

    Net revenue may be negative: a credit note larger than the month's invoices. Such a
    month, like one with cost and no revenue, has no positive revenue to divide by; see
    `has_no_income`. Nothing here raises on amounts read from the database.

    For the month in progress, `revenue` and `cost` are those of its counted days (see
    calculations.progress) and `revenue_for_month` is what is recognized for the whole month;
    None otherwise.
    """

    revenue: int = 0
    cost: int = 0
    revenue_for_month: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.revenue == 0 and self.cost == 0

    @property
    def has_no_income(self) -> bool:
        """Something happened this month but nothing was earned: the critical case."""
        return self.revenue <= 0 and not self.is_empty


_NO_AMOUNTS = MonthAmounts()


@dataclass(frozen=True)
class CustomerMonthly:
    """One mapped cost-side customer (a tag value) with its monthly amounts.

    `revenue` in each month is already the sum over every Stripe customer mapped to the tag.
    """

    tag_value: str
    stripe_customer_id: str
    customer_name: str | None
    avatar_url: str | None
    monthly: Mapping[Month, MonthAmounts]

    def amounts(self, period: Month) -> MonthAmounts:
        return self.monthly.get(period, _NO_AMOUNTS)


class SparkPoint(NamedTuple):
    # Tuples, as MarginRow: a 10,000-row table builds 50,000 of them per request.
    period: Month
    margin_percent: Decimal
    projected: bool = False


class MarginRow(NamedTuple):
    tag_value: str
    stripe_customer_id: str
    customer_name: str | None
    avatar_url: str | None
    revenue: int
    cost: int
    margin: int
    margin_percent: Decimal
    health_tier: Tier
    sparkline: tuple[SparkPoint, ...]
    projected_tier_worsening: bool
    budget_suggestion: int | None
    projection: Projection | None = None  # month end, for the month in progress only


@dataclass(frozen=True)
class PeriodAmounts:
    period: Month
    revenue: int
    cost: int


def health_tier(amounts: MonthAmounts, thresholds: TierThresholds) -> Tier:
    """Tier of a month's amounts, judged on the rounded percent so badge and number agree."""
    return _tier(amounts, margin_percent(amounts.revenue, amounts.cost), thresholds)


def _tier(amounts: MonthAmounts, percent: Decimal, thresholds: TierThresholds) -> Tier:
    # The percent is 0 without positive revenue, which could read as at-risk; spending (or
    # refunding) with no income is the worst case.
    if amounts.has_no_income:
        return Tier.CRITICAL
    return tier_for_percent(percent, thresholds)


def project_next(values: Sequence[Decimal]) -> Decimal:
    """Least-squares line through (0, v0) ... (n-1, vn-1), evaluated at x = n."""
    count = len(values)
    if count < 2:
        raise ValueError("a line needs at least two points")
    weights, reach = _line_weights(count)
    # slope = sum(w_x * y_x) because the weights sum to zero; the line passes through the means.
    total = slope = Decimal(0)
    for weight, y in zip(weights, values, strict=True):
        total += y
        slope += weight * y
    return round_percent(total / count + slope * reach)


@lru_cache(maxsize=16)
def _line_weights(count: int) -> tuple[tuple[Decimal, ...], Decimal]:
    """Per-point slope weights (x - x_mean) / spread, and the distance from x_mean to x = count.

    For three points they are exactly -1/2, 0, 1/2 and 2, so nothing is lost to division.
    """
    x_mean = Decimal(count - 1) * _HALF
    spread = sum((Decimal(x) - x_mean) ** 2 for x in range(count))
    return tuple((Decimal(x) - x_mean) / spread for x in range(count)), count - x_mean


# --- the hot loop: integers ------------------------------------------------------------------
# A table computes 10,000 rows per request, so a row is computed on plain tuples in integer
# hundredths of a percent (`margin_hundredths` and its kin in tiers), and Decimals are made only
# for the values a row keeps. Each result equals the Decimal formula of `margin_percent` /
# `project_next` rounded by `round_percent` (half up, ties away from zero).

_FLOOR_HUNDREDTHS = -10_000  # -100.00 %
_CRITICAL = Tier.CRITICAL


@lru_cache(maxsize=16_384)
def _as_percent(hundredths: int) -> Decimal:
    # A table makes one per row, of a few thousand values (most margins lie within +-100.00 %):
    # a Decimal is immutable, so one made once serves every row and request that has its value.
    return Decimal(hundredths).scaleb(-2)


def projection_hundredths(
    revenue: int, cost: int | None, bounds: TierBounds
) -> tuple[int | None, Tier | None]:
    """`projection_of`'s margin percent, in integer hundredths, and tier, from the table's `bounds`
    (None, None without a projected cost). The percent is `margin_percent`'s but for the sign of
    a zero: `margin_percent` rounds a loss under 0.005 % to -0.00."""
    if cost is None:
        return None, None
    if not revenue and not cost:
        return 0, None
    return margin_tier(revenue, cost, bounds)


def _spark_values(revenue: Sequence[int], cost: Sequence[int]) -> tuple[list[int | None], int | None]:
    """`build_sparkline` in integer hundredths: the value of each of the SPARKLINE_MONTHS ending with
    the period (None for a month with neither revenue nor cost: no point), and the projected value
    of the next month (None without a projection)."""
    if len(revenue) != len(cost):
        raise ValueError("a sparkline needs as many months of cost as of revenue")
    values = list(map(_spark_value, revenue, cost))  # map: no comprehension frame per row
    if len(values) < SPARKLINE_MONTHS or None in values:
        return values, None
    # The least-squares line through three points at x = 0, 1, 2, read at x = 3:
    # mean + 2 x slope = (v0 + v1 + v2) / 3 + (v2 - v0) = (-2 v0 + v1 + 4 v2) / 3.
    v0, v1, v2 = values
    return values, divided_half_up(4 * v2 + v1 - 2 * v0, 3)


def _spark_value(revenue: int, cost: int) -> int | None:
    # A month's point: its margin, -100 % when it spent (or refunded) without income, none when idle.
    if revenue > 0:
        return margin_hundredths(revenue, cost)
    return _FLOOR_HUNDREDTHS if revenue or cost else None


def _spark_points(
    months: Sequence[Month], values: list[int | None], projected: int | None, next_month: Month
) -> tuple[SparkPoint, ...]:
    points = [
        SparkPoint(month, _as_percent(value))
        for month, value in zip(months, values, strict=True)
        if value is not None
    ]
    if projected is not None:
        points.append(SparkPoint(next_month, _as_percent(projected), True))
    return tuple(points)


class RowFigures(NamedTuple):
    """A row's figures that the whole table reads: sums, counts, filters, sort keys and the CSV.

    The first nine fields are `MarginRow`'s, so a surface filters and sorts either the same way.
    The rest is what `RankedRows.complete` turns into the row's sparkline, projection and budget
    suggestion, which a surface computes only for the rows it shows.
    """

    tag_value: str
    stripe_customer_id: str
    customer_name: str | None
    avatar_url: str | None
    revenue: int
    cost: int
    margin: int
    margin_percent: Decimal
    health_tier: Tier
    hundredths: int  # margin_percent in integer hundredths
    spark_revenue: Sequence[int]  # the SPARKLINE_MONTHS ending with the period
    spark_cost: Sequence[int]
    projected_revenue: int | None  # month end, for the month in progress only
    projected_cost: int | None  # None also when no day counts yet


# What completes a row but its month-end projection: its sparkline's values in hundredths, one
# per month of `spark_months` (None: no point), and the projected next month's value (None
# without one), whether that projection is a worse tier, and the budget suggestion (a critical
# row's monthly cost at the healthy threshold, from the month's revenue).
RowDetails = tuple[list[int | None], int | None, bool, int | None]

# Severities read from a dict: `Tier.severity` is a property, a Python call per row.
_SEVERITY = {tier: tier.severity for tier in Tier}


@dataclass(frozen=True, slots=True)
class RankedRows:
    """The rows of a month worst first (`figures`), and what completes any of them."""

    figures: list[RowFigures]
    spark_months: tuple[Month, ...]
    thresholds: TierThresholds
    bounds: TierBounds

    @property
    def next_month(self) -> Month:
        """The month each row's sparkline projects into."""
        return _next_month(self.spark_months[-1])

    def details(self, figure: RowFigures) -> RowDetails:
        """What completes a row of `figures` but its projection, in integers (see `RowDetails`)."""
        values, projected = _spark_values(figure.spark_revenue, figure.spark_cost)
        tier = figure.health_tier
        worsens = (
            projected is not None and _SEVERITY[tier_for_hundredths(projected, self.bounds)] > _SEVERITY[tier]
        )
        suggestion = None
        if tier is _CRITICAL:
            month_revenue = _month_revenue(figure)
            suggestion = budget_suggestion(revenue=month_revenue, tier=tier, thresholds=self.thresholds)
        return values, projected, worsens, suggestion

    def projection(self, figure: RowFigures) -> Projection | None:
        """The row's month-end projection (a month in progress's rows only)."""
        if figure.projected_revenue is None:
            return None
        return projection_of(
            revenue=figure.projected_revenue, cost=figure.projected_cost, thresholds=self.thresholds
        )

    def complete(self, figures: Iterable[RowFigures]) -> list[MarginRow]:
        """Each row of `figures` (some of this table's) with its sparkline, projection and suggestion."""
        rows, months, next_month = [], self.spark_months, self.next_month
        for figure in figures:
            values, projected, worsens, suggestion = self.details(figure)
            sparkline = _spark_points(months, values, projected, next_month)
            rows.append(MarginRow(*figure[:9], sparkline, worsens, suggestion, self.projection(figure)))
        return rows


def _month_revenue(figure: RowFigures) -> int:
    # A budget caps a whole month's spend, so its suggestion divides the month's revenue: in the
    # month in progress, what is recognized for the whole month, not the counted days' share of it
    # (a cap from six days' revenue would block the customer in its first week).
    ahead = figure.projected_revenue
    return figure.revenue if ahead is None else ahead


def rank_rows(
    *,
    months: Sequence[Month],
    customers: Iterable[tuple[str, str, str | None, Sequence[int], Sequence[int]]],
    thresholds: TierThresholds,
    projection: tuple[MonthProgress, Mapping[str, int] | None] | None = None,
) -> RankedRows:
    """The figures of the rows of the last of `months` (the period), worst margin first (`worst_first`).

    `customers`: (tag value, Stripe customer id, name, revenue per month, cost per month), the
    amounts in the order of `months`, oldest first. A customer with neither revenue nor cost in
    the period has no row.

    `projection`: for a month in progress, its progress and each tag value's revenue recognized
    for the whole month (the period's amounts are those of its counted days); each row then
    carries its month-end revenue and cost (docs/month-in-progress.md).
    """
    bounds, last = tier_bounds(thresholds), -SPARKLINE_MONTHS
    progress, whole = projection if projection is not None and projection[0].is_partial else (None, None)
    whole = whole or {}
    rows = []  # RowFigures
    for tag, stripe_id, name, revenue, cost in customers:
        r, c = revenue[-1], cost[-1]
        if not r and not c:
            continue
        value, tier = margin_tier(r, c, bounds)
        ahead_revenue = ahead_cost = None
        if progress is not None:
            ahead_revenue, ahead_cost = whole.get(tag, r), project_cost(c, progress)
        # tuple.__new__ is RowFigures(...) without the Python call of a NamedTuple's __new__.
        figures = _new_row(
            RowFigures,
            (
                tag,
                stripe_id,
                name,
                None,
                r,
                c,
                r - c,
                _as_percent(value),
                tier,
                value,
                revenue[last:],
                cost[last:],
                ahead_revenue,
                ahead_cost,
            ),
        )
        rows.append(figures)
    if len(set(map(_TAG, rows))) != len(rows):
        raise ValueError("each tag value may appear only once in a margin table")
    for key in _WORST_FIRST_KEYS:  # no key tuple per row: 10,000 fewer objects to collect
        rows.sort(key=key)
    return RankedRows(rows, tuple(months[last:]), thresholds, bounds)


# `worst_first` of RowFigures (percent, then margin, then tag, unique: a total order) as one stable
# sort per key, the last key first; the keys are read in C.
_TAG = attrgetter("tag_value")
_WORST_FIRST_KEYS = (_TAG, attrgetter("margin"), attrgetter("hundredths"))


def margin_rows(
    *,
    months: Sequence[Month],
    customers: Iterable[tuple[str, str, str | None, Sequence[int], Sequence[int]]],
    thresholds: TierThresholds,
    projection: tuple[MonthProgress, Mapping[str, int] | None] | None = None,
) -> list[MarginRow]:
    """Every row of `rank_rows`, completed: the same rows as `compute_customer_row`, in integers."""
    ranked = rank_rows(months=months, customers=customers, thresholds=thresholds, projection=projection)
    return ranked.complete(ranked.figures)


def monthly_series(months: Sequence[Month], monthly: Mapping[Month, MonthAmounts]) -> tuple[list, list]:
    """The revenue and the cost of each of `months`, zeros where there is nothing."""
    amounts = [monthly.get(month, _NO_AMOUNTS) for month in months]
    return [a.revenue for a in amounts], [a.cost for a in amounts]


def _amounts(period: Month, monthly: Mapping[Month, MonthAmounts]) -> tuple[tuple[Month, ...], list, list]:
    months = period.months_back(SPARKLINE_MONTHS)
    return months, *monthly_series(months, monthly)


def build_sparkline(*, period: Month, monthly: Mapping[Month, MonthAmounts]) -> tuple[SparkPoint, ...]:
    """The period and the two months before it, then a projected next month.

    A month with neither revenue nor cost has no margin, so its point is omitted, and a
    line through fewer than three months is not trusted: no projection then. The line goes
    through the rounded points so anyone can redo it from the chart.
    """
    months, revenue, cost = _amounts(period, monthly)
    return _spark_points(months, *_spark_values(revenue, cost), _next_month(period))


@lru_cache(maxsize=64)
def _next_month(month: Month) -> Month:
    # Every row of a table projects into the same month; build it once.
    return month.next()


def compute_customer_row(
    *,
    period: Month,
    customer: CustomerMonthly,
    thresholds: TierThresholds,
    progress: MonthProgress | None = None,
) -> MarginRow | None:
    """The customer's margin row for the period, or None when it had neither revenue nor cost.

    The amounts are those of the period's counted days; with `progress` of a month in progress,
    the row also carries the month-end projection.
    """
    months, revenue, cost = _amounts(period, customer.monthly)
    facts = (customer.tag_value, customer.stripe_customer_id, customer.customer_name, revenue, cost)
    projection = None
    if progress is not None:
        whole = customer.amounts(period).revenue_for_month
        projection = (progress, {} if whole is None else {customer.tag_value: whole})
    rows = margin_rows(months=months, customers=[facts], thresholds=thresholds, projection=projection)
    if not rows:
        return None
    return rows[0] if customer.avatar_url is None else rows[0]._replace(avatar_url=customer.avatar_url)


def revenue_over_time(
    *,
    period: Month,
    monthly: Mapping[Month, MonthAmounts],
    months: int = REVENUE_OVER_TIME_MONTHS,
) -> tuple[PeriodAmounts, ...]:
    """Revenue and cost for the `months` months up to the period, zeros where no data."""
    series = []
    for month in period.months_back(months):
        amounts = monthly.get(month, _NO_AMOUNTS)
        series.append(PeriodAmounts(month, amounts.revenue, amounts.cost))
    return tuple(series)
