"""Webhook deliveries as Stripe makes them: the event as JSON, POSTed with a `Stripe-Signature`
header (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint's secret>`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any


def signature_header(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def deliver(url: str, secret: str, event: dict[str, Any], *, timeout: float = 30.0) -> int:
    """POST `event` to `url` signed with `secret`; the answer's status code (as Stripe records it)."""
    payload = json.dumps(event).encode()
    request = urllib.request.Request(  # noqa: S310 - the caller's own endpoint, http(s) only
        url,
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": signature_header(payload, secret)},
    )
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - checked above
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
