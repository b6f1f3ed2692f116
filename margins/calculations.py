"""Per-customer margin arithmetic for one calendar month.

Pure: no ORM, no clock, no I/O. Selectors gather facts into the input dataclasses, the API
layer serialises the output ones. Every amount is integer micro-units of the org's reporting
currency; every percentage is a Decimal rounded by `round_percent` and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

MICROS_PER_UNIT = 1_000_000
MICROS_PER_CENT = 10_000
SPARKLINE_MONTHS = 3
REVENUE_OVER_TIME_MONTHS = 6

_HUNDRED = Decimal(100)
_HUNDREDTH = Decimal("0.01")
_ONE = Decimal(1)
_HALF = Decimal("0.5")
# [0-9], not \d: \d also accepts non-ASCII digits such as "٢٠٢٦".
_PERIOD_RE = re.compile(r"([0-9]{4})-([0-9]{2})")


class InvalidPeriod(ValueError):
    """A period that is not a calendar month written as YYYY-MM."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; ordering is chronological."""

    year: int
    month: int

    def __post_init__(self) -> None:
        # Years 1..9999 are the ones `date` can hold, so every Month converts to dates.
        if not (1 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise InvalidPeriod(f"not a calendar month: year={self.year} month={self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Strict YYYY-MM: "2026-4", "26-04" and "2026-13" are all refused."""
        match = _PERIOD_RE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidPeriod(f"period must be YYYY-MM, got {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def previous(self) -> Month:
        return self.shifted(-1)

    def next(self) -> Month:
        return self.shifted(1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def bounds(self) -> tuple[date, date]:
        """Half-open [first day of this month, first day of the next month)."""
        return self.first_day, self.next().first_day

    def months_back(self, count: int) -> tuple[Month, ...]:
        """The `count` months ending with this one, oldest first."""
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        return _months_back(self, count)


@lru_cache(maxsize=256)
def _months_back(month: Month, count: int) -> tuple[Month, ...]:
    # A table asks every row for the same window; computing it once keeps 10,000 rows cheap.
    return tuple(month.shifted(offset) for offset in range(1 - count, 1))


class Tier(StrEnum):
    """Health tiers, declared from best to worst: the declaration order is the severity."""

    HEALTHY = "healthy"
    MODERATE = "moderate"
    AT_RISK = "at_risk"
    CRITICAL = "critical"

    @property
    def severity(self) -> int:
        """0 for healthy up to 3 for critical. Never compare tiers with `<`: that is str order."""
        return _SEVERITY[self]


_SEVERITY = {tier: index for index, tier in enumerate(Tier)}


def tier_worsened(previous: Tier, current: Tier) -> bool:
    return current.severity > previous.severity


@dataclass(frozen=True)
class TierThresholds:
    """An org's lower bounds, in percent, for each tier; below `at_risk` is critical."""

    healthy: Decimal = Decimal(50)
    moderate: Decimal = Decimal(20)
    at_risk: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        # Out-of-order bounds would make a tier unreachable; above 100 no customer is healthy
        # and the budget suggestion would be negative.
        if not (self.at_risk <= self.moderate <= self.healthy <= _HUNDRED):
            raise ValueError("thresholds must satisfy at_risk <= moderate <= healthy <= 100")


@dataclass(frozen=True)
class MonthAmounts:
    """Recognised net revenue and AI cost of one customer in one month, in micro-units.

    Net revenue may be negative: a credit note larger than the month's invoices. Such a
    month, like one with cost and no revenue, has no positive revenue to divide by; see
    `has_no_income`. Nothing here raises on amounts read from the database.
    """

    revenue: int = 0
    cost: int = 0

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


@dataclass(frozen=True)
class PeriodAmounts:
    period: Month
    revenue: int
    cost: int


def round_percent(value: Decimal) -> Decimal:
    """The one place a percentage is rounded: two decimals, ties away from zero."""
    return value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


_ZERO_PERCENT = round_percent(Decimal(0))
_FLOOR_PERCENT = round_percent(Decimal(-100))


def margin_percent(revenue: int, cost: int) -> Decimal:
    """(revenue - cost) / revenue x 100, or 0 when there is no positive revenue to divide by.

    Dividing by a negative net revenue would flip the sign of the result (a loss would read
    as a gain), so revenue <= 0 is treated like no revenue.
    """
    if revenue <= 0:
        return _ZERO_PERCENT
    # The default 28 significant digits keep the quotient exact far past the rounding digit
    # for any amount below 10**16 units, so rounding happens once, in round_percent.
    return round_percent(Decimal(revenue - cost) * _HUNDRED / Decimal(revenue))


def tier_for_percent(percent: Decimal, thresholds: TierThresholds) -> Tier:
    """The tier of a bare percentage (also used for projected points)."""
    if percent >= thresholds.healthy:
        return Tier.HEALTHY
    if percent >= thresholds.moderate:
        return Tier.MODERATE
    if percent >= thresholds.at_risk:
        return Tier.AT_RISK
    return Tier.CRITICAL


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


def budget_suggestion(*, revenue: int, tier: Tier, thresholds: TierThresholds) -> int | None:
    """Monthly cost that puts a critical customer back at the healthy threshold.

    revenue x (1 - healthy / 100), rounded half-even to the micro-unit. None unless the
    customer is critical and has revenue (no cost level fixes a margin with no income).
    """
    if tier is not Tier.CRITICAL or revenue <= 0:
        return None
    allowed = Decimal(revenue) * (_HUNDRED - thresholds.healthy) / _HUNDRED
    return int(allowed.quantize(_ONE, rounding=ROUND_HALF_EVEN))


def compute_customer_row(
    *, period: Month, customer: CustomerMonthly, thresholds: TierThresholds
) -> MarginRow | None:
    """The customer's margin row for the period, or None when it had neither revenue nor cost."""
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
    )


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


def micros_to_dollars(amount: int) -> str:
    """Micro-units as a two-decimal string for CSV; a tie goes to the even cent."""
    value = (Decimal(amount) / MICROS_PER_UNIT).quantize(_HUNDREDTH, rounding=ROUND_HALF_EVEN)
    # -0.004 would print as "-0.00"; a spreadsheet should read plain zero.
    return str(value.copy_abs() if value == 0 else value)


def micros_to_cents(amount: int) -> int:
    """Micro-units as whole cents; a tie goes to the even cent.

    Integer arithmetic, the same result as Decimal half-even rounding: a 10,000-row API page
    rounds some 200,000 amounts. divmod floors, so the remainder is never negative.
    """
    cents, rest = divmod(amount, MICROS_PER_CENT)
    half = MICROS_PER_CENT // 2
    if rest > half or (rest == half and cents % 2):
        cents += 1
    return cents
