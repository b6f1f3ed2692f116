"""Reads of the rate table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from margint.fx.models import ExchangeRate
from margint.fx.rates import EURO, RateBook, currency_code


def rate_book(*, currencies: Iterable[str], start: date, end: date) -> RateBook:
    """Rates of `currencies` published in [start, end], plus each one's last rate before `start`
    (what a day early in the range carries forward)."""
    codes = sorted({currency_code(code) for code in currencies} - {EURO})
    series: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    if not codes:
        return RateBook(series)
    rows = ExchangeRate.objects.filter(currency__in=codes, day__gte=start, day__lte=end)
    for currency, day, per_euro in rows.values_list("currency", "day", "per_euro"):
        series[currency].append((day, per_euro))
    for code in codes:
        before = ExchangeRate.objects.filter(currency=code, day__lt=start).order_by("-day")
        last = before.values_list("day", "per_euro").first()
        if last is not None:
            series[code].append(last)
    return RateBook(series)


def currencies_with_rates() -> list[str]:
    """Lowercase codes the table can convert between, the euro included, sorted."""
    codes = set(ExchangeRate.objects.values_list("currency", flat=True).distinct())
    return sorted(codes | {EURO})


def has_rates(currency: str) -> bool:
    code = currency_code(currency)
    return code == EURO or ExchangeRate.objects.filter(currency=code).exists()
