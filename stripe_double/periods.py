"""Epoch-second helpers: Stripe speaks Unix seconds, builders accept aware datetimes too."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

Moment = int | datetime | date


def to_epoch(value: Moment) -> int:
    """Unix seconds for an int, an aware datetime, or a date (midnight UTC)."""
    if isinstance(value, bool):
        raise TypeError("a moment cannot be a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        return int(value.timestamp())
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def advance(moment: Moment, interval: str, count: int = 1) -> int:
    """`moment` moved forward by `count` intervals, the way Stripe bills: a month after
    January 31 is the last day of February."""
    start = from_epoch(to_epoch(moment))
    if interval == "day":
        return to_epoch(start + timedelta(days=count))
    if interval == "week":
        return to_epoch(start + timedelta(weeks=count))
    months = count * 12 if interval == "year" else count
    if interval not in ("month", "year"):
        raise ValueError(f"unknown interval {interval!r}")
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return to_epoch(start.replace(year=year, month=month, day=day))
