"""Cost in the reporting currency: each event's USD cost converted at the rate of its UTC day.

Prices are in USD, and a cost event keeps the USD cost it was priced or sent with: the event is a
fact and is never rewritten. The conversion happens in the rollups (`DailyRollup`,
`CustomerDailyCost` and the monthly totals kept from them), which are derived rows: ingestion
adds converted amounts, and a rebuild (a change of reporting currency, new rates for past days)
recomputes them from the events. Doing it at ingestion instead would write the reporting
currency into the facts, so a change of currency would have to rewrite every event.

Rule (the same as revenue's, docs/currencies.md): each event's cost in micro-USD times the exact
rate of its day (units of the reporting currency per USD, crossed through the euro; a day
without a published rate takes the last one before it), rounded once, half to even. Summing
converted events, not converting sums, makes a rollup independent of how events were batched,
so a rebuild equals what ingestion added. A day before the first published rate takes the
first one published (cost is never left out for want of a rate).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction

from margint.fx.rates import convert_micro
from margint.fx.selectors import first_rates, rate_book

PRICE_CURRENCY = "usd"

# (units of the reporting currency per euro, units of USD per euro): the rate is their ratio.
DayRate = tuple[Decimal, Decimal]


def converts(reporting_currency: str) -> bool:
    return reporting_currency.lower() != PRICE_CURRENCY


def day_rates(*, reporting_currency: str, days: Iterable[date]) -> dict[date, DayRate]:
    """The rate of each day, as the two per-euro rates whose ratio it is (exact in SQL too)."""
    days = sorted(set(days))
    if not days:
        return {}
    codes = (reporting_currency.lower(), PRICE_CURRENCY)
    book = rate_book(currencies=codes, start=days[0], end=days[-1])
    earliest = first_rates(currencies=codes)
    rates = {}
    for day in days:
        target, source = (book.per_euro(code, day) or earliest.get(code) for code in codes)
        if target is None or source is None:
            raise LookupError(f"no exchange rate between USD and {reporting_currency.upper()}")
        rates[day] = (target[0], source[0])
    return rates


def converted_cost(cost_micro: int, rate: DayRate) -> int:
    return convert_micro(cost_micro, Fraction(rate[0]) / Fraction(rate[1]))


# Half to even on PostgreSQL's numeric (its round() takes ties away from zero); costs are >= 0.
# `x` is exact enough: a tie is exactly representable, and a non-tie is farther from .5 than the
# 16 decimal places numeric division keeps.
HALF_EVEN_SQL = (
    "(CASE WHEN {x} - floor({x}) = 0.5 THEN floor({x}) + mod(floor({x}), 2) ELSE round({x}) END)::bigint"
)
