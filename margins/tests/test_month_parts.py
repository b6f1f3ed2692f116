"""A range of days as parts of calendar months: each day covered exactly once."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from margins.calculations.month_parts import MonthPart, days_in, month_parts, next_month


def days_of(part: MonthPart) -> list[date]:
    return [part.month + timedelta(days=k) for k in range(part.after, part.through)]


def covered(start: date, end: date) -> list[date]:
    return [day for part in month_parts(start, end) for day in days_of(part)]


def test_a_range_inside_one_month_is_that_month_in_part():
    # 18 to 20 March 2026: the days after the 17th through the 20th.
    assert month_parts(date(2026, 3, 18), date(2026, 3, 21)) == (MonthPart(date(2026, 3, 1), 17, 20),)


def test_a_whole_month_is_read_through_its_last_day():
    assert month_parts(date(2026, 2, 1), date(2026, 3, 1)) == (MonthPart(date(2026, 2, 1), 0, 28),)
    assert month_parts(date(2024, 2, 1), date(2024, 3, 1)) == (MonthPart(date(2024, 2, 1), 0, 29),)


def test_ninety_days_are_one_part_per_month_touched():
    # 9 September to 7 December 2026 (the v1 90-day window on the 7th): four rows per customer.
    assert month_parts(date(2026, 9, 9), date(2026, 12, 8)) == (
        MonthPart(date(2026, 9, 1), 8, 30),
        MonthPart(date(2026, 10, 1), 0, 31),
        MonthPart(date(2026, 11, 1), 0, 30),
        MonthPart(date(2026, 12, 1), 0, 7),
    )


def test_a_range_across_the_year_end_and_a_leap_day():
    assert month_parts(date(2023, 12, 30), date(2024, 3, 2)) == (
        MonthPart(date(2023, 12, 1), 29, 31),
        MonthPart(date(2024, 1, 1), 0, 31),
        MonthPart(date(2024, 2, 1), 0, 29),
        MonthPart(date(2024, 3, 1), 0, 1),
    )


def test_an_empty_range_has_no_parts_and_a_reversed_one_is_refused():
    assert month_parts(date(2026, 3, 18), date(2026, 3, 18)) == ()
    with pytest.raises(ValueError):
        month_parts(date(2026, 3, 19), date(2026, 3, 18))


def test_next_month_and_days_in():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert [days_in(date(2026, month, 1)) for month in (1, 2, 4, 12)] == [31, 28, 30, 31]
    assert days_in(date(2028, 2, 1)) == 29


def test_random_ranges_are_covered_exactly_once():
    rng = random.Random(20261207)
    for _ in range(2_000):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(1_500))
        end = start + timedelta(days=rng.randrange(400))
        days = covered(start, end)
        assert days == [start + timedelta(days=k) for k in range((end - start).days)]
        for part in month_parts(start, end):
            assert 0 <= part.after < part.through <= days_in(part.month)
