"""The profitability summary's arithmetic: windows, buckets, rows and the Other row. Pure.

Time. Revenue and cost are known per UTC day. A day's amount is spread evenly over its 24
hours: each hour gets amount // 24 micro-units and the first amount % 24 hours one more
(negative amounts split as their absolute value, then negated), so a day's hours add up to
the day exactly. An hour counts when its start lies in [from, to): in effect `from` and `to`
are moved up to the next whole UTC hour. Buckets are UTC hours, UTC days, or ISO weeks
(Monday 00:00 UTC); the first and last may be partial. The previous window, for
`periodChange`, is the same length right before `from`.

Money. Each customer's revenue and cost in the window are rounded once, half-even, from
micro-units to the currency's minor unit; profit is revenue minus cost of those rounded
amounts, and the Other row holds the exact sums of the rounded amounts of the customers it
gathers, so every row reads revenue - cost = profit and Other = the rest, to the last digit.
Trend values are each bucket's revenue rounded the same way (their sum may differ from
`netRevenue` by rounding). `marginPct` is margin_percent of the rounded amounts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from margins.calculations import margin_percent, round_percent
from margint.money import MICRO_EXPONENT, currency_exponent

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WIDTHS = ("hour", "day", "week")
MAX_WINDOW = timedelta(days=366)
MAX_BUCKETS = 1000
OTHER_ID = "other"
OTHER_NAME = "Other"


class InvalidWindow(ValueError):
    """A time range or bucket width the summary cannot serve."""


@dataclass(frozen=True)
class SummaryWindow:
    start: datetime  # whole UTC hours
    end: datetime
    width: str
    edges: tuple[datetime, ...]  # start, bucket boundaries..., end

    @property
    def previous_start(self) -> datetime:
        return self.start - (self.end - self.start)

    def fact_days(self) -> tuple[date, date]:
        """The UTC days [first, after last) that the previous window and this one touch."""
        if self.end <= self.previous_start:
            return self.start.date(), self.start.date()
        return self.previous_start.date(), (self.end - HOUR).date() + DAY


def _ceil_hour(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + HOUR


def auto_width(length: timedelta) -> str:
    if length <= 2 * DAY:
        return "hour"
    if length <= 90 * DAY:
        return "day"
    return "week"


def _next_boundary(moment: datetime, width: str) -> datetime:
    if width == "hour":
        return moment + HOUR
    midnight = datetime.combine(moment.date(), time.min, tzinfo=UTC)
    if width == "day":
        return midnight + DAY
    return midnight + timedelta(days=7 - moment.weekday())


def summary_window(start: datetime, end: datetime, width: str | None) -> SummaryWindow:
    """The counted window [ceil_hour(start), ceil_hour(end)) and its bucket edges."""
    if start >= end:
        raise InvalidWindow("`from` must be before `to`.")
    if end - start > MAX_WINDOW:
        raise InvalidWindow("The time range may span at most 366 days.")
    if width is not None and width not in WIDTHS:
        raise InvalidWindow(f"bucketWidth must be one of {', '.join(WIDTHS)}.")
    try:
        first, last = _ceil_hour(start), _ceil_hour(end)
        width = width or auto_width(last - first)
        edges = [first]
        while edges[-1] < last:
            if len(edges) > MAX_BUCKETS:
                raise InvalidWindow(f"At most {MAX_BUCKETS} buckets: choose a wider bucketWidth.")
            edges.append(min(_next_boundary(edges[-1], width), last))
        window = SummaryWindow(first, last, width, tuple(edges))
        window.fact_days()  # the previous window must be representable too
    except OverflowError:
        raise InvalidWindow("The time range is out of bounds.")
    return window


def hour_shares(amount: int) -> tuple[int, ...]:
    """A day's amount over its 24 hours, summing exactly to it: the first hours take the remainder."""
    base, extra = divmod(abs(amount), 24)
    sign = -1 if amount < 0 else 1
    return tuple(sign * (base + (1 if hour < extra else 0)) for hour in range(24))


def _day_share(amount: int, first_hour: int, end_hour: int) -> int:
    """Sum of hour_shares(amount)[first_hour:end_hour] without building the list."""
    base, extra = divmod(abs(amount), 24)
    share = (end_hour - first_hour) * base + max(0, min(end_hour, extra) - first_hour)
    return -share if amount < 0 else share


def _day_hours(day: date, start: datetime, end: datetime) -> tuple[int, int]:
    """The hours [h0, h1) of this UTC day that lie in [start, end); h0 >= h1 when none."""
    midnight = datetime.combine(day, time.min, tzinfo=UTC)
    h0 = max(start, midnight)
    h1 = min(end, midnight + DAY)
    return (h0 - midnight) // HOUR, (h1 - midnight) // HOUR


