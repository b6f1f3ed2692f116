"""Reads of the rate table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from margint.fx.models import CurrencyRebuild, ExchangeRate
from margint.fx.rates import EURO, RateBook, currency_code
from margint.models import Organization


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
    """Lowercase codes the table can convert between, sorted: the euro with the others, none
    while the table is empty (nothing could be converted into the euro either)."""
    codes = set(ExchangeRate.objects.values_list("currency", flat=True).distinct())
    return sorted(codes | {EURO}) if codes else []


def has_rates(currency: str) -> bool:
    code = currency_code(currency)
    if code == EURO:
        return ExchangeRate.objects.exists()
    return ExchangeRate.objects.filter(currency=code).exists()


def currency_rebuild_latest(*, org: Organization) -> CurrencyRebuild | None:
    """The org's latest conversion into a new reporting currency (its progress), if any."""
    return CurrencyRebuild.objects.filter(org=org).order_by("-started_at").first()


def first_rates(*, currencies: Iterable[str]) -> dict[str, tuple[Decimal, date]]:
    """Each currency's first published rate and its day (the euro: 1)."""
    first: dict[str, tuple[Decimal, date]] = {}
    for code in {currency_code(c) for c in currencies}:
        if code == EURO:
            first[code] = (Decimal(1), date.min)
            continue
        row = (
            ExchangeRate.objects.filter(currency=code).order_by("day").values_list("per_euro", "day").first()
        )
        if row is not None:
            first[code] = (row[0], row[1])
    return first
