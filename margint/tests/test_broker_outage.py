"""A broker that does not answer fails a task's publication quickly, with the settings Margint runs with."""

from __future__ import annotations

import time

import pytest
from celery import Celery

from margint.tests.dead_redis import silent_listener


def test_publishing_to_a_silent_broker_fails_within_seconds(requires_redis):
    with silent_listener() as url:
        app = Celery("outage")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.broker_url = url
        app.conf.result_backend = None
        app.conf.task_always_eager = False
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 (kombu's OperationalError or redis' TimeoutError)
            app.send_task("margint.tests.nothing")
        assert time.monotonic() - started < 8
