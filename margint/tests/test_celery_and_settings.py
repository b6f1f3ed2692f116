from __future__ import annotations

import os
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
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='margint.settings'; "
         "from django.conf import settings; print(settings.SECRET_KEY[:6])"],
        env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60,
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
