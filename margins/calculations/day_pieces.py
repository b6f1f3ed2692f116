"""A range of days as the fewest kept totals: whole calendar months, and ISO weeks whole or in part.

The totals tables (margins/monthly.py) have one row per customer and calendar month, and one
per customer and ISO week (Monday to Sunday) that also holds the week's running sums from
Monday through each weekday. The sum of any days [start, end) is then the sum of the months
that lie wholly inside it and of one week row for each week that holds the rest, each week read
for the weekdays [first, end) it covers: its running sum through the day before `end` less the
one through the day before `first`. 90 days are about 3 months and 8 weeks, not 90 daily rows,
and a range's cut in the middle of a week costs no daily rows either.

Pure: dates in, pieces out. The pieces of a range never overlap and cover it exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import NamedTuple

MONTH, WEEK = "month", "week"
_WEEK = timedelta(days=7)


class Piece(NamedTuple):
    """A whole month (the 1st) or the weekdays [first, end) of an ISO week (its Monday, 0 = Monday)."""

    grain: str
    start: date
    first: int = 0
    end: int = 7


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _first_month_on_or_after(day: date) -> date:
    return day if day.day == 1 else _next_month(day.replace(day=1))


def _weeks(start: date, end: date) -> Iterator[Piece]:
    monday = week_start(start)
    while monday < end and start < end:
        yield Piece(WEEK, monday, max((start - monday).days, 0), min((end - monday).days, 7))
        monday += _WEEK


def pieces(start: date, end: date) -> tuple[Piece, ...]:
    """The days [start, end) as whole months in the middle and weeks (whole or not) at the ends."""
    if start > end:
        raise ValueError(f"a range of days must not end ({end}) before it starts ({start})")
    first_month, last_month = _first_month_on_or_after(start), end.replace(day=1)
    if first_month >= last_month:
        return tuple(_weeks(start, end))
    months = []
    month = first_month
    while month < last_month:
        months.append(Piece(MONTH, month))
        month = _next_month(month)
    return (*_weeks(start, first_month), *months, *_weeks(last_month, end))


def slice_pieces(edges: Sequence[date]) -> list[tuple[Piece, int]]:
    """The pieces of each slice [edges[i], edges[i+1]), each with its slice's index i."""
    if len(edges) < 2 or any(lo >= hi for lo, hi in pairwise(edges)):
        raise ValueError("edges must be at least two strictly increasing days")
    return [(piece, index) for index, (lo, hi) in enumerate(pairwise(edges)) for piece in pieces(lo, hi)]
