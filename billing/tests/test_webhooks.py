"""POST /api/stripe/webhooks/<org id>: Stripe's signature, one processing per event id."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing.models import StripeCustomer, StripeInvoice, StripeSubscription, StripeWebhookEvent
from billing.selectors import mrr_by_customer
from billing.services import stripe_connect
from billing.stripe_gateway import sign_payload
from billing.tests.accounts import JAN_1, at
from billing.tests.conftest import WEBHOOK_SECRET
from billing.tests.helpers import allocation_sums, daily, daily_table, snapshot
from stripe_double import DEFAULT_API_KEY, Line


def deliver(org, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None, signature=None):
    payload = json.dumps(event)
    header = signature if signature is not None else sign_payload(payload, secret, timestamp=timestamp)
    return APIClient().post(
        f"/api/stripe/webhooks/{org.public_id}",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


@pytest.fixture
def paid_invoice(stripe_account) -> dict:
    customer = stripe_account.add_customer(created=JAN_1, name="Hook Co", email="ap@hook.test")
    return stripe_account.add_invoice(customer=customer["id"], created=at(2026, 1, 10), lines=[
        Line(amount=6200, period_start=at(2026, 1, 10), period_end=at(2026, 1, 12)),
    ])  # fmt: skip


def invoice_event(account, invoice: dict, kind: str = "invoice.paid", created: int | None = None) -> dict:
    return account.add_event(type=kind, obj=invoice, created=created or invoice["created"] + 60)


def test_a_signed_invoice_paid_event_books_its_revenue(org, connection, stripe_account, paid_invoice):
    response = deliver(org, invoice_event(stripe_account, paid_invoice))

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "processed"
    # $62.00 over two days.
    customer = paid_invoice["customer"]
    assert daily(org, customer) == {date(2026, 1, 10): 31_000_000, date(2026, 1, 11): 31_000_000}
    assert StripeCustomer.objects.get(org=org, stripe_id=customer).name == "Hook Co"
    row = StripeWebhookEvent.objects.get(org=org)
    assert (row.type, row.status, row.error) == ("invoice.paid", "processed", "")


def test_a_replayed_event_changes_nothing(org, connection, stripe_account, paid_invoice):
    event = invoice_event(stripe_account, paid_invoice)
    deliver(org, event)
    before = snapshot(org)

    again = deliver(org, event)

    assert again.status_code == 200
    assert again.json()["data"]["status"] == "duplicate"
    assert snapshot(org) == before
    assert StripeWebhookEvent.objects.filter(org=org).count() == 1


def test_a_wrong_signature_is_400_and_changes_nothing(org, connection, stripe_account, paid_invoice):
    response = deliver(org, invoice_event(stripe_account, paid_invoice), secret="whsec_someone_elses_secret")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not StripeInvoice.objects.exists() and not StripeWebhookEvent.objects.exists()


def test_a_signature_older_than_five_minutes_is_400(org, connection, stripe_account, paid_invoice):
    stale = int(time.time()) - 301

    response = deliver(org, invoice_event(stripe_account, paid_invoice), timestamp=stale)

    assert response.status_code == 400
    assert "tolerance" in response.json()["error"]["message"]


def test_a_signature_four_minutes_old_is_accepted(org, connection, stripe_account, paid_invoice):
    response = deliver(org, invoice_event(stripe_account, paid_invoice), timestamp=int(time.time()) - 240)

    assert response.status_code == 200


def test_a_missing_signature_is_400(org, connection, stripe_account, paid_invoice):
    assert deliver(org, invoice_event(stripe_account, paid_invoice), signature="").status_code == 400


def test_an_event_type_margint_does_not_read_is_answered_200(org, connection, stripe_account):
    customer = stripe_account.add_customer(created=JAN_1, name="Charge Co")
    event = stripe_account.add_event(type="charge.succeeded", obj=customer, created=JAN_1)

    response = deliver(org, event)

    assert response.status_code == 200
    assert response.json()["data"]["status"] == "ignored"
    assert StripeWebhookEvent.objects.get(org=org).status == "ignored"


def test_a_credit_note_event_subtracts_on_its_effective_day(org, connection, stripe_account, paid_invoice):
    deliver(org, invoice_event(stripe_account, paid_invoice))
    note = stripe_account.add_credit_note(invoice=paid_invoice["id"], created=at(2026, 1, 20), amount=1200)

    deliver(org, stripe_account.add_event(type="credit_note.created", obj=note, created=at(2026, 1, 20)))

    assert daily(org, paid_invoice["customer"]) == {
        date(2026, 1, 10): 31_000_000,
        date(2026, 1, 11): 31_000_000,
        date(2026, 1, 20): -12_000_000,
    }


def test_a_voided_credit_note_gives_the_revenue_back(org, connection, stripe_account, paid_invoice):
    deliver(org, invoice_event(stripe_account, paid_invoice))
    note = stripe_account.add_credit_note(invoice=paid_invoice["id"], created=at(2026, 1, 20), amount=1200)
    deliver(org, stripe_account.add_event(type="credit_note.created", obj=note, created=at(2026, 1, 20)))
    note.update(status="void", voided_at=at(2026, 1, 21))

    deliver(org, stripe_account.add_event(type="credit_note.voided", obj=note, created=at(2026, 1, 21)))

    assert sum(daily(org, paid_invoice["customer"]).values()) == 62_000_000


def test_a_day_that_a_credit_note_brings_to_zero_has_no_daily_row(
    org, connection, stripe_account, paid_invoice
):
    deliver(org, invoice_event(stripe_account, paid_invoice))
    # $31.00 back on Jan 10, exactly that day's share of the invoice.
    note = stripe_account.add_credit_note(
        invoice=paid_invoice["id"], created=at(2026, 1, 10, 18), amount=3100
    )

    deliver(org, stripe_account.add_event(type="credit_note.created", obj=note, created=at(2026, 1, 10, 18)))

    assert daily(org, paid_invoice["customer"]) == {date(2026, 1, 11): 31_000_000}
    assert daily_table(org) == allocation_sums(org)


def test_a_customer_deleted_event_flags_the_mirror(org, connection, stripe_account):
    customer = stripe_account.add_customer(created=JAN_1, name="Leaving Co")
    deliver(org, stripe_account.add_event(type="customer.created", obj=customer, created=JAN_1))

    deliver(org, stripe_account.add_event(type="customer.deleted", obj=customer, created=JAN_1 + 60))

    mirror = StripeCustomer.objects.get(org=org, stripe_id=customer["id"])
    assert (mirror.deleted, mirror.name) == (True, "Leaving Co")


def test_an_older_event_arriving_late_does_not_undo_a_newer_one(
    org, connection, stripe_account, paid_invoice
):
    deliver(org, invoice_event(stripe_account, paid_invoice, created=at(2026, 1, 10, 5)))
    finalized = json.loads(json.dumps(paid_invoice))
    finalized.update(status="open", amount_paid=0, amount_remaining=6200)
    finalized["status_transitions"]["paid_at"] = None

    response = deliver(
        org, invoice_event(stripe_account, finalized, "invoice.finalized", created=at(2026, 1, 10, 4))
    )

    assert response.status_code == 200
    assert StripeInvoice.objects.get(org=org).status == "paid"
    assert sum(daily(org, paid_invoice["customer"]).values()) == 62_000_000


def test_an_invoice_with_more_lines_than_the_payload_carries_is_completed_from_stripe(
    org, connection, stripe_account, stripe_server
):
    customer = stripe_account.add_customer(created=JAN_1, name="Long Invoice Co")["id"]
    invoice = stripe_account.add_invoice(customer=customer, created=at(2026, 1, 8), lines=[
        Line(amount=100, period_start=at(2026, 1, 8), period_end=at(2026, 1, 8)) for _ in range(14)
    ])  # fmt: skip
    event = invoice_event(stripe_account, invoice)
    lines = event["data"]["object"]["lines"]
    lines.update(data=lines["data"][:10], has_more=True)

    deliver(org, event)

    assert daily(org, customer) == {date(2026, 1, 8): 14_000_000}
    assert len(stripe_server.app.requests_to(f"/v1/invoices/{invoice['id']}/lines")) == 1


def test_a_subscription_event_with_discount_ids_reads_the_coupons_for_mrr(org, connection, stripe_account):
    customer = stripe_account.add_customer(created=JAN_1, name="Coupon Co")["id"]
    price = stripe_account.add_price(unit_amount=10000, created=JAN_1)
    sub = stripe_account.add_subscription(customer=customer, items=[(price["id"], 1)], created=JAN_1)
    sub["discounts"] = [expanded_discount("25.5")]
    event = stripe_account.add_event(type="customer.subscription.updated", obj=sub, created=JAN_1 + 60)
    # Webhook payloads carry discount ids, not the coupons behind them.
    event["data"]["object"]["discounts"] = [sub["discounts"][0]["id"]]

    deliver(org, event)

    assert StripeSubscription.objects.get(org=org).discounts[0]["percent_off"] == "25.5"
    assert (
        mrr_by_customer(org=org, as_of=datetime(2026, 2, 1, tzinfo=UTC))[customer].amount_micro == 74_500_000
    )


def expanded_discount(percent: str) -> dict:
    return {
        "id": "di_webhook_coupon_0001",
        "object": "discount",
        "end": None,
        "source": {
            "type": "coupon",
            "coupon": {"id": "SPRING", "object": "coupon", "duration": "forever", "percent_off": float(percent),
                       "amount_off": None, "currency": None},
        },
    }  # fmt: skip


def test_a_processing_failure_is_recorded_and_answered_500(org, connection, stripe_account, paid_invoice):
    event = invoice_event(stripe_account, paid_invoice)
    event["data"]["object"]["lines"]["data"][0]["taxes"] = [{"amount": 10, "tax_behavior": "sideways"}]

    response = deliver(org, event)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "webhook_processing_failed"
    row = StripeWebhookEvent.objects.get(org=org)
    assert row.status == "failed" and "tax_behavior" in row.error
    assert not StripeInvoice.objects.exists()


def test_a_failed_event_delivered_again_is_processed(org, connection, stripe_account, paid_invoice):
    event = invoice_event(stripe_account, paid_invoice)
    broken = json.loads(json.dumps(event))
    broken["data"]["object"]["lines"]["data"][0]["taxes"] = [{"amount": 10, "tax_behavior": "sideways"}]
    deliver(org, broken)

    response = deliver(org, event)

    assert response.json()["data"]["status"] == "processed"
    assert StripeWebhookEvent.objects.get(org=org).status == "processed"
    assert sum(daily(org, paid_invoice["customer"]).values()) == 62_000_000


def test_an_unknown_org_is_404(db, stripe_account, paid_invoice):
    response = APIClient().post(
        "/api/stripe/webhooks/org_doesnotexist", data="{}", content_type="application/json"
    )

    assert response.status_code == 404


def test_an_org_without_a_signing_secret_is_400(org, stripe_server, stripe_account, paid_invoice):
    stripe_connect(org=org, stripe_key=DEFAULT_API_KEY, start_sync=False)

    response = deliver(org, invoice_event(stripe_account, paid_invoice))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_not_configured"


def test_an_event_for_one_org_posted_to_another_orgs_endpoint_is_refused(
    org, other_org, connection, stripe_account, paid_invoice
):
    stripe_connect(
        org=other_org,
        stripe_key=DEFAULT_API_KEY,
        webhook_secret="whsec_rival_secret_000000",
        start_sync=False,
    )

    response = deliver(other_org, invoice_event(stripe_account, paid_invoice))

    assert response.status_code == 400
    assert not StripeInvoice.objects.exists()


def test_a_get_is_405(org, connection):
    assert APIClient().get(f"/api/stripe/webhooks/{org.public_id}").status_code == 405


def test_an_invoice_paid_in_another_currency_is_booked_at_what_stripe_settled(
    org, connection, stripe_account
):
    stripe_account.settlement_rates = {"eur": Decimal("1.1")}
    customer = stripe_account.add_customer(created=JAN_1, name="Euro Hook", currency="eur")
    invoice = stripe_account.add_invoice(customer=customer["id"], created=at(2026, 1, 10), lines=[
        Line(amount=6201, period_start=at(2026, 1, 10), period_end=at(2026, 1, 10)),
    ])  # fmt: skip

    response = deliver(org, invoice_event(stripe_account, invoice))

    assert response.status_code == 200, response.json()
    # EUR 62.01 settled as USD 68.21 (6201 x 1.1 = 6821.1, rounded by Stripe to 6821 cents).
    assert daily(org, customer["id"]) == {date(2026, 1, 10): 68_210_000}
    mirror = StripeInvoice.objects.get(org=org, stripe_id=invoice["id"])
    assert (mirror.fx_source, mirror.settled_amount, mirror.settled_currency) == ("settlement", 6821, "usd")
