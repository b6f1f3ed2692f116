"""A range of days as whole months and ISO weeks whole or in part: each day covered exactly once."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from margins.calculations.day_pieces import MONTH, WEEK, Piece, pieces, slice_pieces, week_start


def days_of(piece: Piece) -> list[date]:
    if piece.grain == WEEK:
        return [piece.start + timedelta(days=k) for k in range(piece.first, piece.end)]
    first = piece.start
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [first + timedelta(days=k) for k in range((following - first).days)]


def covered(start: date, end: date) -> list[date]:
    return sorted(day for piece in pieces(start, end) for day in days_of(piece))


def test_a_range_inside_one_week_is_that_week_in_part():
    # Wednesday 18 to Friday 20 March 2026: weekdays 2 to 4 of the week of Monday 16.
    assert pieces(date(2026, 3, 18), date(2026, 3, 21)) == (Piece(WEEK, date(2026, 3, 16), 2, 5),)


def test_seven_days_from_a_wednesday_are_two_weeks_in_part():
    assert pieces(date(2026, 3, 18), date(2026, 3, 25)) == (
        Piece(WEEK, date(2026, 3, 16), 2, 7),
        Piece(WEEK, date(2026, 3, 23), 0, 2),
    )


def test_a_monday_to_monday_range_is_one_whole_week():
    assert pieces(date(2026, 3, 16), date(2026, 3, 23)) == (Piece(WEEK, date(2026, 3, 16)),)


def test_an_empty_range_has_no_pieces_and_a_reversed_one_is_refused():
    assert pieces(date(2026, 3, 18), date(2026, 3, 18)) == ()
    with pytest.raises(ValueError):
        pieces(date(2026, 3, 19), date(2026, 3, 18))


def test_whole_months_in_the_middle_weeks_in_part_at_the_ends():
    # 2026-01-28 (Wed) .. 2026-04-09 (Thu): Feb and Mar whole; January's tail is the week of
    # Mon 01-26 from Wednesday, April's head the week of Mon 03-30 from Wednesday (04-01), then
    # the week of Mon 04-06 to Thursday.
    assert pieces(date(2026, 1, 28), date(2026, 4, 10)) == (
        Piece(WEEK, date(2026, 1, 26), 2, 6),
        Piece(MONTH, date(2026, 2, 1)),
        Piece(MONTH, date(2026, 3, 1)),
        Piece(WEEK, date(2026, 3, 30), 2, 7),
        Piece(WEEK, date(2026, 4, 6), 0, 4),
    )


def test_weeks_that_cross_a_month_end_are_used_when_no_month_is_whole():
    # 2026-03-09 (Mon) .. 2026-04-13 (Mon): March is not whole, so weeks across 03-30..04-05 count.
    assert pieces(date(2026, 3, 9), date(2026, 4, 13)) == tuple(
        Piece(WEEK, date(2026, 3, 9) + timedelta(weeks=k)) for k in range(5)
    )


def test_a_leap_day_is_in_its_month_and_its_week():
    assert pieces(date(2028, 2, 1), date(2028, 3, 1)) == (Piece(MONTH, date(2028, 2, 1)),)
    assert Piece(WEEK, date(2028, 2, 28)) in pieces(date(2028, 2, 21), date(2028, 3, 6))
    assert covered(date(2028, 2, 26), date(2028, 3, 2)) == [
        date(2028, 2, 26) + timedelta(days=k) for k in range(5)
    ]


def test_a_week_across_new_year_is_one_piece():
    assert pieces(date(2025, 12, 29), date(2026, 1, 5)) == (Piece(WEEK, date(2025, 12, 29)),)
    assert week_start(date(2026, 1, 1)) == date(2025, 12, 29)


def test_random_ranges_are_covered_exactly_once():
    rng = random.Random(20261207)
    for _ in range(500):
        start = date(2027, 1, 1) + timedelta(days=rng.randrange(-800, 800))
        end = start + timedelta(days=rng.randrange(0, 400))
        found = pieces(start, end)
        assert covered(start, end) == [start + timedelta(days=k) for k in range((end - start).days)]
        assert all(
            p.start == week_start(p.start) and 0 <= p.first < p.end <= 7 for p in found if p.grain == WEEK
        )
        assert all(p.start.day == 1 for p in found if p.grain == MONTH)


def test_slice_pieces_split_every_slice_at_its_edges():
    # A week cut on Wednesday 11 March gives its two parts to two slices.
    edges = (date(2026, 3, 4), date(2026, 3, 11), date(2026, 3, 16), date(2026, 3, 25))
    assert slice_pieces(edges) == [
        (Piece(WEEK, date(2026, 3, 2), 2, 7), 0),
        (Piece(WEEK, date(2026, 3, 9), 0, 2), 0),
        (Piece(WEEK, date(2026, 3, 9), 2, 7), 1),
        (Piece(WEEK, date(2026, 3, 16)), 2),
        (Piece(WEEK, date(2026, 3, 23), 0, 2), 2),
    ]
    with pytest.raises(ValueError):
        slice_pieces((date(2026, 3, 11), date(2026, 3, 11)))
