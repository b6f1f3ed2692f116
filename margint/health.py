"""Liveness and readiness: /healthz says the process answers, /readyz that it can serve.

/readyz runs each check once, cheaply, and names the ones that fail:
- database: PostgreSQL (or SQLite) answers, and every migration this code knows is applied. The
  leaf migrations are read from disk once per process; each probe is one small query.
- redis: when REDIS_URL is configured, it answers PING.
- beat: when REDIS_URL is configured (a broker, hence a beat), the last beat heartbeat is younger
  than BEAT_MAX_AGE_SECONDS. Beat schedules `margint.tasks.beat_heartbeat` every minute and a
  worker stores the time in one Redis key: a fresh value proves beat, broker and a worker together.
  BEAT_MAX_AGE_SECONDS=0 turns the check off (a web-only deployment that runs no beat).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

BEAT_KEY = "margint:beat:last"


@functools.cache
def _leaf_migrations() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()))


def _redis() -> redis.Redis:
    timeout = settings.READYZ_TIMEOUT_SECONDS
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)


def check_database() -> str | None:
    leaves = _leaf_migrations()
    where = " OR ".join(["(app = %s AND name = %s)"] * len(leaves)) or "FALSE"
    try:
        with connection.cursor() as cursor:
            sql = f"SELECT count(*) FROM django_migrations WHERE {where}"  # noqa: S608 (placeholders only)
            cursor.execute(sql, [value for leaf in leaves for value in leaf])
            applied = cursor.fetchone()[0]
    except DatabaseError as error:
        return f"unreachable: {type(error).__name__}"
    return None if applied == len(leaves) else f"{len(leaves) - applied} migration(s) not applied"


def check_redis() -> str | None:
    try:
        _redis().ping()
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    return None


def check_beat() -> str | None:
    try:
        last = _redis().get(BEAT_KEY)
    except redis.RedisError as error:
        return f"unknown (Redis: {type(error).__name__})"
    if last is None:
        return "no beat run recorded"
    age = time.time() - float(last)
    return None if age <= settings.BEAT_MAX_AGE_SECONDS else f"last run {int(age)} s ago"


def beat_heartbeat_record() -> None:
    """Called by the heartbeat task: one SET, no expiry (an old value is what readyz must see)."""
    _redis().set(BEAT_KEY, repr(time.time()))


def readiness() -> dict[str, str]:
    """Each check's name with "ok" or what is wrong."""
    checks: dict[str, Callable[[], str | None]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
        if settings.BEAT_MAX_AGE_SECONDS:
            checks["beat"] = check_beat
    return {name: check() or "ok" for name, check in checks.items()}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is touched (a load balancer's liveness probe)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503; the body names each check's result."""
    checks = readiness()
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)
