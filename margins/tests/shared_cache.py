"""Helpers for tests of copies shared between processes through the cache (margins/shared_copies.py)."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

from margins import shared_copies


class FailingCache(LocMemCache):
    def get(self, key, default=None, version=None):
        raise ConnectionError("the cache is down")

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        raise ConnectionError("the cache is down")


# A test taking `backend`, a CACHES entry of a cache that fails each call.
failing_caches = pytest.mark.parametrize(
    "backend",
    [
        {"BACKEND": "margint.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},  # nothing listens
        {"BACKEND": f"{__name__}.FailingCache"},
    ],
    ids=["unreachable Redis", "failing cache"],
)


def recorded_shares(monkeypatch) -> list:
    """The payloads the shares put in the cache from now on, in order (the cache still keeps them)."""
    payloads = []

    class Recording:
        def get(self, key):
            return cache.get(key)

        def set(self, key, value, timeout):
            payloads.append(value[1])
            cache.set(key, value, timeout)

    monkeypatch.setattr(shared_copies, "cache", Recording())
    return payloads


def hear_cache_warnings(caplog, monkeypatch) -> None:
    """Let `caplog` receive the warnings of margins/shared_copies.py whatever logging state earlier
    tests left: the logger's level and its `disabled` flag are set here. In one full CI run these
    tests' `caplog` stayed empty while they passed alone; a raised level or a disabled logger is
    what drops a warning before `caplog` sees it (both checked with a plugin setting them)."""
    monkeypatch.setattr(shared_copies.logger, "disabled", False)
    caplog.set_level(logging.WARNING, logger=shared_copies.logger.name)
