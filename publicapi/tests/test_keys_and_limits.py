"""The key cache and the per-key counters, below the HTTP layer."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from publicapi.keys import api_key_create, api_key_verify
from publicapi.models import ApiKey
from publicapi.ratelimit import hit


def test_a_window_counts_up_and_the_next_window_starts_again(db):
    start = 1_800_000_000.0  # a window boundary: 60 divides it
    states = [hit(key_id="k", kind="read", limit=2, now=start + offset) for offset in (0, 10, 59)]
    assert [(s.remaining, s.exceeded, s.reset_at) for s in states] == [
        (1, False, 1_800_000_060),
        (0, False, 1_800_000_060),
        (-1, True, 1_800_000_060),
    ]
    assert states[0].headers()["X-RateLimit-Remaining"] == "1"
    assert states[2].headers()["X-RateLimit-Remaining"] == "0"
    assert hit(key_id="k", kind="read", limit=2, now=start + 60).remaining == 1
    assert hit(key_id="other", kind="read", limit=2, now=start).remaining == 1
    assert hit(key_id="k", kind="ingest", limit=2, now=start).remaining == 1


def test_last_used_is_written_when_the_key_is_read_from_the_database_only(org):
    minted = api_key_create(org=org, name="k")
    assert api_key_verify(minted.secret) is not None
    first = ApiKey.objects.get(pk=minted.api_key.pk).last_used_at
    assert first is not None
    ApiKey.objects.filter(pk=minted.api_key.pk).update(last_used_at=None)
    assert api_key_verify(minted.secret) is not None  # from the cache: no write
    assert ApiKey.objects.get(pk=minted.api_key.pk).last_used_at is None


def test_an_unknown_secret_is_not_cached(org):
    assert api_key_verify("mk_live_" + "a" * 40) is None
    assert api_key_verify("mk_live_" + "a" * 40) is None


def test_the_redis_cache_keeps_one_client_per_pool(requires_redis):
    assert settings.CACHES["default"]["BACKEND"] == "margint.cache.RedisCache"
    cache.set("probe", 1)
    client = cache._cache.get_client("probe")
    assert cache._cache.get_client("other") is client
    assert cache.get("probe") == 1 and cache.incr("probe") == 2


def test_on_redis_a_counter_expires_a_window_after_its_first_hit(requires_redis):
    start = 1_800_000_000.0
    hit(key_id="ttl", kind="read", limit=5, now=start)
    hit(key_id="ttl", kind="read", limit=5, now=start + 1)
    key = cache.make_and_validate_key("rl:read:ttl:30000000")
    client = cache._cache.get_client(key)
    assert client.get(key) == b"2"
    assert 60 <= client.ttl(key) <= 65


def test_on_redis_one_pipelined_round_trip_counts_and_sets_the_missing_ttl(requires_redis):
    # Only the INCR + EXPIRE NX pipeline gives a counter without a TTL one; Django's incr would not.
    key = cache.make_and_validate_key("rl:read:bare:30000000")
    client = cache._cache.get_client(key)
    client.set(key, 7)
    assert hit(key_id="bare", kind="read", limit=10, now=1_800_000_000.0).remaining == 2
    assert 60 <= client.ttl(key) <= 65
