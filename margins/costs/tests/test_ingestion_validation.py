from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from margins.costs.validation import (
    MAX_BODY_BYTES,
    BodyInvalid,
    events_from_body,
    validate_events,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def one(**fields):
    base = {"customer": "cus_1", "costMicrodollars": 10, "occurredAt": "2026-11-21T11:00:00Z"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def rejection_of(event):
    valid, rejected = validate_events([event], now=NOW)
    assert valid == []
    assert len(rejected) == 1
    return rejected[0].code, rejected[0].field


@pytest.mark.parametrize(
    ("event", "code", "field"),
    [
        ("not an object", "invalid_type", None),
        (one(customer=None), "required", "customer"),
        (one(customer=""), "required", "customer"),
        (one(customer="   "), "required", "customer"),
        (one(customer=42), "invalid_type", "customer"),
        (one(customer="x" * 256), "too_long", "customer"),
        (one(customer="cus\n1"), "invalid_format", "customer"),
        (one(feature="f" * 129), "too_long", "feature"),
        (one(provider="p" * 65), "too_long", "provider"),
        (one(model="m" * 129), "too_long", "model"),
        (one(model=["gpt-4o"]), "invalid_type", "model"),
        (one(inputTokens=-1), "out_of_range", "inputTokens"),
        (one(inputTokens=1.5), "invalid_type", "inputTokens"),
        (one(inputTokens="100"), "invalid_type", "inputTokens"),
        (one(outputTokens=True), "invalid_type", "outputTokens"),
        (one(outputTokens=10**12 + 1), "out_of_range", "outputTokens"),
        (one(inputTokens=10, cachedInputTokens=11), "out_of_range", "cachedInputTokens"),
        (one(costMicrodollars=-5), "out_of_range", "costMicrodollars"),
        (one(costMicrodollars=1.25), "invalid_type", "costMicrodollars"),
        (one(costMicrodollars="12"), "invalid_type", "costMicrodollars"),
        (one(costMicrodollars=10**13 + 1), "out_of_range", "costMicrodollars"),
        (one(occurredAt="yesterday"), "invalid_format", "occurredAt"),
        (one(occurredAt="2026-11-21T11:00:00"), "invalid_format", "occurredAt"),
        (one(occurredAt=1763722800), "invalid_type", "occurredAt"),
        (one(occurredAt="2026-11-21T12:05:01Z"), "in_future", "occurredAt"),
        (one(occurredAt="2025-10-16T11:59:59Z"), "too_old", "occurredAt"),
        (one(idempotencyKey=""), "out_of_range", "idempotencyKey"),
        (one(idempotencyKey="k" * 256), "out_of_range", "idempotencyKey"),
        (one(idempotencyKey=7), "invalid_type", "idempotencyKey"),
        (one(idempotencyKey="a\x00b"), "invalid_format", "idempotencyKey"),
        (one(tags=["a"]), "invalid_type", "tags"),
        (one(tags={f"k{i}": "v" for i in range(11)}), "too_many_tags", "tags"),
        (one(tags={"bad key": "v"}), "invalid_format", "tags"),
        (one(tags={"k" * 65: "v"}), "invalid_format", "tags"),
        (one(tags={"team": 3}), "invalid_type", "tags"),
        (one(tags={"team": "v" * 257}), "invalid_format", "tags"),
        (one(tags={"team": "a\x1fb"}), "invalid_format", "tags"),
        (one(customerName="n" * 256), "too_long", "customerName"),
        (one(customerEmail="not-an-email"), "invalid_format", "customerEmail"),
        (one(customerEmail="a@b"), "invalid_format", "customerEmail"),
        (one(costMicros=10), "unknown_field", "costMicros"),
    ],
)
def test_each_invalid_field_is_rejected_with_its_code(event, code, field):
    assert rejection_of(event) == (code, field)


def test_limits_themselves_are_accepted():
    event = one(
        customer="c" * 255,
        feature="f" * 128,
        provider="p" * 64,
        model="m" * 128,
        inputTokens=10**12,
        outputTokens=0,
        cachedInputTokens=10**12,
        costMicrodollars=10**13,
        occurredAt="2026-11-21T12:05:00Z",
        idempotencyKey="k" * 255,
        tags={f"k{i}-_X": "v" * 256 for i in range(10)},
        customerName="n" * 255,
        customerEmail="ops@example.com",
    )
    valid, rejected = validate_events([event], now=NOW)
    assert rejected == []
    assert valid[0].cached_input_tokens == 10**12
    assert valid[0].occurred_at == datetime(2026, 11, 21, 12, 5, tzinfo=UTC)


def test_oldest_accepted_time_is_exactly_400_days_back():
    edge = (NOW - timedelta(days=400)).isoformat()
    valid, rejected = validate_events([one(occurredAt=edge)], now=NOW)
    assert rejected == [] and len(valid) == 1


def test_occurred_at_is_normalised_to_utc_and_its_day_is_the_utc_day():
    valid, _ = validate_events([one(occurredAt="2026-11-21T01:30:00+05:00")], now=NOW)
    assert valid[0].occurred_at == datetime(2026, 11, 20, 20, 30, tzinfo=UTC)
    assert valid[0].day == date(2026, 11, 20)


def test_missing_occurred_at_means_now_and_missing_tokens_mean_zero():
    valid, _ = validate_events([{"customer": "cus_1"}], now=NOW)
    e = valid[0]
    assert (e.occurred_at, e.input_tokens, e.output_tokens, e.cached_input_tokens) == (NOW, 0, 0, 0)
    assert (e.feature, e.provider, e.model, e.cost_micro, e.idempotency_key, e.tags_json) == (
        "",
        "",
        "",
        None,
        None,
        "{}",
    )


def test_rejections_keep_the_index_of_each_invalid_event_and_valid_ones_go_on():
    events = [one(), one(customer=""), one(), "x", one(tags={"a b": "c"})]
    valid, rejected = validate_events(events, now=NOW)
    assert [v.index for v in valid] == [0, 2]
    assert [(r.index, r.code) for r in rejected] == [
        (1, "required"),
        (3, "invalid_type"),
        (4, "invalid_format"),
    ]
    assert rejected[0].as_json() == {
        "index": 1,
        "code": "required",
        "field": "customer",
        "message": "customer must not be empty.",
    }


def test_tags_are_stored_as_compact_json_keeping_unicode():
    valid, _ = validate_events([one(tags={"team": "réseau", "env": "prod"})], now=NOW)
    assert json.loads(valid[0].tags_json) == {"team": "réseau", "env": "prod"}
    assert valid[0].tags_json == '{"team":"réseau","env":"prod"}'


@pytest.mark.parametrize(
    ("body", "too_large"),
    [
        (b"not json", False),
        (b"[]", False),
        (b'{"events": {}}', False),
        (b'{"data": []}', False),
        (b'{"events": []}', False),
        (json.dumps({"events": [{"customer": "c"}] * 1001}).encode(), True),
        (b'{"events": [' + b" " * MAX_BODY_BYTES + b"]}", True),
    ],
)
def test_a_body_of_the_wrong_shape_or_size_fails_as_a_whole(body, too_large):
    with pytest.raises(BodyInvalid) as raised:
        events_from_body(body)
    assert raised.value.too_large is too_large


def test_a_thousand_events_is_the_most_a_body_may_hold():
    assert len(events_from_body(json.dumps({"events": [{"customer": "c"}] * 1000}).encode())) == 1000


def test_explicit_nulls_are_read_as_absent_fields():
    nulls = {"feature": None, "provider": None, "model": None, "inputTokens": None, "outputTokens": None}
    nulls |= {"cachedInputTokens": None, "idempotencyKey": None, "tags": None, "customerName": None}
    valid, rejected = validate_events([one(), {**one(), **nulls}], now=NOW)
    assert rejected == []
    assert valid[0]._replace(index=1) == valid[1]


@pytest.mark.parametrize("text", ["Café\u00a0Nord", "line\u2028separator", "zero\u200bwidth", "😀"])
def test_non_printable_characters_that_are_not_control_characters_are_accepted(text):
    # Only C0, DEL and C1 are refused; other characters that str.isprintable() refuses are kept.
    event = one(customer=text, feature=text, model=text, idempotencyKey=text, tags={"team": text})
    valid, rejected = validate_events([event], now=NOW)
    assert rejected == []
    assert (valid[0].customer, valid[0].feature, valid[0].model, valid[0].idempotency_key) == (text,) * 4


@pytest.mark.parametrize("field", ["customer", "feature", "provider", "model", "customerName"])
def test_a_c1_control_character_is_refused_in_every_string(field):
    assert rejection_of(one(**{field: "a\u0085b"})) == ("invalid_format", field)


def test_an_event_with_several_faults_is_rejected_for_the_first_in_field_order():
    faults = {"feature": "f" * 129, "outputTokens": -1, "costMicrodollars": -1, "idempotencyKey": ""}
    assert rejection_of(one(occurredAt="yesterday", **faults)) == ("invalid_format", "occurredAt")
    late = one(inputTokens=-1, occurredAt="yesterday", **faults)
    assert rejection_of(late) == ("out_of_range", "inputTokens")
    assert rejection_of(one(**faults)) == ("too_long", "feature")
    assert rejection_of(one(**{**faults, "feature": "chat"})) == ("out_of_range", "outputTokens")
