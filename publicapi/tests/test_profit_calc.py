"""The profitability summary's arithmetic: windows, buckets, hourly spreading, rounding, the Other row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from publicapi.profit_calc import (
    CustomerAmounts,
    InvalidWindow,
    amount_between,
    bucket_amounts,
    hour_shares,
    micros_to_minor,
    minor_string,
    summary_rows,
    summary_window,
)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_from_and_to_move_up_to_whole_hours():
    window = summary_window(at(10, 10, 30), at(10, 13, 0), None)
    assert (window.start, window.end, window.width) == (at(10, 11), at(10, 13), "hour")
    assert window.edges == (at(10, 11), at(10, 12), at(10, 13))
    assert window.previous_start == at(10, 9)


@pytest.mark.parametrize(
    ("length", "width"),
    [(timedelta(hours=48), "hour"), (timedelta(hours=49), "day"), (timedelta(days=90), "day"),
     (timedelta(days=91), "week")],
)  # fmt: skip
def test_the_width_follows_the_window_length_when_omitted(length, width):
    assert summary_window(at(1), at(1) + length, None).width == width


def test_day_buckets_start_at_from_and_end_at_to():
    window = summary_window(at(10, 18), at(12, 6), "day")
    assert window.edges == (at(10, 18), at(11), at(12), at(12, 6))


def test_week_buckets_break_on_monday_midnights():
    window = summary_window(at(18), at(1, month=4), "week")  # Wednesday to Wednesday
    assert window.edges == (at(18), at(23), at(30), at(1, month=4))


@pytest.mark.parametrize(
    ("start", "end", "width", "message"),
    [
        (at(10), at(10), None, "`from` must be before `to`."),
        (at(11), at(10), None, "`from` must be before `to`."),
        (at(1, month=1), at(1, month=1) + timedelta(days=367), None, "The time range may span at most 366 days."),
        (at(1), at(1) + timedelta(days=60), "hour", "At most 1000 buckets: choose a wider bucketWidth."),
        (at(1), at(2), "month", "bucketWidth must be one of hour, day, week."),
        (datetime(1, 1, 1, 0, 30, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC), None, "The time range is out of bounds."),
        (datetime(9999, 12, 31, tzinfo=UTC), datetime(9999, 12, 31, 23, 30, tzinfo=UTC), None,
         "The time range is out of bounds."),
    ],
)  # fmt: skip
def test_windows_the_summary_cannot_serve_are_refused(start, end, width, message):
    with pytest.raises(InvalidWindow) as refused:
        summary_window(start, end, width)
    assert str(refused.value) == message


def test_a_days_amount_spreads_over_its_hours_exactly_with_the_remainder_first():
    shares = hour_shares(100)
    assert shares[:4] == (5, 5, 5, 5) and shares[4:] == (4,) * 20
    assert sum(shares) == 100
    assert hour_shares(-100) == tuple(-share for share in shares)
    assert hour_shares(23) == (1,) * 23 + (0,)


def test_partial_days_count_their_hours_in_the_window():
    daily = {date(2026, 3, 10): 2_400_005, date(2026, 3, 11): 4_800_000, date(2026, 3, 12): 999}
    # 22:00 on the 10th to 02:00 on the 11th: two hours of each day; the 10th's remainder went to its first hours.
    assert amount_between(daily, at(10, 22), at(11, 2)) == 2 * 100_000 + 2 * 200_000
    assert amount_between(daily, at(10, 0), at(10, 5)) == 5 * 100_000 + 5
    assert amount_between(daily, at(10), at(13)) == 2_400_005 + 4_800_000 + 999


def test_hour_buckets_hold_each_hours_share():
    window = summary_window(at(10, 22), at(11, 2), "hour")
    daily = {date(2026, 3, 10): 2_400_001, date(2026, 3, 11): 4_800_000}
    assert bucket_amounts(daily, window) == [100_000, 100_000, 200_000, 200_000]


def test_day_buckets_hold_the_counted_part_of_each_day():
    window = summary_window(at(10, 12), at(12, 12), "day")
    daily = {date(2026, 3, 10): 2_400_000, date(2026, 3, 11): 240, date(2026, 3, 12): 24, date(2026, 3, 9): 7}
    assert bucket_amounts(daily, window) == [1_200_000, 240, 12]


@pytest.mark.parametrize(
    ("micros", "currency", "minor", "text"),
    [
        (12_345_000, "usd", 1234, "12.34"),  # 1234.5 cents: half to even
        (12_355_000, "USD", 1236, "12.36"),
        (-50_000, "usd", -5, "-0.05"),
        (1_500_000, "jpy", 2, "2"),
        (2_500_000, "jpy", 2, "2"),
        (1_234_500, "kwd", 1234, "1.234"),
        (0, "usd", 0, "0.00"),
    ],
)
def test_micro_units_round_half_even_to_the_currencys_minor_unit(micros, currency, minor, text):
    assert micros_to_minor(micros, currency) == minor
    assert minor_string(minor, currency) == text


def _customer(ext, revenue=None, cost=None, name=""):
    return CustomerAmounts(ext, name or ext, revenue or {}, cost or {})


def test_rows_go_by_profit_and_the_other_row_is_the_exact_sum_of_the_rest():
    window = summary_window(at(10), at(12), "day")
    d10, d11 = date(2026, 3, 10), date(2026, 3, 11)
    customers = [
        _customer("a", {d10: 5_005_000}, {d11: 1_000_000}),  # revenue 500.5 cents → 500
        _customer("b", {d11: 2_015_000}, {d10: 15_000}),  # 201.5 → 202, 1.5 → 2
        _customer("c", {d10: 1_000_000}, {d10: 3_005_000}),  # 300.5 → 300
        _customer("d", {d11: 1_000_000}),
        _customer("idle"),
    ]
    rows = summary_rows(customers, window, currency="usd", top_n=2)
    assert [(r.customer_id, r.revenue, r.cost, r.profit) for r in rows] == [
        ("a", 500, 100, 400),
        ("b", 202, 2, 200),
        ("other", 200, 300, -100),
    ]
    other = rows[-1]
    assert other.is_other and other.name == "Other"
    assert other.trend == (100, 100)  # c's 1.00 on the 10th, d's 1.00 on the 11th
    assert str(other.margin_pct) == "-50.00"


def test_no_other_row_when_top_n_covers_everyone():
    window = summary_window(at(10), at(11), "day")
    rows = summary_rows([_customer("a", {date(2026, 3, 10): 1})], window, currency="usd", top_n=1)
    assert [r.customer_id for r in rows] == ["a"]


def test_equal_profits_are_ordered_by_customer_id():
    window = summary_window(at(10), at(11), "day")
    day = date(2026, 3, 10)
    rows = summary_rows(
        [_customer("b", {day: 10_000}), _customer("a", {day: 10_000})], window, currency="usd", top_n=5
    )
    assert [r.customer_id for r in rows] == ["a", "b"]


def test_period_change_compares_with_the_window_before():
    window = summary_window(at(10), at(11), "day")
    growing = _customer("g", {date(2026, 3, 9): 1_000_000, date(2026, 3, 10): 1_500_000})
    new = _customer("n", {date(2026, 3, 10): 1_000_000})
    rows = {r.customer_id: r for r in summary_rows([growing, new], window, currency="usd", top_n=5)}
    assert str(rows["g"].period_change) == "50.00"
    assert rows["n"].period_change is None
