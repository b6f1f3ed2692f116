"""Public identifiers: a prefix and base62 randomness, e.g. ``org_4fT9...``."""

from __future__ import annotations

import secrets
import string

BASE62 = string.digits + string.ascii_letters


def base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def public_id(prefix: str, length: int = 16) -> str:
    return f"{prefix}_{base62(length)}"


def new_org_public_id() -> str:
    return public_id("org")
