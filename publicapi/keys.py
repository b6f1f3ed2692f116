"""API key minting and verification. The secret is returned once and never stored."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from margint.ids import base62
from margint.models import Organization
from publicapi.models import ApiKey

KEY_PREFIX = "mk_live_"
SECRET_LENGTH = 40
LOOKUP_PREFIX_LENGTH = len(KEY_PREFIX) + 8
KEY_PATTERN = re.compile(r"mk_live_[A-Za-z0-9]{32,64}")
VALID_SCOPES = ("read", "write")
LAST_USED_EVERY_SECONDS = 60
# A verified key (with its org) is kept this long in the cache, keyed by the secret's digest, so a
# keyed request costs no query. Revoking deletes the entry; other changes to the key or its org
# (tier, rate limits) show within this time.
VERIFIED_KEY_SECONDS = 60
_REVOKED = "revoked"
_UNKNOWN_DIGEST = "0" * 64


@dataclass(frozen=True)
class MintedKey:
    api_key: ApiKey
    secret: str


def _digest(secret: str) -> str:
    pepper = settings.SECRET_KEY.encode()
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def api_key_create(
    *, org: Organization, name: str, scopes: tuple[str, ...] = VALID_SCOPES, created_by=None
) -> MintedKey:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("The key name must be 1 to 100 characters.")
    unknown = set(scopes) - set(VALID_SCOPES)
    if not scopes or unknown:
        raise ValueError(f"Scopes must be among {', '.join(VALID_SCOPES)}.")
    secret = KEY_PREFIX + base62(SECRET_LENGTH)
    key = ApiKey.objects.create(
        org=org,
        name=name,
        prefix=secret[:LOOKUP_PREFIX_LENGTH],
        digest=_digest(secret),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return MintedKey(api_key=key, secret=secret)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        # A marker rather than a delete: a request that read the key as active just before the
        # revocation can then not put it back in the cache (it only adds, never overwrites).
        cache.set(_cache_key(api_key.digest), _REVOKED, VERIFIED_KEY_SECONDS * 2)
    return api_key


def _cache_key(digest: str) -> str:
    return f"apikey:{digest}"


def api_key_verify(secret: str) -> ApiKey | None:
    """The active key for this secret, or None. Constant-time digest comparison."""
    if not KEY_PATTERN.fullmatch(secret):
        return None
    digest = _digest(secret)
    # Only the secret itself hashes to this digest, so a cached entry is already verified.
    key = cache.get(_cache_key(digest))
    if key == _REVOKED:
        return None
    if key is None:
        key = _verified_from_database(secret[:LOOKUP_PREFIX_LENGTH], digest)
        if key is None:
            return None
        cache.add(_cache_key(digest), key, VERIFIED_KEY_SECONDS)
        # Read from the database at most once a minute per key: last_used_at follows at that pace.
        _touch(key)
    return key


def _verified_from_database(prefix: str, digest: str) -> ApiKey | None:
    key = ApiKey.objects.select_related("org").filter(prefix=prefix).first()
    # The digest is compared whatever was found, so an unknown or revoked key takes as long to
    # refuse as a wrong one.
    matches = hmac.compare_digest(key.digest if key else _UNKNOWN_DIGEST, digest)
    if key is None or key.revoked_at is not None or not matches:
        return None
    return key


def _touch(key: ApiKey) -> None:
    # last_used_at is kept to the minute: one write a minute per key, not one per request.
    if cache.add(f"apikey-touch:{key.pk}", 1, LAST_USED_EVERY_SECONDS):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
