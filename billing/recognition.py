"""Revenue recognition and MRR: Stripe facts in, integer micro-unit amounts out.

Pure module: frozen dataclasses in and out, no Django, no ORM, no clock, no stripe import.
The gateway turns Stripe objects into the *Facts classes below (epoch seconds become aware
datetimes there); the caller stores the allocations and passes `as_of` explicitly.

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
touches, each day weighted by the time of the period falling on it. A period aligned to UTC
midnights gives every day an equal weight; a period ending exactly at midnight does not touch
its end day (half-open); a period starting at 14:32 gives its first and last day partial
weights, so consecutive periods of one subscription never count a day twice. Each day receives
the integer part of its share and the leftover micro-units go one each to the days with the
largest dropped fractions, the earliest day first on ties (for equal weights: the first days
get +1). The days therefore sum exactly to the line's net. Negative amounts are split as their
absolute value and negated, so a credit mirrors the charge it cancels. There is no length limit:
an annual line covers 365 or 366 days (one share per day, 1/366 in a leap year) and a three-year
prepayment covers about 1096 days. A line without a period, or with start == end (Stripe's
shape for one-off items), lands whole on the UTC day of the invoice's `paid_at`.

Credit notes subtract their net (`total_excluding_tax` when Stripe sends it, else `total` minus
every `total_taxes[].amount`, since `total` includes inclusive and exclusive tax) on the UTC day
of `effective_at`, or of `created` when `effective_at` is absent.

Allocations are aggregated per (customer, day), sorted by day, and days whose amount is zero are
left out: a zero-amount invoice yields no allocations (and still sums to its net, zero).
A document whose currency differs from the organization's reporting currency is not allocated:
the result carries `skipped_currency` so that the caller can count skipped documents per currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Literal

from billing.money import decimal_minor_to_micro, minor_to_micro, normalize_currency

TAX_INCLUSIVE = "inclusive"
TAX_EXCLUSIVE = "exclusive"

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


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
class DailyAllocation:
    stripe_customer_id: str
    day: date
    amount_micro: int


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


def allocate_invoice(invoice: InvoiceFacts, *, reporting_currency: str) -> AllocationResult:
    """Spread each line's net over its service days and aggregate per (customer, day)."""
    skipped = _skipped_currency(invoice.currency, reporting_currency)
    if skipped:
        return AllocationResult(skipped_currency=skipped)
    paid_day = utc_day(invoice.paid_at)
    per_day: dict[date, int] = defaultdict(int)
    for line in invoice.lines:
        amount_micro = minor_to_micro(line_net_minor(line), invoice.currency)
        for day, share in _line_days(line, amount_micro, paid_day):
            per_day[day] += share
    return AllocationResult(allocations=_daily(invoice.stripe_customer_id, per_day))


def allocate_credit_note(credit_note: CreditNoteFacts, *, reporting_currency: str) -> AllocationResult:
    """Subtract the credit note's net on its effective day (created day when absent)."""
    skipped = _skipped_currency(credit_note.currency, reporting_currency)
    if skipped:
        return AllocationResult(skipped_currency=skipped)
    day = utc_day(credit_note.effective_at or credit_note.created)
    per_day = {day: -credit_note_net_micro(credit_note)}
    return AllocationResult(allocations=_daily(credit_note.stripe_customer_id, per_day))


