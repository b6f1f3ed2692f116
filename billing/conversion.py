"""Which rate turns each revenue document into the reporting currency (see docs/currencies.md).

- Same currency: rate 1.
- A paid invoice whose payments Stripe settled in the reporting currency: the settlement, i.e.
  the balance transactions' amount (before fees) over the amount charged, exact.
- Everything else (open or unpaid invoices, credit notes, a settlement in a third currency or
  none read): the rate table, cross rate through the euro, on the document's day: the UTC day
  of `paid_at` for a paid invoice, of `created` for an open one, of `effective_at` (else
  `created`) for a credit note; a day without a published rate takes the last one before it.
- No rate at all: NO_RATE; the amount is kept unconverted and counted in `skippedCurrencies`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from fractions import Fraction

from billing.recognition import NO_RATE, RATE_TABLE, SETTLEMENT, Conversion, utc_day
from billing.stripe_objects import SettlementData
from margint.fx.rates import RateBook
from margint.fx.selectors import rate_book
from margint.money import micro_per_minor, normalize_currency


def document_day(*, status: str, created: datetime, paid_at: datetime | None = None) -> date:
    """The day whose rate converts an invoice: paid day when paid, else the day it was created."""
    return utc_day(paid_at if status == "paid" and paid_at is not None else created)


def book_for(*, reporting: str, documents: Iterable[tuple[str, date]]) -> RateBook:
    """The rates that (currency, day) pairs of a batch need, read in one pass per currency."""
    documents = list(documents)
    foreign = {cur for cur, _ in documents if normalize_currency(cur) != normalize_currency(reporting)}
    if not foreign:
        return RateBook({})
    days = [day for _, day in documents]
    return rate_book(currencies=foreign | {reporting}, start=min(days), end=max(days))


def invoice_conversion(
    book: RateBook,
    *,
    currency: str,
    reporting: str,
    day: date,
    settlement: SettlementData | None = None,
) -> Conversion:
    if normalize_currency(currency) == normalize_currency(reporting):
        return Conversion.same_currency()
    if (
        settlement is not None
        and settlement.charged > 0
        and settlement.currency == normalize_currency(reporting)
    ):
        rate = Fraction(settlement.amount * micro_per_minor(settlement.currency)) / (
            settlement.charged * micro_per_minor(currency)
        )
        return Conversion(SETTLEMENT, rate)
    return table_conversion(book, currency=currency, reporting=reporting, day=day)


def table_conversion(book: RateBook, *, currency: str, reporting: str, day: date) -> Conversion:
    if normalize_currency(currency) == normalize_currency(reporting):
        return Conversion.same_currency()
    rate = book.rate(currency, reporting, day)
    return Conversion(NO_RATE, None, day) if rate is None else Conversion(RATE_TABLE, rate, day)
