"""Per-key request limits: separate read and ingest budgets, headers on every keyed answer, reset."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent
from publicapi.models import ApiKey
from publicapi.tests.conftest import RATE_WINDOW_START
from publicapi.tests.key_helpers import key_for, keyed_client

EVENTS = "/api/v1/events"
UNPRICED = "/api/v1/events/unpriced"


def test_every_keyed_answer_carries_the_limit_headers(org, rate_clock):
    client = keyed_client(key_for(org))
    window_end = RATE_WINDOW_START + 60
    read = client.get(UNPRICED)
    ingest = client.post(EVENTS, {"events": [event()]}, format="json")
    assert (read["X-RateLimit-Limit"], read["X-RateLimit-Remaining"]) == ("120", "119")
    assert (ingest["X-RateLimit-Limit"], ingest["X-RateLimit-Remaining"]) == ("600", "599")
    assert read["X-RateLimit-Reset"] == ingest["X-RateLimit-Reset"] == str(window_end)
    bad_body = client.post(EVENTS, "nope", content_type="application/json")
    assert bad_body.status_code == 400 and bad_body["X-RateLimit-Remaining"] == "598"


def test_limit_reached_is_429_with_retry_after_until_the_window_resets(org, rate_clock):
    org.ingest_rate_limit = 3
    org.save()
    client = keyed_client(key_for(org))
    statuses = [client.post(EVENTS, {"events": [event()]}, format="json").status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]

    refused = client.post(EVENTS, {"events": [event()]}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "40"  # 20 s into the minute
    assert (refused["X-RateLimit-Limit"], refused["X-RateLimit-Remaining"]) == ("3", "0")
    assert CostEvent.objects.filter(org=org).count() == 3

    rate_clock["t"] += 40  # the next window
    again = client.post(EVENTS, {"events": [event()]}, format="json")
    assert again.status_code == 202
    assert again["X-RateLimit-Remaining"] == "2"
    assert "Retry-After" not in again


def test_read_and_ingest_limits_are_counted_apart_and_per_key(org, rate_clock):
    org.read_rate_limit = 2
    org.save()
    first, second = keyed_client(key_for(org, name="a")), keyed_client(key_for(org, name="b"))
    assert [first.get(UNPRICED).status_code for _ in range(3)] == [200, 200, 429]
    assert first.post(EVENTS, {"events": [event()]}, format="json").status_code == 202
    assert second.get(UNPRICED).status_code == 200


def test_the_limit_is_settable_per_org(org, other_org, rate_clock):
    other_org.read_rate_limit = 1
    other_org.save()
    mine, theirs = keyed_client(key_for(org)), keyed_client(key_for(other_org))
    assert [theirs.get(UNPRICED).status_code for _ in range(2)] == [200, 429]
    assert mine.get(UNPRICED)["X-RateLimit-Limit"] == "120"


def test_refused_keys_do_not_spend_anyone_s_budget(org, rate_clock):
    secret = key_for(org)
    wrong = secret[:-1] + ("1" if secret.endswith("0") else "0")
    assert keyed_client(wrong).get(UNPRICED).status_code == 401
    response = keyed_client(secret).get(UNPRICED)
    assert response["X-RateLimit-Remaining"] == "119"


def test_with_redis_the_count_lives_in_redis(requires_redis, org, rate_clock):
    import redis

    secret = key_for(org)
    client = keyed_client(secret)
    client.get(UNPRICED)
    client.get(UNPRICED)
    key_id = ApiKey.objects.get(org=org).pk
    window = int(rate_clock["t"] // 60)
    raw = redis.Redis.from_url(settings.REDIS_URL)
    stored = raw.get(cache.make_and_validate_key(f"rl:read:{key_id}:{window}"))
    assert int(stored) == 2
