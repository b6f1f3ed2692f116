"""The rolling windows of the v1 API and their spark buckets. Pure: `today` is an argument.

A range of N days is the N UTC days ending with today: [today - N + 1, today + 1). The previous
window is the N days before it. Sparks have one bucket per day for 7d and 30d and 13 for 90d,
on ISO weeks (Monday to Sunday): the newest is this week up to today (1 to 7 days), the eleven
before it are whole weeks, and the oldest holds the rest of the 90 days (6 to 12). On calendar
weeks, so a bucket is the same week whichever day the list is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

RANGES = ("7d", "30d", "90d")
DEFAULT_RANGE = "30d"
_RANGE_DAYS = {"7d": 7, "30d": 30, "90d": 90}
_WHOLE_WEEKS = 11  # of the 90d spark, between this week and the oldest bucket


class InvalidRange(ValueError):
    """A range other than 7d, 30d or 90d."""


@dataclass(frozen=True)
class RollingWindow:
    range: str
    previous_start: date
    start: date
    end: date  # exclusive: the day after today
    spark_edges: tuple[date, ...]  # start, bucket boundaries..., end

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def query_edges(self) -> tuple[date, ...]:
        """Edges whose first bucket is the previous window and the rest the spark buckets."""
        return (self.previous_start, *self.spark_edges)


def rolling_window(range_: str, today: date) -> RollingWindow:
    if range_ not in _RANGE_DAYS:
        raise InvalidRange(f"range must be one of {', '.join(RANGES)}, got {range_!r}")
    days = _RANGE_DAYS[range_]
    end = today + timedelta(days=1)
    start = end - timedelta(days=days)
    if range_ == "90d":
        this_monday = today - timedelta(days=today.weekday())
        inner = [this_monday - timedelta(weeks=k) for k in range(_WHOLE_WEEKS, -1, -1)]
    else:
        inner = [start + timedelta(days=k) for k in range(1, days)]
    return RollingWindow(range_, start - timedelta(days=days), start, end, (start, *inner, end))
