"""A range of days as whole months, whole ISO weeks and days: each day covered exactly once."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from margins.calculations.day_pieces import DAY, MONTH, WEEK, piece_starts, pieces, week_start


def days_of(piece: tuple[str, date]) -> list[date]:
    grain, first = piece
    if grain == DAY:
        return [first]
    if grain == WEEK:
        return [first + timedelta(days=k) for k in range(7)]
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [first + timedelta(days=k) for k in range((following - first).days)]


def covered(start: date, end: date) -> list[date]:
    return sorted(day for piece in pieces(start, end) for day in days_of(piece))


def test_a_range_shorter_than_a_week_is_its_days():
    assert pieces(date(2026, 3, 18), date(2026, 3, 21)) == (
        (DAY, date(2026, 3, 18)),
        (DAY, date(2026, 3, 19)),
        (DAY, date(2026, 3, 20)),
    )


def test_seven_days_from_a_wednesday_are_seven_days_not_a_week():
    assert [grain for grain, _ in pieces(date(2026, 3, 18), date(2026, 3, 25))] == [DAY] * 7


def test_a_monday_to_monday_range_is_one_week():
    assert pieces(date(2026, 3, 16), date(2026, 3, 23)) == ((WEEK, date(2026, 3, 16)),)


def test_an_empty_range_has_no_pieces_and_a_reversed_one_is_refused():
    assert pieces(date(2026, 3, 18), date(2026, 3, 18)) == ()
    with pytest.raises(ValueError):
        pieces(date(2026, 3, 19), date(2026, 3, 18))


def test_whole_months_in_the_middle_weeks_and_days_at_the_ends():
    # 2026-01-28 (Wed) .. 2026-04-09 (Thu): Feb and Mar whole; Jan's tail and Apr's head are days
    # and the week of Mon 04-06 is not whole inside April's part [04-01, 04-10).
    assert pieces(date(2026, 1, 28), date(2026, 4, 10)) == (
        *((DAY, date(2026, 1, d)) for d in range(28, 32)),
        (MONTH, date(2026, 2, 1)),
        (MONTH, date(2026, 3, 1)),
        *((DAY, date(2026, 4, d)) for d in range(1, 10)),
    )


def test_weeks_that_cross_a_month_end_are_used_when_no_month_is_whole():
    # 2026-03-09 (Mon) .. 2026-04-13 (Mon): March is not whole, so weeks across 03-30..04-05 count.
    assert pieces(date(2026, 3, 9), date(2026, 4, 13)) == tuple(
        (WEEK, date(2026, 3, 9) + timedelta(weeks=k)) for k in range(5)
    )


def test_a_leap_day_is_in_its_month_and_its_week():
    assert pieces(date(2028, 2, 1), date(2028, 3, 1)) == ((MONTH, date(2028, 2, 1)),)
    assert (WEEK, date(2028, 2, 28)) in pieces(date(2028, 2, 21), date(2028, 3, 6))
    assert covered(date(2028, 2, 26), date(2028, 3, 2)) == [
        date(2028, 2, 26) + timedelta(days=k) for k in range(5)
    ]


def test_a_week_across_new_year_is_one_piece():
    assert pieces(date(2025, 12, 29), date(2026, 1, 5)) == ((WEEK, date(2025, 12, 29)),)
    assert week_start(date(2026, 1, 1)) == date(2025, 12, 29)


def test_random_ranges_are_covered_exactly_once():
    rng = random.Random(20261207)
    for _ in range(500):
        start = date(2027, 1, 1) + timedelta(days=rng.randrange(-800, 800))
        end = start + timedelta(days=rng.randrange(0, 400))
        assert covered(start, end) == [start + timedelta(days=k) for k in range((end - start).days)]
        assert all(first == week_start(first) for grain, first in pieces(start, end) if grain == WEEK)
        assert all(first.day == 1 for grain, first in pieces(start, end) if grain == MONTH)


def test_piece_starts_split_every_range_at_its_edges():
    edges = (date(2026, 3, 11), date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 25))
    assert piece_starts(edges) == {
        MONTH: [],
        WEEK: [date(2026, 3, 16)],
        DAY: [*(date(2026, 3, d) for d in range(11, 16)), date(2026, 3, 23), date(2026, 3, 24)],
    }
    with pytest.raises(ValueError):
        piece_starts((date(2026, 3, 11), date(2026, 3, 11)))
