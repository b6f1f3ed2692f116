from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from pythonjsonlogger.json import JsonFormatter

from billing.models import RevenueDaily
from margint import health
from margint.db_router import ReplicaReadsMiddleware, ReplicaRouter
from margint.logs import RequestIdFilter, logging_config, request_id_var
from margint.tasks import beat_heartbeat
from publicapi.keys import api_key_create


def test_healthz_answers_json_without_login_or_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_migrated_and_names_each_check(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_names_an_unapplied_migration(client, db, monkeypatch):
    leaves = (*health._leaf_migrations(), ("margins", "9999_not_applied"))
    monkeypatch.setattr(health, "_leaf_migrations", lambda: leaves)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "1 migration(s) not applied"


def test_readyz_needs_a_recent_beat_when_redis_is_configured(client, db, requires_redis, settings):
    settings.BEAT_MAX_AGE_SECONDS = 300
    health._redis().delete(health.BEAT_KEY)
    body = client.get("/readyz").json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "redis": "ok", "beat": "no beat run recorded"}

    health._redis().set(health.BEAT_KEY, repr(time.time() - 900))
    assert client.get("/readyz").json()["checks"]["beat"] == "last run 900 s ago"

    beat_heartbeat.delay()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["beat"] == "ok"


def test_readyz_names_redis_when_it_does_not_answer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.READYZ_TIMEOUT_SECONDS = 0.2
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unreachable: ConnectionError"
    assert response.json()["checks"]["beat"].startswith("unknown")


def test_metrics_are_closed_without_a_token_setting(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_count_requests_by_view_and_events_by_outcome(client, admin, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.REDIS_URL = ""
    client.get("/healthz")
    key = _write_key(admin)
    events = [
        {"customer": "acme", "model": "gpt-4o", "provider": "openai", "costMicrodollars": 10,
         "occurredAt": _recent(), "idempotencyKey": "m-1"},
        {"customer": "acme", "model": "gpt-4o", "costMicrodollars": -1, "occurredAt": _recent()},
    ]  # fmt: skip
    before = _samples(client)
    admin.client().post(
        "/api/v1/events", {"events": events}, format="json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    after = _samples(client)
    assert _delta(before, after, 'margint_cost_events_total{outcome="accepted"}') == 1
    assert _delta(before, after, 'margint_cost_events_total{outcome="rejected"}') == 1
    assert 'margint_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}' in after


def test_queue_depth_is_read_from_the_broker(client, db, requires_redis, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_CELERY_QUEUES = ["margint-test-queue"]
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("margint-test-queue")
    broker.rpush("margint-test-queue", "a", "b", "c")
    try:
        assert _samples(client)['margint_celery_queue_depth{queue="margint-test-queue"}'] == 3
    finally:
        broker.delete("margint-test-queue")


def test_json_log_lines_carry_the_request_id():
    config = logging_config(json=True, level="INFO")
    main = config["formatters"]["main"]
    formatter = JsonFormatter(main["format"], rename_fields=main["rename_fields"])
    record = logging.LogRecord("margint.test", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "hello there" and line["request_id"] == "req-42" and line["level"] == "INFO"


def _recent() -> str:
    return (datetime.now(UTC) - timedelta(minutes=1)).isoformat()


def _write_key(persona) -> str:
    return api_key_create(org=persona.org, name="metrics").secret


def _samples(client) -> dict[str, float]:
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").content.decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line and not line.startswith("#")
    }


def _delta(before: dict, after: dict, name: str) -> float:
    return after.get(name, 0) - before.get(name, 0)


@pytest.fixture(autouse=True)
def _no_multiprocess_dir(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)


def test_page_reads_of_product_data_go_to_the_replica_when_there_is_one(settings, rf):
    router = ReplicaRouter()
    settings.DATABASE_REPLICA = True
    seen = {}

    def page(request):
        seen["revenue"] = router.db_for_read(RevenueDaily)
        seen["session"] = router.db_for_read(Session)
        return HttpResponse()

    ReplicaReadsMiddleware(page)(rf.get("/margins/"))
    assert seen == {"revenue": "replica", "session": None}
    ReplicaReadsMiddleware(page)(rf.get("/api/v1/customers"))
    assert seen["revenue"] is None  # an API may read what it just wrote
    ReplicaReadsMiddleware(page)(rf.post("/margins/"))
    assert seen["revenue"] is None
    assert router.db_for_read(RevenueDaily) is None  # outside a request


def test_without_a_replica_every_read_stays_on_the_primary(settings, rf):
    settings.DATABASE_REPLICA = False
    seen = {}

    def page(request):
        seen["revenue"] = ReplicaRouter().db_for_read(RevenueDaily)
        return HttpResponse()

    ReplicaReadsMiddleware(page)(rf.get("/margins/"))
    assert seen["revenue"] is None
