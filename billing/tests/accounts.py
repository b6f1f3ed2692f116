"""Stripe accounts with known numbers, built on the double, for the revenue tests.

Dates are fixed in 2026 (UTC); the tests' lookback setting keeps them inside the first sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from stripe_double import CreditLine, Line, StripeDataset, to_epoch

JAN_1 = to_epoch(date(2026, 1, 1))
HOUR, DAY = 3600, 86400


def at(year: int, month: int, day: int, hour: int = 0) -> int:
    return to_epoch(datetime(year, month, day, hour, tzinfo=UTC))


@dataclass(frozen=True)
class Cases:
    """Stripe customer ids of the cases in `every_case_account`, by name."""

    annual: str
    prorated: str
    discounted: str
    taxed: str
    refunded: str
    zero: str
    deleted: str
    euro: str
    many_lines: str


def every_case_account(account: StripeDataset) -> Cases:
    """One customer per case, each with numbers worked out by hand in the tests."""
    created = JAN_1 - 30 * DAY
    starter = account.add_price(unit_amount=4900, created=created, nickname="Starter monthly")
    pro = account.add_price(unit_amount=19900, created=created, nickname="Pro monthly")
    team = account.add_price(unit_amount=199000, created=created, nickname="Team annual", interval="year")
    pro_eur = account.add_price(unit_amount=17900, created=created, currency="eur", nickname="Pro (EUR)")
    sales_tax = account.add_tax_rate(percentage="8.875", created=created, country="US", state="NY")
    vat = account.add_tax_rate(percentage=19, created=created, country="DE", inclusive=True)

    def customer(name: str, **options) -> str:
        return account.add_customer(
            created=created, name=name, email=f"billing@{name.split()[0].lower()}.test", **options
        )["id"]

    def subscribed(customer_id: str, price: dict, **options) -> dict:
        return account.add_subscription(
            customer=customer_id, items=[(price["id"], 1)], created=JAN_1, **options
        )

    # Annual: $1,990.00 for [2026-01-01, 2027-01-01), 365 days.
    annual = customer("Annual Co")
    sub = subscribed(annual, team)
    account.add_invoice(customer=annual, subscription=sub["id"], created=JAN_1, paid_at=JAN_1 + HOUR, lines=[
        Line(amount=199000, period_start=JAN_1, period_end=at(2027, 1, 1), price=team["id"]),
    ])  # fmt: skip

    # Upgrade mid-cycle: -$24.50 unused Starter, +$99.50 Pro, both over [Jan 16, Feb 1): 16 days.
    prorated = customer("Prorate Co")
    sub = subscribed(prorated, starter)
    account.add_invoice(customer=prorated, subscription=sub["id"], created=at(2026, 1, 16), lines=[
        Line(amount=-2450, period_start=at(2026, 1, 16), period_end=at(2026, 2, 1), price=starter["id"], proration=True),
        Line(amount=9950, period_start=at(2026, 1, 16), period_end=at(2026, 2, 1), price=pro["id"], proration=True),
    ], billing_reason="subscription_update")  # fmt: skip

    # 20% off: $49.00 - $9.80 over January (31 days).
    discounted = customer("Discount Co")
    sub = subscribed(discounted, starter, discount=True)
    account.add_invoice(customer=discounted, subscription=sub["id"], created=JAN_1, lines=[
        Line(amount=4900, period_start=JAN_1, period_end=at(2026, 2, 1), price=starter["id"], discount_amount=980),
    ])  # fmt: skip

    # One-off items (no period) paid on Jan 3: $100 + $8.88 exclusive tax, and $119 with $19 VAT inside.
    taxed = customer("Taxed Co")
    account.add_invoice(customer=taxed, created=at(2026, 1, 3), paid_at=at(2026, 1, 3, 12), lines=[
        Line(amount=10000, period_start=at(2026, 1, 3), period_end=at(2026, 1, 3), tax_amount=888, tax_rate=sales_tax["id"]),
        Line(amount=11900, period_start=at(2026, 1, 3), period_end=at(2026, 1, 3), tax_amount=1900, tax_rate=vat["id"]),
    ])  # fmt: skip

    # $199 paid Jan 10, half refunded by a credit note on Jan 17.
    refunded = customer("Refund Co")
    invoice = account.add_invoice(customer=refunded, created=at(2026, 1, 10), lines=[
        Line(amount=19900, period_start=at(2026, 1, 10), period_end=at(2026, 1, 10), price=pro["id"]),
    ])  # fmt: skip
    account.add_credit_note(invoice=invoice["id"], created=at(2026, 1, 17, 9), lines=[
        CreditLine(amount=9950, invoice_line_item=invoice["lines"]["data"][0]["id"]),
    ])  # fmt: skip

    # A trial: a paid invoice of zero.
    zero = customer("Zero Co")
    sub = subscribed(zero, pro, status="trialing")
    account.add_invoice(customer=zero, subscription=sub["id"], created=JAN_1, lines=[
        Line(amount=0, period_start=JAN_1, period_end=JAN_1 + 14 * DAY, price=pro["id"]),
    ])  # fmt: skip

    # $49 paid on Jan 5, then the customer was deleted in Stripe.
    deleted = customer("Gone Co")
    account.add_invoice(customer=deleted, created=at(2026, 1, 5), lines=[
        Line(amount=4900, period_start=at(2026, 1, 5), period_end=at(2026, 1, 5)),
    ])  # fmt: skip
    account.delete_customer(deleted)

    # Two EUR invoices: not in the reporting currency, skipped and counted.
    euro = customer("Euro GmbH", currency="eur")
    sub = subscribed(euro, pro_eur)
    for month in (1, 2):
        account.add_invoice(customer=euro, subscription=sub["id"], created=at(2026, month, 1), lines=[
            Line(amount=17900, period_start=at(2026, month, 1), period_end=at(2026, month + 1, 1), price=pro_eur["id"]),
        ])  # fmt: skip

    # 25 one-dollar items on Jan 20: Stripe embeds 10, the rest are paged from /lines.
    many_lines = customer("Many Lines Co")
    account.add_invoice(customer=many_lines, created=at(2026, 1, 20), lines=[
        Line(amount=100, period_start=at(2026, 1, 20), period_end=at(2026, 1, 20), description=f"Item {n}")
        for n in range(25)
    ])  # fmt: skip
    return Cases(annual, prorated, discounted, taxed, refunded, zero, deleted, euro, many_lines)


def simple_account(account: StripeDataset, *, invoices: int, amount: int = 1000) -> list[str]:
    """`invoices` paid one-off invoices of `amount` cents, one customer each, one hour apart
    from Jan 1 2026 01:00; their revenue lands on the paid day. Returns the customer ids."""
    created = JAN_1 - DAY
    customers = []
    for number in range(invoices):
        customer = account.add_customer(created=created + number, name=f"Customer {number:03d}")["id"]
        moment = JAN_1 + (number + 1) * HOUR
        account.add_invoice(customer=customer, created=moment, lines=[
            Line(amount=amount, period_start=moment, period_end=moment),
        ])  # fmt: skip
        customers.append(customer)
    return customers
