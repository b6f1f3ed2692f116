"""A range of days as parts of calendar months, each read from one monthly row.

The monthly totals (margins/monthly.py) keep, beside a month's total, its running sums from the
1st through each day. The days [start, end) are then, for each month they touch, the days
`after + 1` through `through` of that month: its running sum through `through` less the one
through `after` (0 before the 1st; the month's last day is its total). 90 days are 3 or 4 rows,
not 90 daily rows, wherever the range begins and ends.

Pure: dates in, parts out. The parts of a range never overlap and cover it exactly.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class MonthPart(NamedTuple):
    """The days after the `after`-th through the `through`-th of `month` (its 1st): a whole month
    is (month, 0, its number of days)."""

    month: date
    after: int
    through: int


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_parts(start: date, end: date) -> tuple[MonthPart, ...]:
    """The days [start, end), month by month; none when the range is empty."""
    if start > end:
        raise ValueError(f"a range of days must not end ({end}) before it starts ({start})")
    parts = []
    month = start.replace(day=1)
    while month < end and start < end:
        following = next_month(month)
        first, stop = max(start, month), min(end, following)  # [first, stop): the days in this month
        parts.append(MonthPart(month, first.day - 1, (stop - month).days))
        month = following
    return tuple(parts)


def days_in(month: date) -> int:
    return (next_month(month) - month).days
