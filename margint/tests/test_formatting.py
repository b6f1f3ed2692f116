from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from margint.formatting import currency_prefix, money, percent, utc_iso, utc_text


@pytest.mark.parametrize(
    ("micro", "currency", "shown"),
    [
        (1_234_560_000, "usd", "$1,234.56"),
        (1_234_567_890, "EUR", "€1,234.57"),
        (1_234_560_000, "jpy", "¥1,235"),
        (1_234_500_000, "jpy", "¥1,234"),  # a tie goes to the even yen
        (1_235_500_000, "jpy", "¥1,236"),
        (1_234_567, "kwd", "KWD\u00a01.235"),
        (1_000_000_000_000, "gbp", "£1,000,000.00"),
        (-1_234_560_000, "usd", "-$1,234.56"),
        (0, "usd", "$0.00"),
        (15_000, "usd", "$0.02"),
        (25_000, "usd", "$0.02"),
    ],
)
def test_money_rounds_to_the_currency_minor_unit_with_thousands_separators(micro, currency, shown):
    assert money(micro, currency) == shown


def test_money_too_small_for_a_cent_says_so_instead_of_zero():
    assert money(4_000, "usd") == "<$0.01"
    assert money(-4_000, "usd") == ">-$0.01"
    assert money(400_000, "jpy") == "<¥1"


def test_money_refuses_floats_and_unknown_currency_shapes():
    with pytest.raises(TypeError):
        money(1.5, "usd")
    with pytest.raises(ValueError):
        money(1, "dollars")


def test_currencies_without_a_known_symbol_are_written_as_their_code():
    assert currency_prefix("usd") == "$"
    assert currency_prefix("sek") == "SEK\u00a0"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("42.45"), "42.5%"),
        (Decimal("-42.45"), "-42.5%"),
        (Decimal("42.44"), "42.4%"),
        (7, "7.0%"),
        ("12.35", "12.4%"),
        (0.15, "0.2%"),
        (Decimal("-0.04"), "0.0%"),
        (Decimal("1234.56"), "1,234.6%"),
        (None, "—"),
        ("n/a", "—"),
    ],
)
def test_percent_has_one_decimal_with_ties_away_from_zero(value, shown):
    assert percent(value) == shown


def test_times_are_written_in_utc_for_the_time_element():
    paris_noon = datetime(2026, 4, 5, 12, 0, 30, 999, tzinfo=timezone(timedelta(hours=2)))
    assert utc_iso(paris_noon) == "2026-04-05T10:00:30Z"
    assert utc_text(paris_noon) == "2026-04-05 10:00 UTC"
    assert utc_iso(date(2026, 4, 5)) == utc_text(date(2026, 4, 5)) == "2026-04-05"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        utc_iso(datetime(2026, 4, 5, 12, 0))
    assert utc_iso(datetime(2026, 4, 5, tzinfo=UTC)) == "2026-04-05T00:00:00Z"
