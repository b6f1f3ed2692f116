"""The month in progress: which of a month's days count as of a day, and its month-end projection.

A month's margin compares the same days on both sides: the revenue recognized on its counted
days against the cost incurred on them. As of a day `today` (UTC), the counted days of a month
are its days up to and including `today`: all of them for a finished month, none for a month not
begun. A month is in progress (`is_partial`) until its last day is over, so on its last day every
day counts and it is still partial (that day's cost is still arriving).

The projection carries the days so far to month end: revenue is what is recognized for the whole
month (it is known in advance: billing spreads each invoice line over its service period), cost
is the run rate of the counted days times the days of the month. See docs/month-in-progress.md.

Pure: no ORM, no clock; the day is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from margins.calculations.periods import Month
from margins.calculations.tiers import Tier, TierThresholds, margin_percent, tier_for_percent

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class MonthProgress:
    """How much of `period` counts as of a day.

    `as_of`: the last day counted (None when the month has not begun); `counted_days` of
    `days_in_month`; `is_partial`: the month is not over (its projection is given).
    """

    period: Month
    as_of: date | None
    counted_days: int
    days_in_month: int
    is_partial: bool

    @property
    def counted_end(self) -> date:
        """The end of the counted days, half-open: [period.first_day, counted_end)."""
        return self.period.first_day + timedelta(days=self.counted_days)

    @property
    def days_left(self) -> int:
        return self.days_in_month - self.counted_days


def month_progress(period: Month, today: date) -> MonthProgress:
    """The counted days of `period` as of `today` (a UTC day)."""
    start, end = period.bounds
    days_in_month = (end - start).days
    if today >= end:
        return MonthProgress(period, end - _ONE_DAY, days_in_month, days_in_month, False)
    if today < start:
        return MonthProgress(period, None, 0, days_in_month, True)
    return MonthProgress(period, today, (today - start).days + 1, days_in_month, True)


class Projection(NamedTuple):
    """Month-end figures of a month in progress, in micro-units; None where nothing can be carried.

    A tuple, as a margin row: a 10,000-row table of a month in progress builds one per row.
    """

    revenue: int
    cost: int | None
    margin_percent: Decimal | None
    health_tier: Tier | None


def project_cost(cost_to_date: int, progress: MonthProgress) -> int | None:
    """The counted days' cost carried to month end at their daily run rate, half-even to the micro-unit.

    None when no day counts yet: there is no rate to carry.
    """
    if progress.counted_days == 0:
        return None
    # In integers, exactly: the quotient and what is left over, rounded half to even.
    quotient, remainder = divmod(cost_to_date * progress.days_in_month, progress.counted_days)
    twice = 2 * remainder
    if twice > progress.counted_days or (twice == progress.counted_days and quotient % 2):
        quotient += 1
    return quotient


def projection_of(*, revenue: int, cost: int | None, thresholds: TierThresholds) -> Projection:
    """Month-end revenue against month-end cost, with the margin and tier the table's rules give them:
    cost (or a net refund) with no income is critical; nothing at all has no tier."""
    if cost is None:
        return Projection(revenue, None, None, None)
    percent = margin_percent(revenue, cost)
    if revenue == 0 and cost == 0:
        return Projection(revenue, cost, percent, None)
    tier = Tier.CRITICAL if revenue <= 0 else tier_for_percent(percent, thresholds)
    return Projection(revenue, cost, percent, tier)


def project_month(
    *, revenue_for_month: int, cost_to_date: int, progress: MonthProgress, thresholds: TierThresholds
) -> Projection:
    """The month-end projection: the whole month's recognized revenue against the projected cost."""
    cost = project_cost(cost_to_date, progress)
    return projection_of(revenue=revenue_for_month, cost=cost, thresholds=thresholds)


# Margin alerts for a month in progress wait for enough days and money to mean something: on the
# first days a single invoice or a single day's cost swings a margin from -100 % to 100 %.
ALERT_MIN_DAYS = 7
ALERT_MIN_MICROS = 10_000_000  # 10 units of the reporting currency, revenue or cost to date


def alert_ready(progress: MonthProgress, *, revenue: int, cost: int) -> bool:
    """Whether a customer's month may raise a margin alert: a finished month always; a month in
    progress once `ALERT_MIN_DAYS` days count and its revenue or cost to date reaches
    `ALERT_MIN_MICROS` (see docs/month-in-progress.md)."""
    if not progress.is_partial:
        return True
    return progress.counted_days >= ALERT_MIN_DAYS and max(revenue, cost) >= ALERT_MIN_MICROS
