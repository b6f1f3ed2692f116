"""Calendar months, the periods every margin is computed for, and how a period is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

# [0-9], not \d: \d also accepts non-ASCII digits such as "٢٠٢٦".
_PERIOD_RE = re.compile(r"([0-9]{4})-([0-9]{2})")


PARSE_FIRST_YEAR = 1970
PARSE_LAST_YEAR = 9998


class InvalidPeriod(ValueError):
    """A period that is not a calendar month written as YYYY-MM."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; ordering is chronological."""

    year: int
    month: int

    def __post_init__(self) -> None:
        # Years 1..9999 are the ones `date` can hold, so every Month converts to dates.
        if not (1 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise InvalidPeriod(f"not a calendar month: year={self.year} month={self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Strict YYYY-MM: "2026-4", "26-04" and "2026-13" are all refused."""
        match = _PERIOD_RE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidPeriod(f"period must be YYYY-MM, got {text!r}")
        # A period is read with its neighbours (trends, the next month's first day): the calendar's
        # edges are refused here rather than failing later as an overflow.
        if not PARSE_FIRST_YEAR <= int(match[1]) <= PARSE_LAST_YEAR:
            raise InvalidPeriod(f"period must lie between {PARSE_FIRST_YEAR}-01 and {PARSE_LAST_YEAR}-12")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def previous(self) -> Month:
        return self.shifted(-1)

    def next(self) -> Month:
        return self.shifted(1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def bounds(self) -> tuple[date, date]:
        """Half-open [first day of this month, first day of the next month)."""
        return self.first_day, self.next().first_day

    def months_back(self, count: int) -> tuple[Month, ...]:
        """The `count` months ending with this one, oldest first."""
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        return _months_back(self, count)


@lru_cache(maxsize=256)
def _months_back(month: Month, count: int) -> tuple[Month, ...]:
    # A table asks every row for the same window; computing it once keeps 10,000 rows cheap.
    return tuple(month.shifted(offset) for offset in range(1 - count, 1))
