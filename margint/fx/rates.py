"""Exchange rates without Django: the ECB file, the rate book, and the one rounding of a conversion.

The ECB publishes reference rates as units of each currency per euro (`eurofxref-hist.csv`: a
`Date` column, then one column per currency, `N/A` where a currency had no rate that day, and a
trailing empty column). A cross rate goes through the euro: 1 GBP in USD is
(USD per EUR) / (GBP per EUR). A day without a published rate (a weekend, a TARGET holiday, an
`N/A`) takes the last rate published before it; a day before the first published rate has none.

Conversion rule (the only rounding): micro-units of the source currency times the exact rate (a
Fraction, never a float), rounded once to a whole micro-unit of the target currency, half to even.

Pure module: no Django, no clock.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

EURO = "eur"
MISSING = "N/A"


class RateFileError(ValueError):
    """The file is not in the ECB reference-rate layout; the message names the line."""


@dataclass(frozen=True, slots=True)
class PublishedRate:
    day: date
    currency: str  # lowercase ISO 4217
    per_euro: Decimal


def currency_code(value: str) -> str:
    """Lowercase three-letter code; ValueError for anything else."""
    code = value.strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"not an ISO 4217 currency code: {value!r}")
    return code


def parse_ecb_csv(text: str) -> list[PublishedRate]:
    """Every published rate of an `eurofxref-hist.csv` (or the one-day `eurofxref.csv`)."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(rows, None)
    if not header or header[0].strip() != "Date":
        raise RateFileError("line 1: the first column must be 'Date'")
    try:
        columns = [currency_code(name) if name.strip() else None for name in header[1:]]
    except ValueError as error:
        raise RateFileError(f"line 1: {error}") from None
    rates: list[PublishedRate] = []
    for number, row in enumerate(rows, start=2):
        if not row or not row[0].strip():
            continue
        rates.extend(_row_rates(number, row, columns))
    return rates


def _row_rates(number: int, row: Sequence[str], columns: Sequence[str | None]) -> Iterable[PublishedRate]:
    try:
        day = date.fromisoformat(row[0].strip())
    except ValueError:
        raise RateFileError(f"line {number}: {row[0]!r} is not a date (YYYY-MM-DD)") from None
    for code, cell in zip(columns, row[1:], strict=False):
        value = cell.strip()
        if code is None or not value or value == MISSING:
            continue
        try:
            per_euro = Decimal(value)
        except InvalidOperation:
            raise RateFileError(f"line {number}: {value!r} is not a rate for {code.upper()}") from None
        if not per_euro.is_finite() or per_euro <= 0:
            raise RateFileError(f"line {number}: the rate for {code.upper()} must be positive")
        yield PublishedRate(day, code, per_euro)


class RateBook:
    """Published rates per currency, answering "units per euro on this day" with carry-forward."""

    def __init__(self, series: Mapping[str, Iterable[tuple[date, Decimal]]]) -> None:
        self._days: dict[str, list[date]] = {}
        self._values: dict[str, list[Decimal]] = {}
        for currency, points in series.items():
            ordered = sorted(points)
            self._days[currency] = [day for day, _ in ordered]
            self._values[currency] = [value for _, value in ordered]

    def per_euro(self, currency: str, day: date) -> tuple[Decimal, date] | None:
        """(rate, day it was published) of the last rate on or before `day`; the euro is 1."""
        code = currency_code(currency)
        if code == EURO:
            return Decimal(1), day
        days = self._days.get(code, [])
        index = bisect_right(days, day) - 1
        if index < 0:
            return None
        return self._values[code][index], days[index]

    def rate(self, source: str, target: str, day: date) -> Fraction | None:
        """Exact units of `target` per unit of `source` on `day`, crossed through the euro."""
        if currency_code(source) == currency_code(target):
            return Fraction(1)
        source_rate, target_rate = self.per_euro(source, day), self.per_euro(target, day)
        if source_rate is None or target_rate is None:
            return None
        return Fraction(target_rate[0]) / Fraction(source_rate[0])


def convert_micro(amount_micro: int, rate: Fraction) -> int:
    """`amount_micro` times `rate`, rounded once to a whole micro-unit, half to even."""
    if isinstance(amount_micro, bool) or not isinstance(amount_micro, int):
        raise TypeError(f"amount_micro must be an int, got {type(amount_micro).__name__}")
    return round(Fraction(amount_micro) * rate)


def display_rate(rate: Fraction) -> Decimal:
    """The rate shown and stored beside an amount: 12 decimal places (the amount used the exact one)."""
    return (Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("1e-12"))