def spread_over_days(amount_micro: int, start: datetime, end: datetime) -> tuple[tuple[date, int], ...]:
    """Split `amount_micro` over the UTC days of [start, end), summing exactly to it.

    Each day is weighted by the microseconds of the period falling on it; leftover micro-units
    go to the largest dropped fractions, earliest day first. See the module docstring.
    """
    start_utc, end_utc = _as_utc(start), _as_utc(end)
    if end_utc <= start_utc:
        raise ValueError(f"period must end after it starts: [{start}, {end})")
    days, weights = zip(*_day_weights(start_utc, end_utc), strict=True)
    shares = _largest_remainder(abs(amount_micro), weights)
    sign = -1 if amount_micro < 0 else 1
    return tuple((day, sign * share) for day, share in zip(days, shares, strict=True))


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of an aware datetime."""
    return _as_utc(moment).date()


def _is_inclusive(tax: LineTax) -> bool:
    if tax.tax_behavior == TAX_INCLUSIVE:
        return True
    if tax.tax_behavior == TAX_EXCLUSIVE:
        return False
    raise ValueError(f"unknown tax_behavior: {tax.tax_behavior!r}")


def _skipped_currency(currency: str, reporting_currency: str) -> str | None:
    code = normalize_currency(currency)
    return None if code == normalize_currency(reporting_currency) else code


def _line_days(line: InvoiceLineFacts, amount_micro: int, paid_day: date) -> Iterable[tuple[date, int]]:
    start, end = line.period_start, line.period_end
    if (start is None) != (end is None):
        raise ValueError("a line period needs both start and end, or neither")
    # Stripe gives one-off items a period with start == end: nothing to spread over.
    if start is None or end is None or start == end:
        return ((paid_day, amount_micro),)
    return spread_over_days(amount_micro, start, end)


def _daily(customer_id: str, per_day: Mapping[date, int]) -> tuple[DailyAllocation, ...]:
    # Zero days are dropped: they carry no revenue and would only be noise rows.
    return tuple(
        DailyAllocation(stripe_customer_id=customer_id, day=day, amount_micro=amount)
        for day, amount in sorted(per_day.items())
        if amount != 0
    )


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime would silently be read in the server's zone and shift revenue by a day.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.astimezone(UTC)


def _day_weights(start: datetime, end: datetime) -> list[tuple[date, int]]:
    """Microseconds of [start, end) on each UTC day it touches (start, end in UTC)."""
    weights = []
    day = start.date()
    day_start = datetime.combine(day, time.min, tzinfo=UTC)
    while day_start < end:
        overlap = min(end, day_start + _ONE_DAY) - max(start, day_start)
        weights.append((day, overlap // _ONE_MICROSECOND))
        day, day_start = day + _ONE_DAY, day_start + _ONE_DAY
    return weights


def _largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split a non-negative total in proportion to positive weights into integers summing to it.

    Each part is floor(total * w / W); the leftover (fewer units than there are parts) goes one
    unit each to the parts with the largest dropped fraction, the earliest part first on ties.
    """
    weight_sum = sum(weights)
    parts = [total * weight // weight_sum for weight in weights]
    fractions = [total * weight % weight_sum for weight in weights]
    leftover = total - sum(parts)
    for index in sorted(range(len(parts)), key=lambda i: (-fractions[i], i))[:leftover]:
        parts[index] += 1
    return parts


# --- MRR --------------------------------------------------------------------------------------

COUNTED_SUBSCRIPTION_STATUSES = frozenset({"active", "past_due"})
METERED = "metered"
# interval -> (multiplier, divisor) turning one billing period into one month.
_MONTHLY_FACTORS: dict[str, tuple[int, int]] = {
    "day": (365, 12),
    "week": (52, 12),
    "month": (1, 1),
    "year": (1, 12),
}
_RECURRING_DURATIONS = frozenset({"forever", "repeating"})

MrrSource = Literal["subscriptions", "invoices", "none"]


@dataclass(frozen=True)
class DiscountFacts:
    """A Stripe discount with its coupon resolved.

    `percent_off` is a Decimal (the gateway builds it from the coupon's float with
    Decimal(str(value))); `amount_off_minor` is in the subscription's currency and, like Stripe,
    comes off every invoice, i.e. once per billing period. `end` is the discount's `end`, set by
    Stripe for `repeating` coupons. `once` coupons never recur and do not reduce MRR.
    """

    duration: str
    percent_off: Decimal | None = None
    amount_off_minor: int | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class SubscriptionItemFacts:
    """One subscription item; `unit_amount_minor` is the price's `unit_amount_decimal`.

    `unit_amount_minor` is None for tiered prices: such an item cannot be priced without usage
    and is not counted. `interval`, `interval_count` and `usage_type` are the price's `recurring`.
    """

    unit_amount_minor: Decimal | None
    quantity: int
    interval: str
    interval_count: int = 1
    usage_type: str = "licensed"
    discounts: tuple[DiscountFacts, ...] = ()


@dataclass(frozen=True)
class SubscriptionFacts:
    status: str
    currency: str
    items: tuple[SubscriptionItemFacts, ...]
    discounts: tuple[DiscountFacts, ...] = ()
    trial_end: datetime | None = None


@dataclass(frozen=True)
class Mrr:
    amount_micro: int
    source: MrrSource


def compute_mrr(
    *,
    subscriptions: Sequence[SubscriptionFacts],
    trailing_30d_revenue_micro: int,
    as_of: datetime,
    currency: str,
) -> Mrr:
    """Monthly recurring revenue of one Stripe customer, in micro-units of `currency`.

    Counted: subscriptions in `currency` whose status is active or past_due and whose trial_end
    is not after `as_of`; within them, licensed items with a unit amount. Each item is
    unit_amount x quantity per billing period, made monthly (month x1, year /12, week x52/12,
    day x365/12, all /interval_count). Active discounts (forever, or repeating not yet ended at
    `as_of`) apply in Stripe's order, each to what the previous left, never below zero: item
    discounts to their item, subscription discounts to the sum of its counted items (an
    amount_off made monthly with the interval of the first counted item, as Stripe bills all
    items of a subscription on one interval). Sums stay Decimal; one half-even rounding at the end.

    Source "subscriptions" as soon as one item is counted (even if discounts bring it to zero);
    else "invoices" with the trailing 30 days of recognized revenue when that is positive;
    else "none" with 0.
    """
    if subscriptions:  # most customers of a large org have none: 10,000 of them are asked at once
        when = _as_utc(as_of)
        with localcontext() as context:
            # Ample for minor units x quantity / 12, so the one rounding is the final one.
            context.prec = 50
            monthly = [_subscription_monthly(sub, when, currency) for sub in subscriptions]
            counted = [amount for amount in monthly if amount is not None]
            if counted:
                return Mrr(
                    decimal_minor_to_micro(sum(counted, Decimal(0)), currency),
                    "subscriptions",
                )
    if trailing_30d_revenue_micro > 0:
        return Mrr(trailing_30d_revenue_micro, "invoices")
    return Mrr(0, "none")


def _subscription_monthly(subscription: SubscriptionFacts, as_of: datetime, currency: str) -> Decimal | None:
    """Monthly minor units of a subscription, or None when nothing in it is counted."""
    if not _subscription_counts(subscription, as_of, currency):
        return None
    items = [item for item in subscription.items if _item_counts(item)]
    if not items:
        return None
    gross = sum((_item_monthly(item, as_of) for item in items), Decimal(0))
    return _apply_discounts(gross, subscription.discounts, as_of, billed_like=items[0])


def _subscription_counts(subscription: SubscriptionFacts, as_of: datetime, currency: str) -> bool:
    # A status can lag behind a trial that is still running: trial_end decides as well.
    trial_end = subscription.trial_end
    in_trial = trial_end is not None and _as_utc(trial_end) > as_of
    same_currency = normalize_currency(subscription.currency) == normalize_currency(currency)
    return subscription.status in COUNTED_SUBSCRIPTION_STATUSES and not in_trial and same_currency


def _item_counts(item: SubscriptionItemFacts) -> bool:
    # Metered usage is billed in arrears and is not a recurring commitment.
    return item.usage_type != METERED and item.unit_amount_minor is not None


def _item_monthly(item: SubscriptionItemFacts, as_of: datetime) -> Decimal:
    per_period = Decimal(item.unit_amount_minor or 0) * item.quantity
    return _apply_discounts(_to_monthly(per_period, item), item.discounts, as_of, billed_like=item)


def _to_monthly(per_period: Decimal, item: SubscriptionItemFacts) -> Decimal:
    if item.interval not in _MONTHLY_FACTORS:
        raise ValueError(f"unknown recurring interval: {item.interval!r}")
    if item.interval_count < 1:
        raise ValueError(f"interval_count must be at least 1, got {item.interval_count}")
    multiplier, divisor = _MONTHLY_FACTORS[item.interval]
    return per_period * multiplier / (divisor * item.interval_count)


def _apply_discounts(
    monthly: Decimal,
    discounts: Sequence[DiscountFacts],
    as_of: datetime,
    *,
    billed_like: SubscriptionItemFacts,
) -> Decimal:
    """Apply active discounts in order; an amount_off is per billing period of `billed_like`."""
    for discount in discounts:
        if not _discount_active(discount, as_of):
            continue
        if discount.percent_off is not None:
            monthly -= monthly * discount.percent_off / 100
        elif discount.amount_off_minor is not None:
            monthly -= _to_monthly(Decimal(discount.amount_off_minor), billed_like)
        # Stripe never lets a coupon turn an invoice into a credit.
        monthly = max(monthly, Decimal(0))
    return monthly


def _discount_active(discount: DiscountFacts, as_of: datetime) -> bool:
    if discount.duration not in _RECURRING_DURATIONS:
        return False
    return discount.end is None or as_of < _as_utc(discount.end)
