"""Writes of outgoing webhooks: endpoints, emitting events, and delivery attempts.

`webhook_event_emit` is the one entry point for every kind of event (margin alerts here,
budget alerts in publicapi): it records the event once per dedupe key and queues one delivery
per subscribed endpoint after the surrounding transaction commits.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from margint import crypto
from margint.formatting import json_timestamp
from margint.metrics import webhook_delivery_counted
from margint.models import Organization
from publicapi.notifications import http, signing, urlguard
from publicapi.notifications.models import (
    EVENT_TYPES,
    TEST_EVENT,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

API_VERSION = "2026-04-01"
USER_AGENT = "Margint-Webhooks/1.0"
# Attempt n failing waits RETRY_DELAYS[n - 1] seconds: 1 minute doubling to 512 minutes, then
# the rest of the day, so the 12th and last attempt comes 24 hours after the first.
_DOUBLING = tuple(60 * 2**n for n in range(10))
RETRY_DELAYS = (*_DOUBLING, 24 * 3600 - sum(_DOUBLING))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait after failed attempt number `attempt`, or None when it was the last."""
    return RETRY_DELAYS[attempt - 1] if attempt < MAX_ATTEMPTS else None


# Endpoints


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_endpoint_create(
    *, org: Organization, url: str, event_types: list[str] | None = None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is shown once and stored encrypted.

    Raises UnsafeWebhookUrl for a URL Margint will not call, ValueError for an unknown event type.
    """
    unknown = sorted(set(event_types or ()) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.")
    urlguard.check(url)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        org=org,
        url=url,
        description=description,
        encrypted_secret=crypto.encrypt(secret),
        event_types=sorted(set(event_types or ())),
    )
    return endpoint, secret


def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Disable an endpoint (nothing is sent to it, queued retries stop) or enable it again."""
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    # Its queued retries find no endpoint and stop; its delivery log goes with it.
    endpoint.delete()


# Events


def envelope(event: WebhookEvent, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "api_version": API_VERSION,
        "created_at": json_timestamp(event.created_at),
        "data": data,
    }


def webhook_event_emit(
    *, org: Organization, event_type: str, data: dict[str, Any], dedupe_key: str
) -> WebhookEvent | None:
    """Record an event and queue its deliveries; None when this dedupe key was already emitted.

    The unique (org, dedupe_key) constraint decides, so two concurrent emits of the same key
    produce one event. `data` becomes the envelope's "data" (e.g. {"object": {...}}).
    Deliveries are queued on commit: nothing is sent for a transaction that rolls back.
    """
    try:
        with transaction.atomic():
            event = WebhookEvent(org=org, type=event_type, payload={}, dedupe_key=dedupe_key)
            event.payload = envelope(event, data)
            event.save(force_insert=True)
    except IntegrityError:
        if WebhookEvent.objects.filter(org=org, dedupe_key=dedupe_key).exists():
            return None
        raise
    for endpoint in WebhookEndpoint.objects.filter(org=org, active=True):
        if endpoint.wants(event_type):
            _queue(event.id, endpoint.id)
    return event


def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookEvent:
    """Send a `webhook.test` event to this endpoint only, whatever it subscribes to."""
    event = WebhookEvent(
        org_id=endpoint.org_id, type=TEST_EVENT, payload={}, dedupe_key=f"test:{uuid.uuid4()}"
    )
    data = {"object": {"endpointId": endpoint.id, "message": "A test event from Margint."}}
    event.payload = envelope(event, data)
    event.save(force_insert=True)
    _queue(event.id, endpoint.id)
    return event


def _queue(event_id: str, endpoint_id: str) -> None:
    transaction.on_commit(partial(_enqueue_delivery, event_id, endpoint_id))


def _enqueue_delivery(event_id: str, endpoint_id: str) -> None:
    """After the commit: a broker that does not answer fails the publication within about a
    second (settings); the event is stored, so the failure is logged and never fails the request
    that caused the event (an ingest, a budget check, a test send)."""
    from publicapi.notifications.tasks import webhook_deliver

    try:
        webhook_deliver.delay(event_id, endpoint_id)
    except Exception:
        logger.exception("could not queue delivery of webhook event %s to %s", event_id, endpoint_id)


# Delivery


def webhook_delivery_attempt(*, event_id: str, endpoint_id: str, attempt: int) -> WebhookDelivery | None:
    """Make attempt number `attempt` and log it; its `next_retry_at` is set when another should follow.

    None when there is nothing to do: the endpoint was deleted or deactivated, or this attempt
    was already made (a task delivered twice by the broker).
    """
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, active=True).first()
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if endpoint is None or event is None:
        return None
    if WebhookDelivery.objects.filter(event=event, endpoint=endpoint, attempt=attempt).exists():
        return None
    try:
        target = urlguard.resolve(endpoint.url)
    except urlguard.UnresolvableHost as exc:
        return _log(event, endpoint, attempt, http.HttpResult(None, 0, "", str(exc)), retry=True)
    except urlguard.UnsafeWebhookUrl as exc:
        # Not retried: a refused address is a configuration problem, not a passing failure.
        return _log(event, endpoint, attempt, http.HttpResult(None, 0, "", f"Refused: {exc}"), retry=False)
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    result = http.post(target, body, _headers(event, endpoint, attempt, body))
    return _log(event, endpoint, attempt, result, retry=True)


def webhook_delivery_retries_stop(*, delivery: WebhookDelivery) -> None:
    """Make this failed attempt the last: no retry is due after it."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_retry_at=None)
    delivery.next_retry_at = None


def _headers(event: WebhookEvent, endpoint: WebhookEndpoint, attempt: int, body: bytes) -> dict[str, str]:
    secret = crypto.decrypt(endpoint.encrypted_secret)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.SIGNATURE_HEADER: signing.signature_header(secret, int(time.time()), body),
        "Margint-Event-Id": event.id,
        "Margint-Event-Type": event.type,
        "Margint-Delivery-Attempt": str(attempt),
    }


def _log(
    event: WebhookEvent, endpoint: WebhookEndpoint, attempt: int, result: http.HttpResult, *, retry: bool
) -> WebhookDelivery | None:
    now = timezone.now()
    ok = result.status_code is not None and 200 <= result.status_code < 300
    delay = retry_delay(attempt) if retry and not ok else None
    delivery = WebhookDelivery(
        event=event,
        endpoint=endpoint,
        attempt=attempt,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        response_excerpt=result.excerpt,
        error=result.error,
        next_retry_at=_later(now, delay),
        delivered_at=now if ok else None,
        created_at=now,
    )
    try:
        with transaction.atomic():
            delivery.save(force_insert=True)
    except IntegrityError:
        # The same attempt ran twice at once (a broker redelivery); the other one is logged.
        # Receivers dedupe by Margint-Event-Id: delivery is at least once.
        return None
    webhook_delivery_counted(status_code=result.status_code, error=result.error)
    logger.info(
        "webhook %s to %s attempt %s: status=%s error=%r %sms%s",
        event.id,
        endpoint.id,
        attempt,
        result.status_code,
        result.error,
        result.duration_ms,
        f", retry in {delay}s" if delay else "",
    )
    return delivery


def _later(now: datetime, delay: int | None) -> datetime | None:
    return None if delay is None else now + timedelta(seconds=delay)
