"""Revenue per plan: each paid invoice line's net, by its price and the price's product.

A plan is a price; prices are grouped by their product (what a customer would call the plan).
A line's net is computed and spread over its service days exactly as `billing.recognition` does
for a customer's revenue (same `line_net_minor`, same `spread_over_days`, a line without a period
on the invoice's paid day), so a customer's plan amounts over a month add up to that customer's
invoice revenue of the month. Credit notes are not split by plan: they stay in the customer's
revenue but in no plan's (documented in docs/plans.md).

A line stored before its product was read has `product_id` ""; the product then comes from the
subscription item of the same price, and the plan's name from the price nickname that the
subscription items carry (the product id when none has one). Lines without a price (one-off
invoice items) are reported under product "" and price "".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.db.models import Q

from billing.models import StripeInvoiceLine, StripeSubscriptionItem
from billing.recognition import InvoiceLineFacts, LineTax
from billing.recognition.allocation import line_days, line_net_minor
from billing.recognition.days import utc_day
from margint.models import Organization
from margint.money import minor_to_micro, normalize_currency


@dataclass(frozen=True, slots=True)
class PlanRevenue:
    """One Stripe customer's revenue of one price in one month (first day), micro-units."""

    stripe_customer_id: str
    product_id: str
    price_id: str
    month: date
    amount_micro: int


@dataclass(frozen=True, slots=True)
class PlanNames:
    """What the subscription items say of the org's prices: product per price, a name per product."""

    product_of_price: dict[str, str]
    product_names: dict[str, str]


def plan_names(*, org: Organization) -> PlanNames:
    product_of_price: dict[str, str] = {}
    names: dict[str, str] = {}
    items = StripeSubscriptionItem.objects.filter(org=org).order_by("id")
    for price_id, product_id, nickname in items.values_list("price_id", "product_id", "nickname"):
        if price_id and product_id:
            product_of_price[price_id] = product_id
        if product_id and nickname:
            names[product_id] = nickname  # the newest item's nickname wins
    return PlanNames(product_of_price, names)


def plan_revenue(
    *, org: Organization, start: date, end: date, names: PlanNames | None = None
) -> list[PlanRevenue]:
    """Revenue per (Stripe customer, product, price, month) of the UTC days in [start, end).

    Paid invoices only, in the org's reporting currency only (as recognition). Zero sums are
    left out.
    """
    names = names or plan_names(org=org)
    currency = normalize_currency(org.reporting_currency)
    sums: dict[tuple[str, str, str, date], int] = defaultdict(int)
    for row in _lines(org, start, end):
        sid, price, product, line_currency, paid_day, facts = row
        if normalize_currency(line_currency) != currency:
            continue
        product = product or names.product_of_price.get(price, "")
        amount = minor_to_micro(line_net_minor(facts), line_currency)
        for day, share in line_days(facts, amount, paid_day):
            if start <= day < end:
                sums[(sid, product, price, day.replace(day=1))] += share
    return [PlanRevenue(*key, amount) for key, amount in sums.items() if amount]


def _lines(org: Organization, start: date, end: date) -> Iterable[tuple]:
    start_at = datetime.combine(start, time.min, tzinfo=UTC)
    end_at = datetime.combine(end, time.min, tzinfo=UTC)
    spread = Q(period_start__lt=end_at, period_end__gt=start_at)
    # A one-off line (no period, or start == end) lands on the paid day: keep every such line
    # of invoices paid in the window; created stands in for an old invoice without paid_at.
    paid_in = Q(invoice__paid_at__gte=start_at, invoice__paid_at__lt=end_at) | Q(
        invoice__paid_at__isnull=True, invoice__created__gte=start_at, invoice__created__lt=end_at
    )
    lines = StripeInvoiceLine.objects.filter(org=org, invoice__status="paid").filter(spread | paid_in)
    fields = (
        "invoice__stripe_customer__stripe_id",
        "price_id",
        "product_id",
        "invoice__currency",
        "invoice__paid_at",
        "invoice__created",
        "amount",
        "discount_amounts",
        "taxes",
        "period_start",
        "period_end",
    )
    for (
        sid,
        price,
        product,
        currency,
        paid_at,
        created,
        amount,
        discounts,
        taxes,
        p_start,
        p_end,
    ) in lines.values_list(*fields).iterator(chunk_size=2000):
        facts = InvoiceLineFacts(
            amount_minor=amount,
            discount_amounts_minor=tuple(discounts or ()),
            taxes=tuple(LineTax(tax_amount, behavior) for tax_amount, behavior in taxes or ()),
            period_start=p_start,
            period_end=p_end,
        )
        yield sid, price, product, currency, utc_day(paid_at or created), facts
