"""The gateway: Stripe's current and older shapes in, plain dataclasses out, retries with backoff."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billing.stripe_gateway import (
    RetryPolicy,
    StripeAuthFailed,
    StripeGateway,
    StripeNotFound,
    StripeUnavailable,
)
from billing.stripe_objects import (
    CustomerData,
    InvoiceData,
    parse_discount,
    parse_invoice,
    parse_invoice_line,
    parse_subscription,
)
from billing.tests.accounts import JAN_1, at
from stripe_double import DEFAULT_API_KEY, Line

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gateway(stripe_server) -> StripeGateway:
    return StripeGateway(DEFAULT_API_KEY)


def taxed_invoice(account) -> dict:
    customer = account.add_customer(created=JAN_1, name="Shape Co", metadata={"margint_customer": "shape"})
    price = account.add_price(unit_amount=4900, created=JAN_1)
    tax = account.add_tax_rate(percentage="8.875", created=JAN_1, country="US", state="NY")
    sub = account.add_subscription(
        customer=customer["id"], items=[(price["id"], 2)], created=JAN_1, discount=True
    )
    return account.add_invoice(customer=customer["id"], subscription=sub["id"], created=at(2026, 1, 2), lines=[
        Line(amount=9800, period_start=at(2026, 1, 2), period_end=at(2026, 2, 2), price=price["id"],
             quantity=2, discount_amount=1960, tax_amount=696, tax_rate=tax["id"]),
    ])  # fmt: skip


def test_an_invoice_in_todays_shape_becomes_plain_facts(stripe_account, gateway):
    invoice = taxed_invoice(stripe_account)

    parsed = gateway.retrieve_invoice(invoice["id"])

    assert type(parsed) is InvoiceData
    line = parsed.lines[0]
    sub = invoice["parent"]["subscription_details"]["subscription"]
    assert (parsed.customer_id, parsed.subscription_id, parsed.status, parsed.currency) == (
        invoice["customer"], sub, "paid", "usd",
    )  # fmt: skip
    assert (line.amount, line.discount_amounts, line.taxes) == (9800, (1960,), ((696, "exclusive"),))
    assert line.price_id == invoice["lines"]["data"][0]["pricing"]["price_details"]["price"]
    assert line.subscription_item_id.startswith("si_") and line.proration is False
    assert (line.period_start, line.period_end) == (
        datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC),
    )  # fmt: skip
    assert parsed.paid_at.tzinfo is UTC and parsed.customer_name == "Shape Co"


def test_lists_are_plain_dataclasses_with_plain_values(stripe_account, gateway):
    taxed_invoice(stripe_account)

    customer = gateway.list_customers().items[0]
    subscription = gateway.list_subscriptions().items[0]

    assert type(customer) is CustomerData and type(customer.metadata) is dict
    assert customer.metadata == {"margint_customer": "shape"}
    item = subscription.items[0]
    assert (item.unit_amount_decimal, item.quantity, item.interval, item.usage_type) == (
        Decimal("4900"), 2, "month", "licensed",
    )  # fmt: skip


def test_older_api_shapes_are_read_too():
    line = parse_invoice_line({
        "id": "il_old", "amount": 11900, "period": {"start": JAN_1, "end": JAN_1},
        "price": {"id": "price_old"}, "proration": True,
        "tax_amounts": [{"amount": 1900, "inclusive": True}, {"amount": 50, "inclusive": False}],
        "discount_amounts": [],
    })  # fmt: skip
    invoice = parse_invoice({"id": "in_old", "customer": {"id": "cus_old"}, "subscription": "sub_old",
                             "currency": "usd", "created": JAN_1, "lines": {"data": []}})  # fmt: skip
    discount = parse_discount({"coupon": {"duration": "repeating", "percent_off": 12.5}, "end": JAN_1})

    assert (line.price_id, line.proration, line.taxes) == (
        "price_old",
        True,
        ((1900, "inclusive"), (50, "exclusive")),
    )
    assert (invoice.customer_id, invoice.subscription_id) == ("cus_old", "sub_old")
    assert (discount.duration, discount.percent_off, discount.end) == (
        "repeating",
        "12.5",
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_an_unexpanded_discount_is_left_out_rather_than_guessed():
    subscription = parse_subscription({
        "id": "sub_1", "customer": "cus_1", "status": "active", "currency": "usd", "created": JAN_1,
        "discounts": ["di_only_an_id"], "items": {"data": [], "has_more": False},
    })  # fmt: skip

    assert subscription.discounts == ()


def test_a_deleted_customer_is_retrieved_as_a_deleted_stub(stripe_account, gateway):
    customer = stripe_account.add_customer(created=JAN_1, name="Gone", deleted=True)

    assert gateway.retrieve_customer(customer["id"]).deleted is True


def test_an_unknown_id_raises_not_found(gateway):
    with pytest.raises(StripeNotFound):
        gateway.retrieve_invoice("in_does_not_exist")


def test_a_rejected_key_raises_auth_failed_without_retrying(stripe_server):
    with pytest.raises(StripeAuthFailed, match="Invalid API Key"):
        StripeGateway("rk_test_not_the_right_key_at_all").check_key()

    assert len(stripe_server.requests) == 1


def test_rate_limits_outlasting_every_retry_raise_unavailable(stripe_server, gateway):
    stripe_server.faults.rate_limit("/v1/customers", times=None, should_retry=False)

    with pytest.raises(StripeUnavailable, match="429"):
        gateway.list_customers()

    assert len(stripe_server.requests) == 4  # the first try and three retries


def test_a_connection_dropped_mid_body_is_retried(stripe_account, stripe_server, gateway):
    stripe_account.add_customer(created=JAN_1, name="Still There")
    stripe_server.faults.disconnect("/v1/customers")

    assert [c.name for c in gateway.list_customers().items] == ["Still There"]
    assert len(stripe_server.requests) == 2


def test_a_slow_response_times_out_and_is_retried(stripe_account, stripe_server, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    stripe_account.add_customer(created=JAN_1, name="Eventually")
    stripe_server.faults.slow(3.0, "/v1/customers")
    started = time.monotonic()

    names = [c.name for c in StripeGateway(DEFAULT_API_KEY).list_customers().items]

    assert names == ["Eventually"] and time.monotonic() - started < 2.5


def test_backoff_doubles_with_jitter_and_follows_retry_after():
    policy = RetryPolicy(retries=5, backoff_seconds=2.0, max_backoff_seconds=30.0)

    for attempt, full in enumerate([2.0, 4.0, 8.0, 16.0, 30.0, 30.0]):
        assert full / 2 <= policy.delay(attempt, None) <= full
    assert policy.delay(0, 7.0) == 7.0
    assert policy.delay(0, 120.0) == 30.0


def test_only_the_gateway_imports_stripe():
    importers = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "staticfiles") or "tests" in relative.parts:
            continue
        if re.search(r"^\s*(import stripe\b|from stripe\b)", path.read_text(encoding="utf-8"), re.MULTILINE):
            importers.add(str(relative))
    assert importers == {"billing/stripe_gateway.py"}
