"""Reading the revenue tables back in tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Sum

from billing.models import (
    RevenueAllocation,
    RevenueDaily,
    StripeCreditNote,
    StripeCustomer,
    StripeInvoice,
    StripeInvoiceLine,
    StripeSubscription,
    StripeSubscriptionItem,
)


def daily(org, stripe_customer_id: str) -> dict[date, int]:
    """RevenueDaily of one Stripe customer: {day: micro-units}."""
    rows = RevenueDaily.objects.filter(org=org, stripe_customer__stripe_id=stripe_customer_id)
    return dict(rows.values_list("day", "amount_micro"))


def total(org) -> int:
    return RevenueDaily.objects.filter(org=org).aggregate(t=Sum("amount_micro"))["t"] or 0


def allocation_sums(org) -> dict[tuple[int, date], int]:
    sums: dict[tuple[int, date], int] = defaultdict(int)
    for customer, day, amount in RevenueAllocation.objects.filter(org=org).values_list(
        "stripe_customer_id", "day", "amount_micro"
    ):
        sums[(customer, day)] += amount
    return {key: value for key, value in sums.items() if value}


def daily_table(org) -> dict[tuple[int, date], int]:
    return {
        (customer, day): amount
        for customer, day, amount in RevenueDaily.objects.filter(org=org).values_list(
            "stripe_customer_id", "day", "amount_micro"
        )
    }


# Every column that records a fact read from Stripe or derived from one (no bookkeeping times).
_FACTS = {
    StripeCustomer: ("stripe_id", "name", "email", "metadata", "deleted", "created"),
    StripeSubscription: (
        "stripe_id",
        "stripe_customer__stripe_id",
        "status",
        "currency",
        "trial_end",
        "discounts",
    ),
    StripeSubscriptionItem: ("stripe_id", "price_id", "unit_amount_decimal", "interval", "quantity"),
    StripeInvoice: ("id", "stripe_id", "status", "currency", "total", "paid_at", "fingerprint"),
    StripeInvoiceLine: (
        "id",
        "stripe_id",
        "amount",
        "discount_amounts",
        "taxes",
        "period_start",
        "period_end",
    ),
    StripeCreditNote: ("id", "stripe_id", "status", "total", "effective_at"),
    RevenueAllocation: ("id", "source_id", "stripe_customer_id", "day", "amount_micro"),
    RevenueDaily: ("id", "stripe_customer_id", "day", "amount_micro"),
}


def snapshot(org) -> dict[str, list[tuple]]:
    """Every fact row of the org, ids of derived rows included: equal snapshots, nothing rewritten."""
    return {
        model.__name__: sorted(model.objects.filter(org=org).values_list(*columns), key=repr)
        for model, columns in _FACTS.items()
    }
