"""The ECB file, carry-forward over gaps, cross rates through the euro, and the one rounding."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from margint.fx.models import ExchangeRate
from margint.fx.rates import RateFileError, convert_micro, parse_ecb_csv
from margint.fx.selectors import currencies_with_rates, rate_book

SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "eurofxref-hist-sample.csv"


def test_the_sample_file_parses_without_na_cells_or_the_trailing_column():
    rates = parse_ecb_csv(SAMPLE.read_text())

    assert len(rates) == 12 * 4  # 13 days, one all N/A; SEK has no rate at all
    assert {rate.currency for rate in rates} == {"usd", "jpy", "gbp", "chf"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Day,USD\n2026-01-02,1.1\n", "first column must be 'Date'"),
        ("Date,USD\n02/01/2026,1.1\n", "line 2"),
        ("Date,USD\n2026-01-02,abc\n", "not a rate for USD"),
        ("Date,USD\n2026-01-02,-1\n", "must be positive"),
        ("Date,US1\n2026-01-02,1\n", "line 1"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line(text, message):
    with pytest.raises(RateFileError, match=message):
        parse_ecb_csv(text)


@pytest.mark.django_db
def test_the_command_imports_the_file_and_a_second_import_changes_nothing(capsys):
    call_command("import_fx_rates", str(SAMPLE))
    first = json.loads(capsys.readouterr().out)
    call_command("import_fx_rates", str(SAMPLE))

    assert first == {
        "rates": 48,
        "days": 12,
        "currencies": ["CHF", "GBP", "JPY", "USD"],
        "firstDay": "2025-12-30",
        "lastDay": "2026-01-16",
    }
    assert ExchangeRate.objects.count() == 48
    assert currencies_with_rates() == ["chf", "eur", "gbp", "jpy", "usd"]


@pytest.mark.django_db
def test_a_bad_file_changes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,USD\n2026-01-02,1.1\n2026-01-05,x\n")

    with pytest.raises(CommandError, match="line 3"):
        call_command("import_fx_rates", str(bad))
    assert not ExchangeRate.objects.exists()


@pytest.mark.django_db
def test_days_without_a_rate_take_the_last_one_published_before_them():
    call_command("import_fx_rates", str(SAMPLE))
    book = rate_book(currencies=["usd", "gbp", "sek"], start=date(2026, 1, 10), end=date(2026, 1, 14))

    assert book.rate("eur", "usd", date(2026, 1, 10)) == Fraction("1.1750")  # Saturday: Friday's
    assert book.rate("eur", "usd", date(2026, 1, 11)) == Fraction("1.1750")  # Sunday
    assert book.rate("eur", "usd", date(2026, 1, 14)) == Fraction("1.1700")  # all N/A: the 13th's
    assert book.rate("eur", "sek", date(2026, 1, 14)) is None  # never published
    assert book.rate("usd", "usd", date(2026, 1, 14)) == 1


@pytest.mark.django_db
def test_a_day_before_the_first_rate_has_none_and_cross_rates_go_through_the_euro():
    call_command("import_fx_rates", str(SAMPLE))
    book = rate_book(currencies=["usd", "gbp"], start=date(2025, 12, 1), end=date(2026, 1, 2))

    assert book.rate("gbp", "usd", date(2025, 12, 29)) is None
    # 1 GBP in USD on 2 January: 1.1720 / 0.86700.
    assert book.rate("gbp", "usd", date(2026, 1, 2)) == Fraction("1.1720") / Fraction("0.86700")


def test_conversion_rounds_once_half_to_even():
    assert convert_micro(1, Fraction(1, 2)) == 0
    assert convert_micro(3, Fraction(1, 2)) == 2
    assert convert_micro(-3, Fraction(1, 2)) == -2
    assert convert_micro(50_000_000, Fraction(Decimal("1.1750")) / Fraction(Decimal("0.875"))) == 67_142_857
    with pytest.raises(TypeError):
        convert_micro(1.5, Fraction(1))  # type: ignore[arg-type]
