"""The Celery app. Tasks are discovered in each app's tasks.py; beat's schedule lives in settings."""

from __future__ import annotations

import os

from celery import Celery, signals
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "margint.settings")

app = Celery("margint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _serve_metrics(**_: object) -> None:
    """CELERY_METRICS_PORT: the worker host's own /metrics (its tasks count syncs and deliveries).

    Prefork children write to PROMETHEUS_MULTIPROC_DIR, which should then be set, and be a
    directory of its own per worker host; the main process serves their sum."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    start_http_server(int(port), addr=os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1"), registry=registry)


@signals.task_postrun.connect
def _count_task(task=None, state=None, **_: object) -> None:
    # Imported here: this module is imported by margint/__init__.py before Django's settings exist.
    from margint import metrics

    metrics.task_counted(task=task.name, state=state)
