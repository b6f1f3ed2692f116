"""Delivery to a real HTTP server on loopback: signed, logged, retried with backoff for 24 hours."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from publicapi.notifications import signing
from publicapi.notifications.models import WebhookDelivery, WebhookEvent
from publicapi.notifications.services import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    retry_delay,
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_event_emit,
    webhook_test_send,
)
from publicapi.notifications.tasks import webhook_deliver


@pytest.fixture
def endpoint(org, webhook_receiver):
    endpoint, secret = webhook_endpoint_create(org=org, url=webhook_receiver.url)
    endpoint.secret = secret  # what the receiver was told once
    return endpoint


def emit(org, key: str = "k1") -> WebhookEvent:
    return webhook_event_emit(
        org=org, event_type="margin.threshold_crossed", data={"object": {"n": 1}}, dedupe_key=key
    )


def test_retry_schedule_doubles_from_a_minute_and_ends_24_hours_after_the_first_attempt():
    assert RETRY_DELAYS[:4] == (60, 120, 240, 480)
    assert sum(RETRY_DELAYS) == 24 * 3600
    assert MAX_ATTEMPTS == 12
    assert retry_delay(11) == 24 * 3600 - 60 * (2**10 - 1)
    assert retry_delay(MAX_ATTEMPTS) is None


def test_a_2xx_answer_delivers_once_with_a_valid_signature(
    org, endpoint, webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = emit(org)
    (request,) = webhook_receiver.received
    assert json.loads(request.body) == event.payload
    assert signing.verify(
        secret=endpoint.secret, header=request.headers["Margint-Signature"], body=request.body
    )
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Margint-Event-Type"] == "margin.threshold_crossed"
    assert request.headers["Margint-Delivery-Attempt"] == "1"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempt, delivery.status_code, delivery.error) == (1, 200, "")
    assert delivery.response_excerpt == '{"ok": true}'
    assert delivery.delivered_at is not None and delivery.next_retry_at is None
    assert delivery.duration_ms is not None


def test_a_500_schedules_the_next_attempt_with_backoff(org, endpoint, webhook_receiver):
    event = emit(org)
    webhook_receiver.answer(500)
    delivery = webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=3)
    assert (delivery.status_code, delivery.delivered_at) == (500, None)
    assert delivery.response_excerpt == "receiver says no"
    assert delivery.next_retry_at - delivery.created_at == timedelta(seconds=240)


def test_the_task_retries_until_the_receiver_recovers(org, endpoint, webhook_receiver, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # configured with a broker, as in production
    event = emit(org)
    webhook_receiver.answer(500, 503)
    # The test runs the tasks in-process, so Celery makes each retry at once instead of after its countdown.
    assert webhook_deliver.delay(event.id, endpoint.id).get(timeout=30) == 500
    attempts = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code"))
    assert attempts == [(1, 500), (2, 503), (3, 200)]
    assert [r.headers["Margint-Delivery-Attempt"] for r in webhook_receiver.received] == ["1", "2", "3"]
    assert all(
        signing.verify(secret=endpoint.secret, header=r.headers["Margint-Signature"], body=r.body)
        for r in webhook_receiver.received
    )


def test_a_receiver_down_all_day_gets_twelve_logged_attempts_then_nothing(
    org, endpoint, webhook_receiver, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # configured with a broker, as in production
    event = emit(org)
    webhook_receiver.default_status = 500
    webhook_deliver.delay(event.id, endpoint.id).get(timeout=60)
    deliveries = list(WebhookDelivery.objects.order_by("attempt"))
    assert [d.attempt for d in deliveries] == list(range(1, 13))
    assert all(d.status_code == 500 and d.delivered_at is None for d in deliveries)
    gaps = [int((d.next_retry_at - d.created_at).total_seconds()) for d in deliveries[:-1]]
    assert gaps == list(RETRY_DELAYS)
    assert deliveries[-1].next_retry_at is None
    assert len(webhook_receiver.received) == 12


def test_without_a_broker_a_failed_attempt_is_final_not_retried_at_once(
    org, endpoint, webhook_receiver, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no REDIS_URL: tasks run inside the web process
    event = emit(org)
    webhook_receiver.default_status = 403
    assert webhook_deliver.delay(event.id, endpoint.id).get(timeout=30) == 403
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.attempt, delivery.status_code, delivery.next_retry_at) == (1, 403, None)
    assert len(webhook_receiver.received) == 1


def test_an_unreachable_receiver_is_logged_as_an_error_and_retried(org, webhook_receiver):
    endpoint, _ = webhook_endpoint_create(org=org, url="http://127.0.0.1:9/nothing-listens")
    event = emit(org)
    delivery = webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1)
    assert delivery.status_code is None
    assert "ConnectionRefusedError" in delivery.error
    assert delivery.next_retry_at is not None


def test_an_attempt_is_made_once_even_if_the_task_runs_twice(org, endpoint, webhook_receiver):
    event = emit(org)
    assert webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1) is not None
    assert webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1) is None
    assert len(webhook_receiver.received) == 1


def test_deleted_or_deactivated_endpoints_get_nothing_more(org, endpoint, webhook_receiver):
    event = emit(org)
    endpoint.active = False
    endpoint.save()
    assert webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=2) is None
    endpoint.delete()
    assert webhook_deliver.delay(event.id, endpoint.id).get(timeout=10) is None
    assert webhook_receiver.received == []


def test_production_refuses_to_deliver_to_a_private_address_and_does_not_retry(
    org, endpoint, webhook_receiver, settings
):
    event = emit(org)
    settings.IS_PRODUCTION = True
    delivery = webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1)
    assert delivery.error.startswith("Refused: ")
    assert "non-public address (127.0.0.1)" in delivery.error
    assert (delivery.status_code, delivery.next_retry_at) == (None, None)
    assert webhook_receiver.received == []


def test_emit_once_per_dedupe_key_and_per_org(org, other_org, endpoint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = emit(org)
        assert emit(org) is None
        other = emit(other_org)
    assert first is not None and other is not None and first.id != other.id
    # One delivery queued: the first event to the org's one endpoint (the other org has none).
    assert len(callbacks) == 1
    assert WebhookEvent.objects.filter(dedupe_key="k1").count() == 2


def test_nothing_is_sent_when_the_emitting_transaction_rolls_back(org, endpoint, webhook_receiver):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        emit(org)
        raise RuntimeError("the sync failed after emitting")
    assert WebhookEvent.objects.count() == 0
    assert webhook_receiver.received == []


def test_endpoints_get_only_the_event_types_they_asked_for(
    org, webhook_receiver, django_capture_on_commit_callbacks
):
    every, _ = webhook_endpoint_create(org=org, url=webhook_receiver.url)
    margins_only, _ = webhook_endpoint_create(
        org=org, url=webhook_receiver.url, event_types=["margin.threshold_crossed"]
    )
    budget_only, _ = webhook_endpoint_create(
        org=org, url=webhook_receiver.url, event_types=["budget.exceeded"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = webhook_event_emit(
            org=org, event_type="budget.exceeded", data={"object": {}}, dedupe_key="b1"
        )
    reached = set(WebhookDelivery.objects.filter(event=event).values_list("endpoint_id", flat=True))
    assert reached == {every.id, budget_only.id}
    assert margins_only.id not in reached


def test_test_event_goes_to_that_endpoint_whatever_it_subscribes_to(
    org, webhook_receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = webhook_endpoint_create(
        org=org, url=webhook_receiver.url, event_types=["budget.exceeded"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = webhook_test_send(endpoint=endpoint)
    (request,) = webhook_receiver.received
    body = json.loads(request.body)
    assert (body["id"], body["type"]) == (event.id, "webhook.test")
    assert body["data"]["object"]["endpointId"] == endpoint.id
    assert signing.verify(secret=secret, header=request.headers["Margint-Signature"], body=request.body)


@pytest.mark.redis
def test_a_real_worker_delivers_through_the_redis_broker(
    requires_redis, transactional_db, org, webhook_receiver
):
    import time

    from celery.contrib.testing.worker import start_worker
    from django.db import transaction

    from margint.celery import app

    app.conf.task_always_eager = False
    endpoint, secret = webhook_endpoint_create(org=org, url=webhook_receiver.url)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            event = emit(org)
        deadline = time.monotonic() + 20
        while not WebhookDelivery.objects.filter(event=event).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.endpoint_id, delivery.attempt, delivery.status_code) == (endpoint.id, 1, 200)
    (request,) = webhook_receiver.received
    assert signing.verify(secret=secret, header=request.headers["Margint-Signature"], body=request.body)


def test_a_host_that_does_not_resolve_is_retried_later(org):
    endpoint, _ = webhook_endpoint_create(org=org, url="https://hooks.example.invalid/margint")
    event = emit(org)
    delivery = webhook_delivery_attempt(event_id=event.id, endpoint_id=endpoint.id, attempt=1)
    assert delivery.status_code is None
    assert "does not resolve" in delivery.error
    assert delivery.next_retry_at - delivery.created_at == timedelta(seconds=60)
