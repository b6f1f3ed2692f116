"""Who a sign-in attempt comes from, for django-axes' throttling (settings: AXES_*)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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
