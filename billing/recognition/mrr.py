"""Monthly recurring revenue of one Stripe customer, from its subscriptions or else its recent revenue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Literal

from billing.recognition.days import as_utc
from margint.money import decimal_minor_to_micro, normalize_currency

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
        when = as_utc(as_of)
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
    return trailing_mrr(trailing_30d_revenue_micro)


def trailing_mrr(trailing_30d_revenue_micro: int) -> Mrr:
    """The MRR of a customer without counted subscriptions: its trailing 30 days of recognized
    revenue when positive ("invoices"), else 0 ("none")."""
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
    in_trial = trial_end is not None and as_utc(trial_end) > as_of
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
    return discount.end is None or as_of < as_utc(discount.end)
