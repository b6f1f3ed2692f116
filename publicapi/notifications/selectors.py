from __future__ import annotations

from django.db.models import QuerySet

from margint.models import Organization
from publicapi.notifications.models import WebhookDelivery, WebhookEndpoint

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