def amount_between(daily: Mapping[date, int], start: datetime, end: datetime) -> int:
    """Micro-units of the hours in [start, end) (whole UTC hours)."""
    total = 0
    for day, amount in daily.items():
        h0, h1 = _day_hours(day, start, end)
        if h0 < h1:
            total += _day_share(amount, h0, h1)
    return total


def bucket_amounts(daily: Mapping[date, int], window: SummaryWindow) -> list[int]:
    """Micro-units per bucket of the window, oldest first."""
    buckets = [0] * (len(window.edges) - 1)
    for day, amount in daily.items():
        h0, h1 = _day_hours(day, window.start, window.end)
        if h0 >= h1:
            continue
        midnight = datetime.combine(day, time.min, tzinfo=UTC)
        if window.width == "hour":
            shares = hour_shares(amount)
            for hour in range(h0, h1):
                buckets[bisect_right(window.edges, midnight + hour * HOUR) - 1] += shares[hour]
        else:
            # Day and week edges fall on midnights, so the day's counted hours share one bucket.
            buckets[bisect_right(window.edges, midnight + h0 * HOUR) - 1] += _day_share(amount, h0, h1)
    return buckets


def micros_to_minor(amount: int, currency: str) -> int:
    """Micro-units as whole minor units of the currency (cents, yen, fils), ties to even."""
    divisor = 10 ** (MICRO_EXPONENT - currency_exponent(currency))
    return int((Decimal(amount) / divisor).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def minor_string(amount: int, currency: str) -> str:
    """Minor units as a decimal string of currency units with the currency's digits: 1234 USD → "12.34"."""
    return format(Decimal(amount).scaleb(-currency_exponent(currency)), "f")


@dataclass(frozen=True)
class CustomerAmounts:
    """One customer's facts: micro-units per UTC day, over the window and the previous one."""

    customer_id: str
    name: str
    revenue_daily: Mapping[date, int]
    cost_daily: Mapping[date, int]


@dataclass(frozen=True)
class SummaryRow:
    customer_id: str
    name: str
    revenue: int  # minor units
    cost: int
    previous_revenue: int
    trend: tuple[int, ...]
    is_other: bool = False

    @property
    def profit(self) -> int:
        return self.revenue - self.cost

    @property
    def margin_pct(self) -> Decimal:
        return margin_percent(max(self.revenue, 0), self.cost)

    @property
    def period_change(self) -> Decimal | None:
        """Percent change of revenue against the previous window; None without previous revenue."""
        if self.previous_revenue <= 0:
            return None
        return round_percent(Decimal(self.revenue - self.previous_revenue) * 100 / self.previous_revenue)


def _row(customer: CustomerAmounts, window: SummaryWindow, currency: str) -> tuple[SummaryRow, bool]:
    revenue = amount_between(customer.revenue_daily, window.start, window.end)
    cost = amount_between(customer.cost_daily, window.start, window.end)
    previous = amount_between(customer.revenue_daily, window.previous_start, window.start)
    row = SummaryRow(
        customer_id=customer.customer_id,
        name=customer.name,
        revenue=micros_to_minor(revenue, currency),
        cost=micros_to_minor(cost, currency),
        previous_revenue=micros_to_minor(previous, currency),
        trend=tuple(micros_to_minor(v, currency) for v in bucket_amounts(customer.revenue_daily, window)),
    )
    return row, bool(revenue or cost)


def other_row(rows: Sequence[SummaryRow], buckets: int) -> SummaryRow:
    return SummaryRow(
        customer_id=OTHER_ID,
        name=OTHER_NAME,
        revenue=sum(r.revenue for r in rows),
        cost=sum(r.cost for r in rows),
        previous_revenue=sum(r.previous_revenue for r in rows),
        trend=tuple(sum(r.trend[i] for r in rows) for i in range(buckets)),
        is_other=True,
    )


def summary_rows(
    customers: Sequence[CustomerAmounts], window: SummaryWindow, *, currency: str, top_n: int
) -> tuple[SummaryRow, ...]:
    """Customers that had revenue or cost in the window, by profit descending (then id), top_n of
    them, then one Other row gathering the rest when there is a rest."""
    rows = [row for row, contributed in (_row(c, window, currency) for c in customers) if contributed]
    rows.sort(key=lambda r: (-r.profit, r.customer_id))
    top, rest = rows[:top_n], rows[top_n:]
    if rest:
        top.append(other_row(rest, len(window.edges) - 1))
    return tuple(top)
