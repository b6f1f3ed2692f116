"""Revenue per plan: each paid invoice line's net, by its price and the price's product.

A plan is a price; prices are grouped by their product (what a customer would call the plan).
A line's net is computed and spread over its service days exactly as `billing.recognition` does
for a customer's revenue (same `line_net_minor`, same `line_days`, a line without a period on
the invoice's paid day), converted as its invoice is (`billing.conversion`: same currency, the
settlement, or the rate table of the paid day), so a customer's plan amounts over a month add up
to that customer's invoice revenue of the month. Credit notes are not split by plan: they stay in
the customer's revenue but in no plan's (documented in docs/plans.md).

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

from billing.conversion import book_for, document_day, invoice_conversion
from billing.models import StripeInvoiceLine, StripeSubscriptionItem
from billing.recognition import Conversion, InvoiceLineFacts, LineTax
from billing.recognition.allocation import line_days, line_net_minor
from billing.stripe_objects import SettlementData
from margint.models import Organization
from margint.money import minor_to_micro


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

    Paid invoices only. Each line is converted to the reporting currency as recognition converts
    its invoice (`billing.conversion`: same currency, the settlement, or the rate table on the
    paid day; no rate, nothing), then spread. Zero sums are left out.
    """
    names = names or plan_names(org=org)
    lines = list(_lines(org, start, end))
    reporting = org.reporting_currency
    book = book_for(reporting=reporting, documents=[(line.currency, line.paid_day) for line in lines])
    conversions: dict[int, Conversion] = {}
    sums: dict[tuple[str, str, str, date], int] = defaultdict(int)
    for line in lines:
        conversion = conversions.get(line.invoice_pk)
        if conversion is None:
            conversion = conversions[line.invoice_pk] = invoice_conversion(
                book,
                currency=line.currency,
                reporting=reporting,
                day=line.paid_day,
                settlement=line.settlement,
            )
        product = line.product or names.product_of_price.get(line.price, "")
        amount = conversion.apply(minor_to_micro(line_net_minor(line.facts), line.currency))
        for day, share in line_days(line.facts, amount, line.paid_day):
            if start <= day < end:
                sums[(line.stripe_customer_id, product, line.price, day.replace(day=1))] += share
    return [PlanRevenue(*key, amount) for key, amount in sums.items() if amount]


@dataclass(frozen=True, slots=True)
class _Line:
    invoice_pk: int
    stripe_customer_id: str
    price: str
    product: str
    currency: str
    paid_day: date
    settlement: SettlementData | None
    facts: InvoiceLineFacts


_FIELDS = (
    "invoice_id",
    "invoice__stripe_customer__stripe_id",
    "price_id",
    "product_id",
    "invoice__currency",
    "invoice__paid_at",
    "invoice__created",
    "invoice__amount_paid",
    "invoice__settled_amount",
    "invoice__settled_currency",
    "invoice__settled_exchange_rate",
    "amount",
    "discount_amounts",
    "taxes",
    "period_start",
    "period_end",
)


def _lines(org: Organization, start: date, end: date) -> Iterable[_Line]:
    start_at = datetime.combine(start, time.min, tzinfo=UTC)
    end_at = datetime.combine(end, time.min, tzinfo=UTC)
    spread = Q(period_start__lt=end_at, period_end__gt=start_at)
    # A one-off line (no period, or start == end) lands on the paid day: keep every such line
    # of invoices paid in the window; created stands in for an old invoice without paid_at.
    paid_in = Q(invoice__paid_at__gte=start_at, invoice__paid_at__lt=end_at) | Q(
        invoice__paid_at__isnull=True, invoice__created__gte=start_at, invoice__created__lt=end_at
    )
    lines = StripeInvoiceLine.objects.filter(org=org, invoice__status="paid").filter(spread | paid_in)
    for row in lines.values_list(*_FIELDS).iterator(chunk_size=2000):
        (pk, sid, price, product, currency, paid_at, created, paid, settled, settled_currency, rate) = row[
            :11
        ]
        amount, discounts, taxes, period_start, period_end = row[11:]
        facts = InvoiceLineFacts(
            amount_minor=amount,
            discount_amounts_minor=tuple(discounts or ()),
            taxes=tuple(LineTax(tax_amount, behavior) for tax_amount, behavior in taxes or ()),
            period_start=period_start,
            period_end=period_end,
        )
        settlement = None
        if settled is not None:
            exchange = None if rate is None else str(rate)
            settlement = SettlementData(
                charged=paid, amount=settled, currency=settled_currency, exchange_rate=exchange
            )
        paid_day = document_day(status="paid", created=created, paid_at=paid_at)
        yield _Line(pk, sid, price, product, currency, paid_day, settlement, facts)
