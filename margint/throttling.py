"""Throttling: who a sign-in attempt comes from (django-axes, settings AXES_*), and the per-user
limit of the dashboard's JSON APIs."""

from __future__ import annotations

import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind the trusted proxy (TRUST_PROXY_HEADERS), the last address of
    X-Forwarded-For, which that proxy appended; otherwise the socket's peer. Earlier entries of the
    header are the client's own words and are never trusted."""
    if settings.TRUST_PROXY_HEADERS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass  # no header, or not an address: the peer is all that is known
    return request.META.get("REMOTE_ADDR") or None


class SessionRateThrottle(BaseThrottle):
    """The dashboard's JSON APIs, per signed-in user: at most the view's `session_rate_limit` (or
    SESSION_API_RATE_LIMIT) requests in a fixed one-minute window, as keyed APIs are per key.
    Counted in the cache; a cache that does not answer counts nothing (fails open)."""

    def allow_request(self, request: Any, view: Any) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(user, "pk", None) is None:
            return True  # anonymous callers are refused by the views; keys have their own limit
        limit = getattr(view, "session_rate_limit", None) or settings.SESSION_API_RATE_LIMIT
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"rl:session:{getattr(view, 'rate_limit_kind', 'read')}:{user.pk}:{window}"
        count = 1 if cache.add(key, 1, WINDOW_SECONDS + 5) else _incremented(key)
        self._retry_after = (window + 1) * WINDOW_SECONDS - now
        return count <= limit

    def wait(self) -> float:
        return float(max(1, math.ceil(self._retry_after)))


def _incremented(key: str) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        return 1
