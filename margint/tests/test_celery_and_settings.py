from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from margint.celery import app
from margint.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


def _settings_import(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEY")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='margint.settings'; "
            "from django.conf import settings; print(settings.SECRET_KEY[:6])",
        ],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_stops_with_a_clear_message():
    result = _settings_import({"MARGINT_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_without_field_encryption_key_stops():
    result = _settings_import({"MARGINT_ENV": "production", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not set" in result.stderr


def test_development_gets_a_default_secret_key():
    result = _settings_import({"MARGINT_ENV": "development"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "margin"


def test_eager_task_reaches_the_database(db):
    assert ping.delay().get(timeout=10) == "pong"


@pytest.mark.redis
def test_a_real_worker_runs_tasks_through_the_redis_broker(requires_redis, transactional_db, settings):
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert ping.delay().get(timeout=20) == "pong"


def test_a_redis_that_stops_answering_answers_a_cache_call_as_a_miss_after_the_socket_timeout():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are accepted by the kernel, and never answered
    try:
        port = silent.getsockname()[1]
        code = (
            "import os, time; os.environ['DJANGO_SETTINGS_MODULE']='margint.settings'; import django; "
            "django.setup(); from django.core.cache import cache; start = time.monotonic()\n"
            "value = cache.get('probe', 'miss')\n"
            "print(value, round(time.monotonic() - start, 1))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "REDIS_URL": f"redis://127.0.0.1:{port}/0", "REDIS_SOCKET_TIMEOUT_SECONDS": "0.5"},
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    finally:
        silent.close()
    assert result.returncode == 0, result.stderr
    name, seconds = result.stdout.split()
    assert name == "miss" and 0.4 <= float(seconds) < 5


def test_the_collector_leaves_short_lived_request_objects_to_the_young_generation_threshold():
    """Set when Django starts (margint/apps.py): the default 700 made large tables collect
    thousands of times per request."""
    import gc

    from margint.apps import YOUNG_GENERATION_THRESHOLD

    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD and gc.get_freeze_count() > 0
