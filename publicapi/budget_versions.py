"""Budget-check cache versions, bumped when new cost lands (margins.costs.signals.costs_ingested).

Budget checks (`GET /api/v1/budgets/check`) are cached for a minute. Instead of deleting cache
entries by pattern (not something every cache backend can do), each customer has a version
counter: `budgetcheck-ver:{org public id}:{external id}`. A budget-check cache key includes the
version (`budget_check_version`), and new cost for the customer bumps it, so the next check
misses the cache and sees the new spend at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

# A version must outlive every cache entry keyed by it (a budget check lives 60 s); a day is plenty,
# and an expired counter that starts again at 1 cannot meet an entry of its old value 1.
VERSION_TTL_SECONDS = 24 * 3600


def budget_check_version_key(org_id: str, external_id: str) -> str:
    return f"budgetcheck-ver:{org_id}:{external_id}"


def budget_check_version(org_id: str, external_id: str) -> int:
    """The current version of this customer's budget-check cache entries (0 before any ingest).

    org_id is the organization's public id (`org_...`). Use it in the cache key, e.g.
    f"budgetcheck:{org_id}:{external_id}:{version}:{feature}".
    """
    return int(cache.get(budget_check_version_key(org_id, external_id)) or 0)


def customers_ingested(org_id: str, external_ids: Iterable[str]) -> None:
    """New cost was committed for these customers of the organization with public id `org_id`:
    bump each one's budget-check version so cached checks made before it are never read again.
    """
    keys = sorted({budget_check_version_key(org_id, e) for e in external_ids})
    if not keys:
        return
    backend = caches["default"]  # the backend itself: `cache` is a proxy to it
    if isinstance(backend, RedisCache):
        _redis_incr_many(backend, keys)
        return
    for key in keys:
        if not cache.add(key, 1, VERSION_TTL_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, VERSION_TTL_SECONDS)


# One command for a whole batch of customers (a pipeline of INCR + EXPIRE per key costs redis-py
# about ten microseconds a command to pack and parse). INCR creates a missing counter at 1.
_INCR_ALL = """
for _, key in ipairs(KEYS) do
    redis.call('INCR', key)
    redis.call('EXPIRE', key, ARGV[1])
end
return #KEYS
"""


def _redis_incr_many(backend: RedisCache, keys: list[str]) -> None:
    client = backend._cache.get_client(write=True)
    full_keys = [backend.make_key(key) for key in keys]  # no memcached-only key warnings: Redis
    client.eval(_INCR_ALL, len(full_keys), *full_keys, VERSION_TTL_SECONDS)
