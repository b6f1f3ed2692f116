"""A range of days as the fewest kept totals: whole calendar months, whole ISO weeks, single days.

The daily tables have one row per customer and day; the totals tables (margins/monthly.py) have
one per customer and calendar month, and one per customer and ISO week (Monday to Sunday). The
sum of any days [start, end) is the sum of the months that lie wholly inside it, then of the
weeks that lie wholly inside what is left at either end, then of the days still left over: 180
days are about 5 months, a few weeks and a few days instead of 180 rows.

Pure: dates in, pieces out. A piece is (grain, first day): ("month", the 1st), ("week", a
Monday) or ("day", the day); the pieces of a range never overlap and cover it exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from itertools import pairwise

MONTH, WEEK, DAY = "month", "week", "day"
GRAINS = (MONTH, WEEK, DAY)

Piece = tuple[str, date]
_WEEK = timedelta(days=7)


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _first_month_on_or_after(day: date) -> date:
    return day if day.day == 1 else _next_month(day.replace(day=1))


def _days(start: date, end: date) -> Iterator[Piece]:
    for offset in range((end - start).days):
        yield DAY, start + timedelta(days=offset)


def _weeks_and_days(start: date, end: date) -> Iterator[Piece]:
    first_monday = start + timedelta(days=-start.weekday() % 7)
    last_monday = week_start(end)  # the whole weeks end at the Monday on or before `end`
    if first_monday >= last_monday:
        yield from _days(start, end)
        return
    yield from _days(start, first_monday)
    monday = first_monday
    while monday < last_monday:
        yield WEEK, monday
        monday += _WEEK
    yield from _days(last_monday, end)


def pieces(start: date, end: date) -> tuple[Piece, ...]:
    """The days [start, end) as whole months in the middle, whole weeks, then days at the ends."""
    if start > end:
        raise ValueError(f"a range of days must not end ({end}) before it starts ({start})")
    first_month, last_month = _first_month_on_or_after(start), end.replace(day=1)
    if first_month >= last_month:
        return tuple(_weeks_and_days(start, end))
    months = []
    month = first_month
    while month < last_month:
        months.append((MONTH, month))
        month = _next_month(month)
    return (*_weeks_and_days(start, first_month), *months, *_weeks_and_days(last_month, end))


def piece_starts(edges: Sequence[date]) -> dict[str, list[date]]:
    """Per grain, the first days of the pieces of the ranges [edges[i], edges[i+1]), in order."""
    if len(edges) < 2 or any(lo >= hi for lo, hi in pairwise(edges)):
        raise ValueError("edges must be at least two strictly increasing days")
    by_grain: dict[str, list[date]] = {grain: [] for grain in GRAINS}
    for lo, hi in pairwise(edges):
        for grain, first in pieces(lo, hi):
            by_grain[grain].append(first)
    return by_grain
