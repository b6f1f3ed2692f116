"""One customer's margin row: its monthly amounts, tier, sparkline and projection.

Selectors gather facts into the input dataclasses (`MonthAmounts`, `CustomerMonthly`), the API
layer serialises the output ones (`MarginRow`, `SparkPoint`, `PeriodAmounts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from margins.calculations.periods import Month
from margins.calculations.progress import MonthProgress, Projection, project_month
from margins.calculations.tiers import (
    Tier,
    TierThresholds,
    budget_suggestion,
    margin_percent,
    round_percent,
    tier_for_percent,
    tier_worsened,
)

SPARKLINE_MONTHS = 3
REVENUE_OVER_TIME_MONTHS = 6

_HALF = Decimal("0.5")
_FLOOR_PERCENT = round_percent(Decimal(-100))


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


@dataclass(frozen=True)
class SparkPoint:
    period: Month
    margin_percent: Decimal
    projected: bool = False


@dataclass(frozen=True)
class MarginRow:
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


def _point_percent(amounts: MonthAmounts) -> Decimal:
    # Cost (or a net refund) with no income is drawn at -100, the floor of the chart, rather
    # than a 0 that would look like break-even.
    if amounts.has_no_income:
        return _FLOOR_PERCENT
    return margin_percent(amounts.revenue, amounts.cost)


def build_sparkline(*, period: Month, monthly: Mapping[Month, MonthAmounts]) -> tuple[SparkPoint, ...]:
    """The period and the two months before it, then a projected next month.

    A month with neither revenue nor cost has no margin, so its point is omitted, and a
    line through fewer than three months is not trusted: no projection then. The line goes
    through the rounded points so anyone can redo it from the chart.
    """
    points: list[SparkPoint] = []
    for month in period.months_back(SPARKLINE_MONTHS):
        amounts = monthly.get(month)
        if amounts is not None and not amounts.is_empty:
            points.append(SparkPoint(month, _point_percent(amounts)))
    if len(points) == SPARKLINE_MONTHS:
        projected = project_next([point.margin_percent for point in points])
        points.append(SparkPoint(_next_month(period), projected, projected=True))
    return tuple(points)


@lru_cache(maxsize=64)
def _next_month(month: Month) -> Month:
    # Every row of a table projects into the same month; build it once.
    return month.next()


def _projection_worsens(sparkline: Sequence[SparkPoint], current: Tier, thresholds: TierThresholds) -> bool:
    last = sparkline[-1]
    if not last.projected:
        return False
    return tier_worsened(current, tier_for_percent(last.margin_percent, thresholds))


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
    amounts = customer.amounts(period)
    if amounts.is_empty:
        return None
    percent = margin_percent(amounts.revenue, amounts.cost)
    tier = _tier(amounts, percent, thresholds)
    sparkline = build_sparkline(period=period, monthly=customer.monthly)
    return MarginRow(
        tag_value=customer.tag_value,
        stripe_customer_id=customer.stripe_customer_id,
        customer_name=customer.customer_name,
        avatar_url=customer.avatar_url,
        revenue=amounts.revenue,
        cost=amounts.cost,
        margin=amounts.revenue - amounts.cost,
        margin_percent=percent,
        health_tier=tier,
        sparkline=sparkline,
        projected_tier_worsening=_projection_worsens(sparkline, tier, thresholds),
        budget_suggestion=budget_suggestion(revenue=amounts.revenue, tier=tier, thresholds=thresholds),
        projection=_projection(amounts, progress, thresholds),
    )


def _projection(
    amounts: MonthAmounts, progress: MonthProgress | None, thresholds: TierThresholds
) -> Projection | None:
    if progress is None or not progress.is_partial:
        return None
    whole = amounts.revenue if amounts.revenue_for_month is None else amounts.revenue_for_month
    return project_month(
        revenue_for_month=whole, cost_to_date=amounts.cost, progress=progress, thresholds=thresholds
    )


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
