"""Stripe webhooks with a valid signature but a body no event has: 400 in the error shape, never
a 500 (which would make Stripe deliver it again for three days); signatures from the future refused."""

from __future__ import annotations

import copy
import json
import time

import pytest
from rest_framework.test import APIClient

from billing.models import StripeInvoice
from billing.stripe_gateway import sign_payload
from billing.tests.accounts import JAN_1, at
from billing.tests.conftest import WEBHOOK_SECRET
from billing.tests.test_webhooks import invoice_event
from stripe_double import Line


@pytest.fixture
def paid_invoice(stripe_account) -> dict:
    customer = stripe_account.add_customer(created=JAN_1, name="Hook Co")
    lines = [Line(amount=6200, period_start=at(2026, 1, 10), period_end=at(2026, 1, 12))]
    return stripe_account.add_invoice(customer=customer["id"], created=at(2026, 1, 10), lines=lines)


def post_raw(org, payload: str, timestamp: int | None = None):
    return APIClient().post(
        f"/api/stripe/webhooks/{org.public_id}",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(payload, WEBHOOK_SECRET, timestamp=timestamp),
    )


def in_error_shape(response, status=400):
    assert response.status_code == status, response.content[:300]
    assert set(response.json()["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize(
    "payload",
    ["[]", '"evt"', "1e999", "null", '{"id": 1}', '{"id": "evt_1", "type": [], "created": 1, "data": {}}',
     '{"id": "evt_1", "type": "invoice.paid", "created": 1e300, "data": {"object": {}}}',
     '{"id": "evt_1", "type": "invoice.paid", "created": 99999999999999999999, "data": {"object": {}}}',
     '{"a": ' * 5000 + "1" + "}" * 5000],
)  # fmt: skip
def test_a_signed_body_that_is_not_an_event_is_400(org, connection, payload):
    in_error_shape(post_raw(org, payload))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("created",), 10**20),
        (("lines", "data", 0, "amount"), 10**30),
        (("lines", "data", 0, "period", "end"), 10**20),
        (("amount_paid",), -(10**30)),
    ],
)
def test_a_signed_event_with_absurd_numbers_is_400_and_stores_nothing(
    org, connection, stripe_account, paid_invoice, path, value
):
    event = copy.deepcopy(invoice_event(stripe_account, paid_invoice))
    target = event["data"]["object"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    in_error_shape(post_raw(org, json.dumps(event)))
    assert not StripeInvoice.objects.filter(org=org).exists()


def test_a_signature_dated_far_in_the_future_is_refused(org, connection, stripe_account, paid_invoice):
    event = invoice_event(stripe_account, paid_invoice)
    response = post_raw(org, json.dumps(event), timestamp=int(time.time()) + 3600)
    in_error_shape(response)
    assert response.json()["error"]["code"] == "invalid_signature"


def test_a_signature_a_few_seconds_ahead_is_accepted(org, connection, stripe_account, paid_invoice):
    event = invoice_event(stripe_account, paid_invoice)
    assert post_raw(org, json.dumps(event), timestamp=int(time.time()) + 30).status_code == 200
