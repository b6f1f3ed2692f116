"""Per-key request limits, fixed one-minute windows counted in the cache (Redis in production)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

WINDOW_SECONDS = 60


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


def hit(*, key_id: str, kind: str, limit: int, now: float | None = None) -> RateLimitState:
    """Count one request of this kind ("read" or "ingest") for this key in the current window."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache_key = f"rl:{kind}:{key_id}:{window}"
    try:
        count = cache.incr(cache_key)  # one cache call on every request but a window's first
    except ValueError:
        count = 1 if cache.add(cache_key, 1, WINDOW_SECONDS + 5) else cache.incr(cache_key)
    return RateLimitState(limit=limit, remaining=limit - count, reset_at=(window + 1) * WINDOW_SECONDS)
