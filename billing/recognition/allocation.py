"""Revenue recognition: invoices and credit notes in, integer micro-units per (customer, day) out.

Rules
-----
Net revenue of an invoice line, in the line's minor units::

    net = amount - sum(discount_amounts[].amount) - sum(taxes[].amount where inclusive)

Stripe's line `amount` already contains inclusive tax and never contains exclusive tax
(exclusive tax is added on top of it in the invoice total), so only inclusive tax is removed;
removing exclusive tax as well would take tax out of revenue that never contained it. For an
invoice without shipping or pre-tax credits, the sum of the line nets is therefore the invoice's
`total_excluding_tax` ("including all discounts but excluding all tax"). Stripe reports
invoice-level discounts per line too, in `discount_amounts`. `pretax_credit_amounts` is not
read: its `discount` entries repeat `discount_amounts`, and its `credit_balance_transaction`
entries (billing credits) are not a reduction of the line's price. The net keeps its sign:
proration credit lines are negative.

Spreading: a line with a service period [start, end) is spread over the UTC days that period
touches (see `billing.recognition.days`), so the days sum exactly to the line's net. A line without
a period, or with start == end (Stripe's shape for one-off items), lands whole on the UTC day of the
invoice's `paid_at`.

Credit notes subtract their net (`total_excluding_tax` when Stripe sends it, else `total` minus
every `total_taxes[].amount`, since `total` includes inclusive and exclusive tax) on the UTC day
of `effective_at`, or of `created` when `effective_at` is absent.

Allocations are aggregated per (customer, day), sorted by day, and days whose amount is zero are
left out: a zero-amount invoice yields no allocations (and still sums to its net, zero).
Conversion: the caller says how the document's currency becomes the reporting currency (a
`Conversion`: the rate and where it came from, see docs/currencies.md). Each line's net, in
micro-units of the document's currency, is multiplied by the exact rate and rounded once, half to
even, to a micro-unit of the reporting currency; the converted net and the original net are then
spread over the same days, so both sum exactly. A credit note's net is converted the same way, as
one amount. With `NO_RATE` the converted amount is zero and the original amount is kept, so that
what could not be converted is counted per currency and period. Without a `Conversion`, a
document in another currency is not allocated and the result carries `skipped_currency`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from billing.recognition.days import day_weights, split_by_weights, utc_day
from margint.fx.rates import convert_micro
from margint.money import minor_to_micro, normalize_currency

SAME_CURRENCY = "same_currency"
SETTLEMENT = "settlement"
RATE_TABLE = "rate_table"
NO_RATE = "no_rate"

TAX_INCLUSIVE = "inclusive"
TAX_EXCLUSIVE = "exclusive"


# --- Facts in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineTax:
    """One entry of today's invoice line `taxes` list, as far as recognition reads it.

    Stripe's entry is `{amount, tax_behavior, tax_rate_details, taxability_reason,
    taxable_amount, type}`. Only `amount` and `tax_behavior` matter here:
    - `tax_behavior` "inclusive": the tax is inside the line `amount` and is removed from it;
      "exclusive": the tax sits on top of `amount` and there is nothing to remove. Any other
      value raises ValueError rather than guessing.
    - `taxability_reason` (standard_rated, reverse_charge, customer_exempt, not_collecting, ...)
      is not read: when no tax applies Stripe reports `amount` 0, so removing `amount` is right
      whatever the reason, including reasons Stripe adds later.
    - `type` is "tax_rate_details" today; `amount` is read the same way whatever the type.
    - `taxable_amount` and `tax_rate_details` describe how the tax was computed and are not needed.
    """

    amount_minor: int
    tax_behavior: str


@dataclass(frozen=True)
class InvoiceLineFacts:
    """An invoice line: Stripe minor units of the invoice currency; period as aware datetimes."""

    amount_minor: int
    discount_amounts_minor: tuple[int, ...] = ()
    taxes: tuple[LineTax, ...] = ()
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True)
class InvoiceFacts:
    """A paid invoice. `paid_at` (status_transitions.paid_at) dates lines without a period."""

    stripe_customer_id: str
    currency: str
    paid_at: datetime
    lines: tuple[InvoiceLineFacts, ...]


@dataclass(frozen=True)
class CreditNoteFacts:
    """An issued credit note; `total_excluding_tax_minor` is None when Stripe sends null."""

    stripe_customer_id: str
    currency: str
    total_minor: int
    created: datetime
    total_excluding_tax_minor: int | None = None
    total_taxes_minor: tuple[int, ...] = ()
    effective_at: datetime | None = None


# --- Allocations out ------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """How a document's amounts become the reporting currency's: the exact rate (None only for
    NO_RATE), where it came from, and the day of the rate-table rate when one was used."""

    source: str
    rate: Fraction | None
    rate_day: date | None = None

    @classmethod
    def same_currency(cls) -> Conversion:
        return cls(SAME_CURRENCY, Fraction(1))

    def apply(self, amount_micro: int) -> int:
        if self.source == SAME_CURRENCY:  # rate 1: nothing to multiply or round
            return amount_micro
        return 0 if self.rate is None else convert_micro(amount_micro, self.rate)


@dataclass(frozen=True)
class DailyAllocation:
    """Micro-units of the reporting currency on one day, with the original amount it came from."""

    stripe_customer_id: str
    day: date
    amount_micro: int
    # Provenance, not part of what an allocation is worth: equality compares the three above.
    original_micro: int | None = field(default=None, compare=False)
    currency: str = field(default="", compare=False)
    conversion: Conversion | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AllocationResult:
    """Allocations of one invoice or credit note, or the currency that made it skipped."""

    allocations: tuple[DailyAllocation, ...] = ()
    skipped_currency: str | None = None


def line_net_minor(line: InvoiceLineFacts) -> int:
    """amount - discounts - inclusive tax (exclusive tax is not part of `amount`)."""
    inclusive_tax = sum(tax.amount_minor for tax in line.taxes if _is_inclusive(tax))
    return line.amount_minor - sum(line.discount_amounts_minor) - inclusive_tax


def invoice_net_micro(invoice: InvoiceFacts) -> int:
    """Net revenue of the whole invoice in micro-units: what its allocations must sum to."""
    return sum(minor_to_micro(line_net_minor(line), invoice.currency) for line in invoice.lines)


def credit_note_net_micro(credit_note: CreditNoteFacts) -> int:
    """Net of a credit note in micro-units, as a positive number for a normal credit note."""
    net_minor = credit_note.total_excluding_tax_minor
    if net_minor is None:
        net_minor = credit_note.total_minor - sum(credit_note.total_taxes_minor)
    return minor_to_micro(net_minor, credit_note.currency)


def allocated_micro(result: AllocationResult) -> int:
    """Sum of a result's allocations; equals the document's net unless it was skipped."""
    return sum(allocation.amount_micro for allocation in result.allocations)


def allocate_invoice(
    invoice: InvoiceFacts, *, reporting_currency: str, conversion: Conversion | None = None
) -> AllocationResult:
    """Spread each line's net (converted, and as it was) over its service days, per (customer, day)."""
    conversion = conversion or _same_or_none(invoice.currency, reporting_currency)
    if conversion is None:
        return AllocationResult(skipped_currency=normalize_currency(invoice.currency))
    paid_day = utc_day(invoice.paid_at)
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    weights_of: dict[tuple, tuple] = {}  # an invoice's lines mostly share one service period
    for line in invoice.lines:
        original = minor_to_micro(line_net_minor(line), invoice.currency)
        converted = conversion.apply(original)
        period = (line.period_start, line.period_end)
        if period not in weights_of:
            weights_of[period] = line_weights(line, paid_day)
        days, weights = weights_of[period]
        shares = split_by_weights(converted, weights)
        # Both amounts over the same days; the same amount (no conversion) splits the same way.
        original_shares = shares if converted == original else split_by_weights(original, weights)
        for day, share, original_share in zip(days, shares, original_shares, strict=True):
            totals = per_day[day]
            totals[0] += share
            totals[1] += original_share
    return AllocationResult(
        allocations=_daily(invoice.stripe_customer_id, per_day, invoice.currency, conversion)
    )


def allocate_credit_note(
    credit_note: CreditNoteFacts, *, reporting_currency: str, conversion: Conversion | None = None
) -> AllocationResult:
    """Subtract the credit note's net on its effective day (created day when absent)."""
    conversion = conversion or _same_or_none(credit_note.currency, reporting_currency)
    if conversion is None:
        return AllocationResult(skipped_currency=normalize_currency(credit_note.currency))
    day = utc_day(credit_note.effective_at or credit_note.created)
    original = -credit_note_net_micro(credit_note)
    per_day = {day: [conversion.apply(original), original]}
    return AllocationResult(
        allocations=_daily(credit_note.stripe_customer_id, per_day, credit_note.currency, conversion)
    )


def _is_inclusive(tax: LineTax) -> bool:
    if tax.tax_behavior == TAX_INCLUSIVE:
        return True
    if tax.tax_behavior == TAX_EXCLUSIVE:
        return False
    raise ValueError(f"unknown tax_behavior: {tax.tax_behavior!r}")


def _same_or_none(currency: str, reporting_currency: str) -> Conversion | None:
    same = normalize_currency(currency) == normalize_currency(reporting_currency)
    return Conversion.same_currency() if same else None


def line_days(line: InvoiceLineFacts, amount_micro: int, paid_day: date) -> Iterable[tuple[date, int]]:
    days, weights = line_weights(line, paid_day)
    return zip(days, split_by_weights(amount_micro, weights), strict=True)


def line_weights(line: InvoiceLineFacts, paid_day: date) -> tuple[tuple[date, ...], tuple[int, ...]]:
    """The days a line's net lands on and their weights: its service period, else the paid day."""
    start, end = line.period_start, line.period_end
    if (start is None) != (end is None):
        raise ValueError("a line period needs both start and end, or neither")
    # Stripe gives one-off items a period with start == end: nothing to spread over.
    if start is None or end is None or start == end:
        return (paid_day,), (1,)
    return day_weights(start, end)


def _daily(
    customer_id: str, per_day: Mapping[date, list[int]], currency: str, conversion: Conversion
) -> tuple[DailyAllocation, ...]:
    # Zero days are dropped: they carry no revenue and would only be noise rows. A day whose
    # original amount could not be converted is kept: it is what `skippedCurrencies` counts.
    code = normalize_currency(currency)
    return tuple(
        DailyAllocation(customer_id, day, amount, original, code, conversion)
        for day, (amount, original) in sorted(per_day.items())
        if amount != 0 or original != 0
    )
