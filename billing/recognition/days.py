"""UTC days: the day of an aware moment, and an amount spread exactly over the days of a period.

Spreading: a period [start, end) is spread over the UTC days it touches, each day weighted by the
time of the period falling on it. A period aligned to UTC midnights gives every day an equal
weight; a period ending exactly at midnight does not touch its end day (half-open); a period
starting at 14:32 gives its first and last day partial weights, so consecutive periods of one
subscription never count a day twice. Each day receives the integer part of its share and the
leftover micro-units go one each to the days with the largest dropped fractions, the earliest day
first on ties (for equal weights: the first days get +1). The days therefore sum exactly to the
amount. Negative amounts are split as their absolute value and negated, so a credit mirrors the
charge it cancels. There is no length limit: an annual line covers 365 or 366 days (one share per
day, 1/366 in a leap year) and a three-year prepayment covers about 1096 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_DAY_MICROSECONDS = _ONE_DAY // _ONE_MICROSECOND


def spread_over_days(amount_micro: int, start: datetime, end: datetime) -> tuple[tuple[date, int], ...]:
    """Split `amount_micro` over the UTC days of [start, end), summing exactly to it.

    Each day is weighted by the microseconds of the period falling on it; leftover micro-units
    go to the largest dropped fractions, earliest day first. See the module docstring.
    """
    days, weights = day_weights(start, end)
    return tuple(zip(days, split_by_weights(amount_micro, weights), strict=True))


def day_weights(start: datetime, end: datetime) -> tuple[tuple[date, ...], tuple[int, ...]]:
    """The UTC days [start, end) touches and the microseconds of it on each: computed once, they
    split any number of amounts over the same period (an amount converted and as it was)."""
    start_utc, end_utc = as_utc(start), as_utc(end)
    if end_utc <= start_utc:
        raise ValueError(f"period must end after it starts: [{start}, {end})")
    return _day_weights(start_utc, end_utc)


def split_by_weights(amount_micro: int, weights: Sequence[int]) -> list[int]:
    """`amount_micro` in integer parts proportional to `weights`, summing exactly to it; a
    negative amount is split as its absolute value and negated."""
    shares = _largest_remainder(abs(amount_micro), weights)
    return [-share for share in shares] if amount_micro < 0 else shares


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of an aware datetime."""
    return as_utc(moment).date()


def as_utc(moment: datetime) -> datetime:
    # A naive datetime would silently be read in the server's zone and shift revenue by a day.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.astimezone(UTC)


def _day_weights(start: datetime, end: datetime) -> tuple[tuple[date, ...], tuple[int, ...]]:
    """Microseconds of [start, end) on each UTC day it touches (start, end in UTC): every day
    but the first and the last is whole."""
    first, last = start.date(), (end - _ONE_MICROSECOND).date()
    count = (last - first).days + 1
    days = tuple(date.fromordinal(ordinal) for ordinal in range(first.toordinal(), last.toordinal() + 1))
    if count == 1:
        return days, ((end - start) // _ONE_MICROSECOND,)
    head = (datetime.combine(first + _ONE_DAY, time.min, tzinfo=UTC) - start) // _ONE_MICROSECOND
    tail = (end - datetime.combine(last, time.min, tzinfo=UTC)) // _ONE_MICROSECOND
    return days, (head, *([_DAY_MICROSECONDS] * (count - 2)), tail)


def _largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split a non-negative total in proportion to positive weights into integers summing to it.

    Each part is floor(total * w / W); the leftover (fewer units than there are parts) goes one
    unit each to the parts with the largest dropped fraction, the earliest part first on ties.
    """
    weight_sum = sum(weights)
    parts = [total * weight // weight_sum for weight in weights]
    fractions = [total * weight % weight_sum for weight in weights]
    leftover = total - sum(parts)
    if not leftover:
        return parts
    # A stable sort, reversed, keeps the earliest part first among equal fractions.
    for index in sorted(range(len(parts)), key=fractions.__getitem__, reverse=True)[:leftover]:
        parts[index] += 1
    return parts
