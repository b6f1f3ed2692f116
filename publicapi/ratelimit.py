"""Per-key request limits, fixed one-minute windows counted in the cache (Redis in production)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from margint.cache import RedisUnavailable, guarded

WINDOW_SECONDS = 60
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_at: int  # epoch seconds when the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_at - int(time.time()))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": str(self.reset_at),
        }


def _count(cache_key: str, ttl: int) -> int:
    """Add one to the counter and return it; the counter expires `ttl` seconds after its first hit."""
    backend = caches["default"]  # the backend itself: `cache` is a proxy, never a RedisCache
    if isinstance(backend, RedisCache):
        # One round trip on the hot path: INCR, and a TTL set only by the window's first hit.
        # (Django's own incr is two: EXISTS, then INCR.)
        key = backend.make_and_validate_key(cache_key)
        pipe = backend._cache.get_client(key, write=True).pipeline(transaction=False)
        count, _ = guarded(lambda: pipe.incr(key).expire(key, ttl, nx=True).execute())
        return int(count)
    try:
        return cache.incr(cache_key)
    except ValueError:
        return 1 if cache.add(cache_key, 1, ttl) else cache.incr(cache_key)


def hit(*, key_id: str, kind: str, limit: int, now: float | None = None) -> RateLimitState:
    """Count one request of this kind ("read" or "ingest") for this key in the current window."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    try:
        count = _count(f"rl:{kind}:{key_id}:{window}", WINDOW_SECONDS + 5)
    except RedisUnavailable:
        # Fails open: a Redis outage must not stop ingestion or reads; the limit is back with Redis.
        logger.warning("rate limit not counted for %s %s: Redis does not answer", kind, key_id)
        count = 0
    return RateLimitState(limit=limit, remaining=limit - count, reset_at=(window + 1) * WINDOW_SECONDS)
