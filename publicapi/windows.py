"""The rolling windows of the v1 API and their spark buckets. Pure: `today` is an argument.

A range of N days is the N UTC days ending with today: [today - N + 1, today + 1). The previous
window is the N days before it. Sparks have one bucket per day for 7d and 30d and one per week
for 90d; week buckets are counted back from the end of the window, so the newest twelve hold
seven days each and the oldest holds the first six days of the 90.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

RANGES = ("7d", "30d", "90d")
DEFAULT_RANGE = "30d"
_RANGE_DAYS = {"7d": 7, "30d": 30, "90d": 90}
_BUCKET_DAYS = {"7d": 1, "30d": 1, "90d": 7}


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
    days, step = _RANGE_DAYS[range_], _BUCKET_DAYS[range_]
    end = today + timedelta(days=1)
    start = end - timedelta(days=days)
    inner = [end - timedelta(days=step * k) for k in range(days // step, 0, -1)]
    edges = (start, *(edge for edge in inner if edge > start), end)
    return RollingWindow(range_, start - timedelta(days=days), start, end, edges)
