"""Django's Redis cache, keeping one Redis client per connection pool, and failing soft.

Django's client builds a new `redis.Redis` for every cache call, and each build fills a table of
some 170 response callbacks: a keyed API request makes three cache calls, so that building cost
more than the calls themselves. A `redis.Redis` is safe to share between threads (each command
takes a connection from the pool), so one per pool is kept.

Redis holds nothing that Margint cannot rebuild from PostgreSQL (verified keys, cached answers,
rate-limit counters, version counters), so a Redis that is down or does not answer must never fail
a request. Every cache call is bounded by REDIS_SOCKET_TIMEOUT_SECONDS; a call that fails answers
as a miss (`get` gives its default, `add`/`set` did not store, `incr` starts again at `delta`),
with one warning logged. After a failure the cache is not asked again for
REDIS_RETRY_AFTER_SECONDS, so an outage costs one timeout per process and interval, not one per
call. See docs/hardening.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisUnavailable(Exception):
    """Redis failed within the last REDIS_RETRY_AFTER_SECONDS: the call was not even tried."""


class _Breaker:
    """Process-wide: once Redis fails, calls are skipped until the retry moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def closed(self) -> bool:
        return time.monotonic() >= self._retry_at

    def trip(self, error: BaseException) -> None:
        with self._lock:
            was_closed = self.closed()
            self._retry_at = time.monotonic() + settings.REDIS_RETRY_AFTER_SECONDS
        if was_closed:
            logger.warning("Redis does not answer (%s); answering from PostgreSQL", error)

    def reset(self) -> None:
        self._retry_at = 0.0


breaker = _Breaker()


def guarded(call: Callable[[], T]) -> T:
    """`call()` against Redis; raises RedisUnavailable when Redis is down or just failed."""
    if not breaker.closed():
        raise RedisUnavailable("Redis failed a moment ago")
    try:
        return call()
    except (RedisError, OSError) as error:
        breaker.trip(error)
        raise RedisUnavailable(str(error)) from error


def _soft(default: Any) -> Callable:
    def wrap(method: Callable) -> Callable:
        def soft_method(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return guarded(lambda: method(self, *args, **kwargs))
            except RedisUnavailable:
                return default(*args, **kwargs) if callable(default) else default

        soft_method.__name__ = method.__name__
        soft_method.__doc__ = method.__doc__
        return soft_method

    return wrap


def _default_of_get(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _delta_of_incr(key: Any, delta: int = 1, *args: Any, **kwargs: Any) -> int:
    return delta


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _soft(_default_of_get)(DjangoRedisCache.get)
    get_many = _soft(lambda *a, **k: {})(DjangoRedisCache.get_many)
    has_key = _soft(False)(DjangoRedisCache.has_key)
    add = _soft(False)(DjangoRedisCache.add)
    set = _soft(None)(DjangoRedisCache.set)
    set_many = _soft(lambda keys, *a, **k: list(keys))(DjangoRedisCache.set_many)
    touch = _soft(False)(DjangoRedisCache.touch)
    delete = _soft(False)(DjangoRedisCache.delete)
    delete_many = _soft(None)(DjangoRedisCache.delete_many)
    incr = _soft(_delta_of_incr)(DjangoRedisCache.incr)
    clear = _soft(False)(DjangoRedisCache.clear)
