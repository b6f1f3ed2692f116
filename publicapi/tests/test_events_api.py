"""POST /api/v1/events and GET /api/v1/events/unpriced."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from margins.costs.tests.ingestion_helpers import event, totals
from margins.models import CostEvent, Customer
from margint.formatting import json_timestamp
from publicapi.tests.key_helpers import org_client

EVENTS = "/api/v1/events"
UNPRICED = "/api/v1/events/unpriced"


@pytest.fixture
def client(org):
    return org_client(org)


def post_raw(client, body: bytes | str):
    return client.generic("POST", EVENTS, body, content_type="application/json")


def test_accepted_events_answer_202_with_counts(client, org):
    response = client.post(
        EVENTS, {"events": [event(idempotencyKey="a"), event(idempotencyKey="b")]}, format="json"
    )
    assert response.status_code == 202
    assert response.json() == {"data": {"accepted": 2, "duplicates": 0, "rejected": [], "unpriced": 0}}
    assert CostEvent.objects.filter(org=org).count() == 2


def test_partial_acceptance_lists_each_rejected_event_by_index(client, org):
    events = [
        event(idempotencyKey="ok-1"),
        event(customer=None),
        event(occurredAt="2020-01-01T00:00:00Z"),
        event(),
    ]
    response = client.post(EVENTS, {"events": events}, format="json")
    assert response.status_code == 202
    data = response.json()["data"]
    assert (data["accepted"], data["duplicates"]) == (2, 0)
    assert data["rejected"] == [
        {
            "index": 1,
            "code": "required",
            "field": "customer",
            "message": "customer is required: your id of the customer.",
        },
        {
            "index": 2,
            "code": "too_old",
            "field": "occurredAt",
            "message": "occurredAt is more than 400 days in the past.",
        },
    ]
    assert CostEvent.objects.filter(org=org).count() == 2


def test_replaying_a_batch_reports_duplicates_and_stores_nothing(client, org):
    batch = {"events": [event(idempotencyKey=f"k{i}", costMicrodollars=10) for i in range(3)]}
    client.post(EVENTS, batch, format="json")
    before = totals(org)
    again = client.post(EVENTS, batch, format="json")
    assert again.json()["data"] == {"accepted": 0, "duplicates": 3, "rejected": [], "unpriced": 0}
    assert (
        totals(org)
        == before
        == {
            "events": 3,
            "cost": 30,
            "rollup_requests": 3,
            "rollup_cost": 30,
            "daily_requests": 3,
            "daily_cost": 30,
        }
    )


@pytest.mark.parametrize(
    "body",
    ["{not json", "[]", '{"events": "many"}', '{"events": []}', '{"evts": [{"customer": "a"}]}', "\xff"],
)
def test_a_body_that_is_not_json_or_not_this_shape_is_400_and_stores_nothing(client, body):
    response = post_raw(client, body.encode("latin-1") if body == "\xff" else body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert CostEvent.objects.count() == 0


def test_more_than_a_thousand_events_is_413(client):
    response = client.post(EVENTS, {"events": [event()] * 1001}, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "events holds 1001 events; at most 1000 are accepted per request.",
        "details": {"maxEvents": 1000, "received": 1001},
    }
    assert CostEvent.objects.count() == 0


def test_a_body_over_2_mb_is_413_in_the_error_shape(client):
    padding = "x" * 250
    events = [event(tags={"pad": padding}, idempotencyKey=str(i)) for i in range(900)]
    body = json.dumps({"events": events, "padding": "y" * 2_000_000})
    assert len(body) > 2 * 1024 * 1024
    response = post_raw(client, body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["details"] == {"maxBytes": 2097152}
    assert CostEvent.objects.count() == 0


def test_a_body_just_under_2_mb_is_read(client, org):
    body = json.dumps({"events": [event()]})
    body = body[:-1] + ', "padding": "' + "z" * (2 * 1024 * 1024 - len(body) - 16) + '"}'
    assert len(body) <= 2 * 1024 * 1024
    assert post_raw(client, body).status_code == 202


def test_a_free_tier_org_can_send_events(free_org):
    response = org_client(free_org).post(EVENTS, {"events": [event()]}, format="json")
    assert response.status_code == 202
    assert CostEvent.objects.filter(org=free_org).count() == 1


def test_customer_name_and_email_reach_the_cost_side_customer(client, org):
    client.post(
        EVENTS,
        {"events": [event(customer="acct_7", customerName="Globex", customerEmail="it@globex.example")]},
        format="json",
    )
    customer = Customer.objects.get(org=org, external_id="acct_7")
    assert (customer.name, customer.email) == ("Globex", "it@globex.example")


def test_unpriced_models_are_listed_with_counts_and_tokens(client, org):
    now = timezone.now()
    events = [
        event(model="house-model-v2", provider="acme", costMicrodollars=None, inputTokens=100, outputTokens=10,
              occurredAt=(now - timedelta(hours=3)).isoformat()),
        event(model="house-model-v2", provider="acme", costMicrodollars=None, inputTokens=300, outputTokens=30,
              cachedInputTokens=50, customer="cus_2", occurredAt=(now - timedelta(hours=1)).isoformat()),
        event(model="house-model-v2", provider="acme", costMicrodollars=5),  # priced: its cost was sent
        event(model="gpt-4o", costMicrodollars=None),  # priced from tokens
        event(model="", provider="", costMicrodollars=None),
    ]  # fmt: skip
    response = client.post(EVENTS, {"events": events}, format="json")
    assert response.json()["data"]["unpriced"] == 3
    listing = client.get(UNPRICED)
    assert listing.status_code == 200
    rows = listing.json()["data"]
    assert rows[0] == {
        "provider": "acme",
        "model": "house-model-v2",
        "events": 2,
        "customers": 2,
        "inputTokens": 400,
        "outputTokens": 40,
        "cachedInputTokens": 50,
        "firstSeenAt": json_timestamp(datetime.fromisoformat(events[0]["occurredAt"])),
        "lastSeenAt": json_timestamp(datetime.fromisoformat(events[1]["occurredAt"])),
    }
    assert [(r["provider"], r["model"], r["events"]) for r in rows] == [
        ("acme", "house-model-v2", 2),
        ("", "", 1),
    ]


def test_an_outsider_key_cannot_see_anyone_else_s_unpriced_models(client, other_org):
    client.post(EVENTS, {"events": [event(model="secret-model", costMicrodollars=None)]}, format="json")
    assert org_client(other_org).get(UNPRICED).json() == {"data": []}


def test_only_post_is_allowed_on_events(client):
    response = client.get(EVENTS)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
