"""Copies of what one process computed from the monthly totals, shared with the server's other processes.

A process that keeps nothing yet (just started) can take a copy another process put in the Django
cache (Redis when REDIS_URL is set) with the monthly totals it follows (`margins.totals.shared_state`):
it adopts those totals (`adopt_state`), and its next read of them names every customer that changed
after the other process read them, so only those are computed again. The margin table
(margins/table_cache.py) and the public API's window sums (publicapi/window_sums.py) share this way.

A value is `(totals state, payload)` under a key naming the database (`state_namespace`): a since
id means something only there. A process shares a scope's copy when it computed everything, and
after a change at most once a minute (`Sharing.due`): a copy adopted late names the changes since
its process last shared it, not every change of the day. A failing cache only means nothing is
shared: every call here answers None or False rather than raise.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from margins.calculations import Month
from margins.totals import adopt_state, shared_state, state_namespace
from margint.models import Organization

logger = logging.getLogger(__name__)
T = TypeVar("T")

SHARE_SECONDS = 60  # after a change, a process shares a scope's copy at most this often


@dataclass(frozen=True)
class Sharing:
    """The generation of the totals a process last shared (or adopted) a scope's copy at, and when."""

    generation: int | None = None
    at: float = float("-inf")  # `time.monotonic()` seconds

    def due(self, generation: int, now: float) -> bool:
        """Whether a copy of `generation` is worth sharing: new, and a minute after the last share."""
        return self.generation != generation and now - self.at >= SHARE_SECONDS


def shared_key(prefix: str, scope: str) -> str:
    """The cache key of a scope's copy; `prefix` names the kind of copy and the format of its payload.

    The key also names the code (`code_version`): copies live a day, across deploys, and one built
    by other code may hold rows computed or rendered another way, or another layout.
    """
    digest = hashlib.sha256(scope.encode()).hexdigest()[:32]  # scopes may be long or have spaces
    return f"{prefix}:{code_version()}:{_namespace()}:{digest}"


CODE_PACKAGES = ("billing", "mappings", "margins", "margint", "publicapi")


@functools.cache
def code_version() -> str:
    """A digest of the project's Python source (tests aside), read once per process."""
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((settings.BASE_DIR / package).rglob("*.py")):
            relative = path.relative_to(settings.BASE_DIR)
            if "tests" not in relative.parts:
                digest.update(f"{relative}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Per database connection: `state_namespace()`, one query, asked once per connection (so once per
# request that adopts and shares, or once per persistent connection). A connection keeps talking
# to one database; a database created again under the same name is reached by a new connection.
_namespaces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_namespaces_lock = threading.Lock()


def _namespace() -> str:
    connection.ensure_connection()
    raw = connection.connection
    with _namespaces_lock:
        namespace = _namespaces.get(raw)
    if namespace is None:
        namespace = state_namespace()
        with _namespaces_lock:
            _namespaces[raw] = namespace
    return namespace


def cache_call(call: Callable[[], T], what: str) -> T | None:
    """`call()`, or None when the cache fails: sharing is an optimisation, never an error."""
    try:
        return call()
    except Exception:
        logger.warning("the shared %s are unavailable", what, exc_info=True)
        return None


def shared_copy(key: str, what: str) -> tuple[tuple, Any] | None:
    """The (totals state, payload) shared under `key`, or None."""
    return cache_call(lambda: cache.get(key), what)


def adopted(*, key: str, what: str, org: Organization, months: Sequence[Month]) -> tuple[int, Any] | None:
    """The payload shared under `key` and the generation number of its totals, now kept by this
    process; None when there is none or this process keeps totals of these months already."""
    value = shared_copy(key, what)
    if value is None:
        return None
    state, payload = value
    generation = adopt_state(org=org, months=months, state=state)
    return None if generation is None else (generation, payload)


def share(
    *,
    key: str,
    what: str,
    org: Organization,
    months: Sequence[Month],
    generation: int,
    payload: Any,
    timeout: int,
) -> bool:
    """Put `payload` in the cache with the totals of `generation` it follows. False when this process's
    totals have moved past that generation (another thread read newer ones): nothing is shared.

    True even when the cache failed: the caller tries again a minute later, not on each request.
    """
    state = shared_state(org=org, months=months, generation=generation)
    if state is None:
        return False
    cache_call(lambda: cache.set(key, (state, payload), timeout), what)
    return True
