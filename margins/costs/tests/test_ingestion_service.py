from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event as any_event
from margins.costs.tests.ingestion_helpers import totals
from margins.costs.validation import BodyInvalid
from margins.models import CostEvent, Customer, CustomerDailyCost, DailyRollup, OrgFeatureDailyCost

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def event(**fields):
    return any_event(now=NOW, **fields)


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


def ingest(org, events):
    return events_ingest(org=org, events=events, now=NOW)


def test_valid_events_are_stored_and_invalid_ones_rejected_by_index(org):
    result = ingest(
        org, [event(occurredAt=at(1)), event(customer=""), event(occurredAt=at(2), inputTokens=-1)]
    )
    assert (result.accepted, result.duplicates) == (1, 0)
    assert [(r.index, r.code, r.field) for r in result.rejected] == [
        (1, "required", "customer"),
        (2, "out_of_range", "inputTokens"),
    ]
    assert CostEvent.objects.filter(org=org).count() == 1


def test_stored_event_keeps_every_field(org):
    ingest(
        org,
        [
            event(
                customer="cus_9",
                feature="search",
                provider="anthropic",
                model="claude-3-5-haiku",
                inputTokens=900,
                outputTokens=80,
                cachedInputTokens=300,
                costMicrodollars=4321,
                occurredAt="2026-11-21T09:15:00+01:00",
                idempotencyKey="req-1",
                tags={"env": "prod"},
            )
        ],
    )
    stored = CostEvent.objects.get(org=org)
    assert (stored.customer.external_id, stored.feature, stored.provider, stored.model) == (
        "cus_9",
        "search",
        "anthropic",
        "claude-3-5-haiku",
    )
    assert (stored.input_tokens, stored.output_tokens, stored.cached_input_tokens) == (900, 80, 300)
    assert (stored.cost_micro, stored.priced, stored.idempotency_key) == (4321, True, "req-1")
    assert stored.occurred_at == datetime(2026, 11, 21, 8, 15, tzinfo=UTC)
    assert stored.tags == {"env": "prod"}
    assert stored.created_at == NOW


def test_duplicates_within_one_request_are_counted_once(org):
    result = ingest(org, [event(idempotencyKey="k1"), event(idempotencyKey="k1"), event(idempotencyKey="k2")])
    assert (result.accepted, result.duplicates) == (2, 1)
    assert CostEvent.objects.filter(org=org).count() == 2


def test_duplicates_across_requests_change_nothing(org):
    batch = [event(idempotencyKey=f"k{i}", costMicrodollars=100 + i) for i in range(5)]
    first = ingest(org, batch)
    before = totals(org)
    again = ingest(org, batch + [event(idempotencyKey="k5", costMicrodollars=1000)])
    assert (first.accepted, first.duplicates) == (5, 0)
    assert (again.accepted, again.duplicates) == (1, 5)
    after = totals(org)
    assert before["cost"] == 510 and after["cost"] == 1510
    assert after == {
        "events": 6,
        "cost": 1510,
        "rollup_requests": 6,
        "rollup_cost": 1510,
        "daily_requests": 6,
        "daily_cost": 1510,
    }


def test_events_without_idempotency_key_are_always_new(org):
    result = ingest(org, [event(), event()])
    assert (result.accepted, result.duplicates) == (2, 0)
    assert ingest(org, [event()]).accepted == 1


def test_the_same_idempotency_key_in_two_orgs_is_two_events(org, other_org):
    assert ingest(org, [event(idempotencyKey="shared")]).accepted == 1
    assert ingest(other_org, [event(idempotencyKey="shared")]).accepted == 1
    assert CostEvent.objects.filter(idempotency_key="shared").count() == 2


def test_rollups_hold_sums_per_customer_day_feature_model_and_provider(org):
    ingest(
        org,
        [
            event(
                customer="a",
                feature="chat",
                costMicrodollars=100,
                inputTokens=10,
                outputTokens=1,
                occurredAt=at(1),
            ),
            event(
                customer="a",
                feature="chat",
                costMicrodollars=250,
                inputTokens=20,
                outputTokens=2,
                occurredAt=at(2),
            ),
            event(customer="a", feature="search", costMicrodollars=40, occurredAt=at(3)),
            event(customer="a", feature="chat", costMicrodollars=7, occurredAt=at(30)),  # the day before
            event(
                customer="b", feature="chat", model="mystery-model", costMicrodollars=None, occurredAt=at(1)
            ),
        ],
    )
    rows = {
        (r.customer.external_id, r.day, r.feature, r.model): (
            r.cost_micro,
            r.request_count,
            r.unpriced_count,
            r.input_tokens,
            r.output_tokens,
        )
        for r in DailyRollup.objects.filter(org=org).select_related("customer")
    }
    today, yesterday = date(2026, 11, 21), date(2026, 11, 20)
    assert rows == {
        ("a", today, "chat", "gpt-4o"): (350, 2, 0, 30, 3),
        ("a", today, "search", "gpt-4o"): (40, 1, 0, 1000, 500),
        ("a", yesterday, "chat", "gpt-4o"): (7, 1, 0, 1000, 500),
        ("b", today, "chat", "mystery-model"): (0, 1, 1, 1000, 500),
    }
    daily = {
        (d.customer.external_id, d.day): (d.cost_micro, d.request_count)
        for d in CustomerDailyCost.objects.filter(org=org).select_related("customer")
    }
    assert daily == {("a", today): (390, 3), ("a", yesterday): (7, 1), ("b", today): (0, 1)}


