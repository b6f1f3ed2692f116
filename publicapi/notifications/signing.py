"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<raw body>" with the endpoint's secret.

Header sent with every delivery:

    Margint-Signature: t=1775383200,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

`t` is the Unix time of the attempt, `v1` the hex HMAC-SHA256 of f"{t}.{body}" keyed with the
endpoint secret (the whole "whsec_..." string, as UTF-8). A receiver recomputes it over the raw
bytes it received, compares in constant time, and refuses a `t` older than a few minutes so a
captured request cannot be replayed. Retries carry a new `t` and a new signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Margint-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance` seconds."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v1", []))
