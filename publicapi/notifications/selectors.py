from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from margint.models import Organization
from publicapi.notifications.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

DELIVERY_LOG_LIMIT = 100


def webhook_endpoints(*, org: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(org=org).order_by("created_at", "id")


def webhook_endpoint(*, org: Organization, endpoint_id: str) -> WebhookEndpoint | None:
    """The org's endpoint with this id; None for another org's, so outsiders learn nothing."""
    return WebhookEndpoint.objects.filter(org=org, pk=endpoint_id).first()


def webhook_deliveries(
    *, endpoint: WebhookEndpoint, limit: int = DELIVERY_LOG_LIMIT
) -> list[WebhookDelivery]:
    """The endpoint's latest delivery attempts, newest first."""
    rows = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")[:limit]
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class DeliveryGroup:
    """One event's attempts to one endpoint, newest first, and where its delivery stands."""

    event: WebhookEvent
    attempts: list[WebhookDelivery]

    @property
    def last(self) -> WebhookDelivery:
        return self.attempts[0]

    @property
    def state(self) -> str:
        """delivered (an attempt got a 2xx), retrying (another attempt is due) or failed (no more)."""
        if any(attempt.succeeded for attempt in self.attempts):
            return "delivered"
        return "retrying" if self.last.next_retry_at is not None else "failed"


def webhook_delivery_groups(
    *, endpoint: WebhookEndpoint, limit: int = DELIVERY_LOG_LIMIT
) -> list[DeliveryGroup]:
    """The endpoint's latest attempts grouped by event, the event with the newest attempt first."""
    groups: dict[str, list[WebhookDelivery]] = {}
    for delivery in webhook_deliveries(endpoint=endpoint, limit=limit):
        groups.setdefault(delivery.event_id, []).append(delivery)
    return [DeliveryGroup(event=attempts[0].event, attempts=attempts) for attempts in groups.values()]
