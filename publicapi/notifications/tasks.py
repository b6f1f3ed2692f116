from __future__ import annotations

from celery import shared_task
from django.conf import settings

from publicapi.notifications.services import (
    retry_delay,
    webhook_delivery_attempt,
    webhook_delivery_retries_stop,
)


# Named as when the app was margins.webhooks, so deliveries queued before a deploy still run.
@shared_task(acks_late=True, name="margins.webhooks.tasks.webhook_deliver")
def webhook_deliver(event_id: str, endpoint_id: str, attempt: int = 1) -> int | None:
    """Deliver one event to one endpoint; a failed attempt enqueues the next after its backoff delay.

    The next attempt is a new task with a countdown rather than `self.retry`: the attempt number
    travels as an argument (so a duplicate message finds its attempt already logged), and
    without a broker, where tasks run in-process, a retry exception would surface in whatever
    emitted the event.
    Returns the HTTP status of this attempt (None when nothing was sent or no response came).
    """
    delivery = webhook_delivery_attempt(event_id=event_id, endpoint_id=endpoint_id, attempt=attempt)
    if delivery is None:
        return None
    if delivery.next_retry_at is not None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # No broker: Celery would run the countdown's retry at once, twelve attempts in the
            # same second, each promising a later one. Here the first failure is final.
            webhook_delivery_retries_stop(delivery=delivery)
        else:
            webhook_deliver.apply_async(
                args=(event_id, endpoint_id, attempt + 1), countdown=retry_delay(attempt)
            )
    return delivery.status_code