def test_events_without_cost_are_priced_from_tokens_or_stored_unpriced(org):
    result = ingest(
        org,
        [
            event(costMicrodollars=None, inputTokens=1000, cachedInputTokens=200, outputTokens=500),
            event(costMicrodollars=None, model="gpt-99-ultra"),
            event(costMicrodollars=0, model="gpt-99-ultra"),
        ],
    )
    assert (result.accepted, result.unpriced) == (3, 1)
    stored = list(
        CostEvent.objects.filter(org=org).order_by("id").values_list("model", "cost_micro", "priced")
    )
    assert sorted(stored) == [("gpt-4o", 7250, True), ("gpt-99-ultra", 0, False), ("gpt-99-ultra", 0, True)]


def test_customer_is_created_on_first_sight_with_name_email_and_seen_times(org):
    ingest(org, [event(customer="acme", occurredAt=at(5)), event(customer="acme", occurredAt=at(1))])
    customer = Customer.objects.get(org=org, external_id="acme")
    assert (customer.name, customer.email) == ("", "")
    assert customer.first_seen_at == NOW - timedelta(hours=5)
    assert customer.last_seen_at == NOW - timedelta(hours=1)


def test_customer_name_and_email_update_the_cost_side_customer(org):
    ingest(org, [event(customer="acme", occurredAt=at(3))])
    ingest(
        org,
        [event(customer="acme", customerName="Acme Corp", customerEmail="ap@acme.example", occurredAt=at(4))],
    )
    ingest(org, [event(customer="acme", occurredAt=at(10))])  # no name: the stored one stays
    customer = Customer.objects.get(org=org, external_id="acme")
    assert (customer.name, customer.email) == ("Acme Corp", "ap@acme.example")
    assert customer.first_seen_at == NOW - timedelta(hours=10)
    assert customer.last_seen_at == NOW - timedelta(hours=3)


def test_last_seen_is_kept_to_the_minute(org):
    ingest(org, [event(customer="acme", occurredAt=at(1))])
    ingest(org, [event(customer="acme", occurredAt=(NOW - timedelta(minutes=59, seconds=30)).isoformat())])
    assert Customer.objects.get(org=org).last_seen_at == NOW - timedelta(hours=1)
    ingest(org, [event(customer="acme", occurredAt=(NOW - timedelta(minutes=59)).isoformat())])
    assert Customer.objects.get(org=org).last_seen_at == NOW - timedelta(minutes=59)


def test_ingestion_keeps_the_orgs_cost_per_day_and_feature_in_its_transaction(org, other_org):
    ingest(org, [event(customer="a", feature="chat", costMicrodollars=100, idempotencyKey="1"),
                 event(customer="b", feature="chat", costMicrodollars=20, idempotencyKey="2"),
                 event(customer="a", feature="search", costMicrodollars=3, idempotencyKey="3")])  # fmt: skip
    ingest(other_org, [event(customer="a", feature="chat", costMicrodollars=7_000)])
    ingest(org, [event(customer="b", feature="chat", costMicrodollars=20, idempotencyKey="2")])  # a duplicate
    rows = OrgFeatureDailyCost.objects.filter(org=org).values_list("feature", "cost_micro")
    assert sorted(rows) == [("chat", 120), ("search", 3)]
    assert sum(DailyRollup.objects.filter(org=org).values_list("cost_micro", flat=True)) == 123


def test_an_empty_list_or_more_than_a_thousand_events_is_refused(org):
    with pytest.raises(BodyInvalid):
        ingest(org, [])
    with pytest.raises(BodyInvalid) as raised:
        ingest(org, [event()] * 1001)
    assert raised.value.too_large
    assert CostEvent.objects.count() == 0


def test_a_batch_is_a_fixed_number_of_queries_however_many_events(org):
    def batch(prefix, count):
        return [
            event(customer=f"c{i % 50}", idempotencyKey=f"{prefix}{i}", occurredAt=at(i % 30))
            for i in range(count)
        ]

    ingest(org, batch("warm", 1000))  # every customer, seen at every time the batches below use
    with CaptureQueriesContext(connection) as ten:
        ingest(org, batch("a", 10))
    with CaptureQueriesContext(connection) as thousand:
        ingest(org, batch("b", 1000))
    assert CostEvent.objects.filter(org=org).count() == 2010
    if connection.vendor == "postgresql":
        # savepoint, advisory lock, customers, events with both rollups, release
        assert len(thousand) == len(ten) == 5
    else:
        assert len(thousand) == len(ten) + 2  # the portable writer inserts 500 keys, then events, a statement


def test_stored_tags_json_round_trips(org):
    ingest(org, [event(tags={"team": "ml", "region": "eu-west"})])
    assert CostEvent.objects.get(org=org).tags == {"team": "ml", "region": "eu-west"}
    assert (
        json.dumps(CostEvent.objects.get(org=org).tags, sort_keys=True)
        == '{"region": "eu-west", "team": "ml"}'
    )


def test_default_occurred_at_is_the_time_of_ingestion(org):  # the real clock here
    before = timezone.now()
    events_ingest(org=org, events=[{"customer": "c", "costMicrodollars": 1}])
    assert before <= CostEvent.objects.get(org=org).occurred_at <= timezone.now()
