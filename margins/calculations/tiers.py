"""Health tiers, an org's thresholds for them, and margin percentages.

Every percentage is a Decimal rounded by `round_percent` and nowhere else, or, where 10,000 rows
are computed per request, integer hundredths of a percent that round the same way (the end of
this module).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

_HUNDRED = Decimal(100)
_HUNDREDTH = Decimal("0.01")


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


def round_percent(value: Decimal) -> Decimal:
    """The one place a percentage is rounded: two decimals, ties away from zero."""
    return value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


_ZERO_PERCENT = round_percent(Decimal(0))


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


def budget_suggestion(*, revenue: int, tier: Tier, thresholds: TierThresholds) -> int | None:
    """Monthly cost that puts a critical customer back at the healthy threshold.

    revenue (the whole month's, in the month in progress too: a budget caps a month's spend)
    x (1 - healthy / 100), rounded half-even to the micro-unit. None unless the
    customer is critical and has that revenue (no cost level fixes a margin with no income).
    In integers: most rows of a table are critical in a bad month, each with a suggestion.
    """
    if tier is not Tier.CRITICAL or revenue <= 0:
        return None
    kept, whole = _kept_share(thresholds.healthy)
    quotient, remainder = divmod(revenue * kept, whole)
    if 2 * remainder > whole or (2 * remainder == whole and quotient % 2):
        quotient += 1
    return quotient


@lru_cache(maxsize=64)
def _kept_share(healthy: Decimal) -> tuple[int, int]:
    # 1 - healthy / 100 as an exact fraction: a Decimal threshold is a finite decimal.
    return ((_HUNDRED - healthy) / _HUNDRED).as_integer_ratio()


# --- the hot loop: integers ------------------------------------------------------------------
# A table or a list computes 10,000 rows per request, so it works in integer hundredths of a
# percent and makes a Decimal (or a float) only for the values it writes. Each result equals
# the Decimal formula of `margin_percent` rounded by `round_percent` (half up, ties away from
# zero): the exact quotient is rounded once, in integers.


def divided_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded to an integer, ties away from zero."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((denominator - 2 * numerator) // (2 * denominator))


def margin_hundredths(revenue: int, cost: int) -> int:
    """`margin_percent` in integer hundredths of a percent (h / 100 is the percent)."""
    if revenue <= 0:
        return 0
    # divided_half_up((revenue - cost) * 10_000, revenue), written out: a table asks 40,000 times.
    doubled = (revenue - cost) * 20_000
    if doubled >= 0:
        return (doubled + revenue) // (2 * revenue)
    return -((revenue - doubled) // (2 * revenue))


TierBounds = tuple[int, int, int]


def tier_bounds(thresholds: TierThresholds) -> TierBounds:
    """The thresholds in hundredths, rounded up: p >= t exactly when p x 100 >= ceil(t x 100).

    Decimal(t): callers also give whole numbers, which `tier_for_percent` compares as well.
    """
    return tuple(
        int((Decimal(t) * 100).to_integral_value(rounding=ROUND_CEILING))
        for t in (thresholds.healthy, thresholds.moderate, thresholds.at_risk)
    )


_HEALTHY, _MODERATE, _AT_RISK, _CRITICAL = Tier.HEALTHY, Tier.MODERATE, Tier.AT_RISK, Tier.CRITICAL


def tier_for_hundredths(hundredths: int, bounds: TierBounds) -> Tier:
    """`tier_for_percent` of the percent `hundredths` / 100, with the bounds of `tier_bounds`."""
    healthy, moderate, at_risk = bounds
    if hundredths >= healthy:
        return _HEALTHY
    if hundredths >= moderate:
        return _MODERATE
    return _AT_RISK if hundredths >= at_risk else _CRITICAL


def margin_tier(revenue: int, cost: int, bounds: TierBounds) -> tuple[int, Tier]:
    """A margin's percent in hundredths and its tier: critical when something happened but nothing
    was earned (as `MonthAmounts.has_no_income`), else the tier of its percent."""
    hundredths = margin_hundredths(revenue, cost)
    if revenue <= 0 and (revenue or cost):
        return hundredths, _CRITICAL
    return hundredths, tier_for_hundredths(hundredths, bounds)
