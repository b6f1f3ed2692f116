"""Cost anomalies: a customer's day of cost far above the robust baseline of its own trailing weeks.

Pure: no ORM, no clock. Amounts are integer micro-units.

Baseline of a day: the customer's daily costs over the `window_days` days before it (days
without cost count as 0, from the customer's first day with cost on). Its centre is the median;
its spread the median absolute deviation scaled by 1.4826 (the MAD of a normal distribution's
standard deviation), floored at `relative_floor` of the median and at `min_spread_micro`, so that
a perfectly flat history does not turn a few cents more into an alert. A day is an anomaly when

    cost > median + k x spread   and   cost - median >= min_excess_micro

where k is the organization's sensitivity: high 3, medium 4 (default), low 6. With the floor of a
quarter of the median, a day needs at least 1.75, 2 or 2.5 times the usual cost. Medians and MADs
ignore single outliers, so one earlier spike neither hides the next one nor raises the bar for
long, and a slow, steady growth moves the median along with it (a customer growing 2 % a day is
about 1.3 times its median at any day, well under the bar). A customer with fewer than
`min_history_days` days since its first cost is never an anomaly: there is nothing to compare to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from statistics import median

SENSITIVITIES: Mapping[str, Decimal] = {"high": Decimal(3), "medium": Decimal(4), "low": Decimal(6)}
OFF = "off"
MAD_TO_SIGMA = Decimal("1.4826")


@dataclass(frozen=True, slots=True)
class AnomalyPolicy:
    deviations: Decimal = SENSITIVITIES["medium"]
    window_days: int = 28
    min_history_days: int = 14
    relative_floor: Decimal = Decimal("0.25")
    min_spread_micro: int = 100_000  # ten cents
    min_excess_micro: int = 1_000_000  # one dollar

    @classmethod
    def for_sensitivity(cls, sensitivity: str) -> AnomalyPolicy | None:
        """The policy of an org's sensitivity; None when it turned the alerts off."""
        if sensitivity == OFF:
            return None
        return cls(deviations=SENSITIVITIES[sensitivity])


@dataclass(frozen=True, slots=True)
class Baseline:
    median: int
    spread: int
    threshold: int  # a day's cost above this (and by the minimal excess) is an anomaly


@dataclass(frozen=True, slots=True)
class Anomaly:
    day: date
    cost: int
    baseline: Baseline

    @property
    def ratio(self) -> Decimal:
        """The day's cost as a multiple of the median, two decimals (0 for a zero median)."""
        if not self.baseline.median:
            return Decimal(0)
        return (Decimal(self.cost) / Decimal(self.baseline.median)).quantize(Decimal("0.01"))


def baseline_of(history: Sequence[int], policy: AnomalyPolicy) -> Baseline:
    """Median, floored scaled MAD and threshold of a history of daily costs (not empty)."""
    centre = Decimal(median(history))
    mad = Decimal(median(abs(Decimal(cost) - centre) for cost in history))
    spread = max(mad * MAD_TO_SIGMA, centre * policy.relative_floor, Decimal(policy.min_spread_micro))
    threshold = centre + policy.deviations * spread
    return Baseline(median=_ceil(centre), spread=_ceil(spread), threshold=_ceil(threshold))


def day_anomaly(
    *, day: date, daily: Mapping[date, int], first_day: date, policy: AnomalyPolicy
) -> Anomaly | None:
    """Whether `day` of a customer's daily costs (`daily`, absent days are 0) is an anomaly.

    `first_day`: the customer's first day with cost, which bounds its history.
    """
    if (day - first_day).days < policy.min_history_days:
        return None
    start = max(first_day, day - timedelta(days=policy.window_days))
    history = [daily.get(start + timedelta(days=i), 0) for i in range((day - start).days)]
    cost = daily.get(day, 0)
    base = baseline_of(history, policy)
    if cost > base.threshold and cost - base.median >= policy.min_excess_micro:
        return Anomaly(day=day, cost=cost, baseline=base)
    return None


def series_anomalies(
    daily: Mapping[date, int],
    *,
    days: Sequence[date],
    policy: AnomalyPolicy,
    first_day: date | None = None,
) -> list[Anomaly]:
    """The anomalies among `days` of one customer's series (absent days are 0).

    `first_day`: the customer's first day with cost, when `daily` does not reach back to it.
    """
    costly = [day for day, cost in daily.items() if cost > 0]
    if not costly:
        return []
    first_day = min(first_day or costly[0], *costly)
    found = (day_anomaly(day=day, daily=daily, first_day=first_day, policy=policy) for day in days)
    return [anomaly for anomaly in found if anomaly is not None]


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))
