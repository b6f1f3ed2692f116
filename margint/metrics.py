"""Prometheus metrics: what Margint counts, and the /metrics endpoint that serves them.

Every app records through the functions here (core, so any layer may call them); nothing else
imports prometheus_client. Under gunicorn each worker is its own process: with
PROMETHEUS_MULTIPROC_DIR set (docs/operations.md; gunicorn.conf.py marks dead workers), every
process writes its samples to files there and /metrics adds them up, so a scrape sees the whole
server rather than whichever worker answered. Without it (runserver, tests) the process's own
registry is served.

/metrics is closed unless METRICS_TOKEN is set, and then asks for `Authorization: Bearer <token>`.
Celery queue depth is read from the broker at scrape time (one LLEN per queue), not counted.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "margint_request_duration_seconds",
    "Time to answer a request, by view (URL pattern name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS = Counter("margint_cost_events", "Cost events received, by outcome.", ["outcome"])
SYNCS = Counter("margint_revenue_syncs", "Stripe revenue syncs finished, by outcome.", ["outcome"])
SYNC_DURATION = Histogram(
    "margint_revenue_sync_duration_seconds",
    "Duration of a Stripe revenue sync.",
    ["outcome"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800),
)
WEBHOOK_DELIVERIES = Counter(
    "margint_webhook_deliveries", "Outgoing webhook delivery attempts, by outcome.", ["outcome"]
)
TASKS = Counter(
    "margint_celery_tasks", "Celery tasks finished in this worker, by task and state.", ["task", "state"]
)


def events_counted(*, accepted: int, duplicates: int, rejected: int) -> None:
    for outcome, count in (("accepted", accepted), ("duplicate", duplicates), ("rejected", rejected)):
        if count:
            EVENTS.labels(outcome).inc(count)


def sync_counted(*, succeeded: bool, seconds: float) -> None:
    outcome = "succeeded" if succeeded else "failed"
    SYNCS.labels(outcome).inc()
    SYNC_DURATION.labels(outcome).observe(seconds)


def task_counted(*, task: str, state: str | None) -> None:
    """A task that ran: its registered name (a bounded set) and Celery's final state."""
    TASKS.labels(task, (state or "UNKNOWN").lower()).inc()


def webhook_delivery_counted(*, status_code: int | None, error: str) -> None:
    if status_code is not None and 200 <= status_code < 300:
        outcome = "delivered"
    elif status_code is not None:
        outcome = f"http_{status_code // 100}xx"
    else:
        outcome = "refused" if error.startswith("Refused") else "network_error"
    WEBHOOK_DELIVERIES.labels(outcome).inc()


class MetricsMiddleware:
    """Request latency by the URL pattern's name (bounded labels: never the raw path)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_LATENCY.labels(view, method, status).observe(time.perf_counter() - started)
        return response


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class QueueDepthCollector:
    """margint_celery_queue_depth{queue}: messages waiting in each Celery queue (Redis lists)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "margint_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        if settings.REDIS_URL:
            for queue, depth in _queue_depths().items():
                gauge.add_metric([queue], depth)
        yield gauge


def _queue_depths() -> dict[str, int]:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        return {queue: client.llen(queue) for queue in settings.METRICS_CELERY_QUEUES}
    except redis.RedisError as error:  # a scrape still answers; readyz names the Redis failure
        logger.warning("queue depth unavailable: %s", error)
        return {}


_QUEUES = QueueDepthCollector()
REGISTRY.register(_QUEUES)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(_QUEUES)
    return registry


def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("metrics are off: set METRICS_TOKEN", status=404, content_type="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("a bearer token is needed", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
