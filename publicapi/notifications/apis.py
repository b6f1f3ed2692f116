"""Admin-only JSON endpoints for an org's webhook endpoints, their test event and delivery log."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from margins.exports import timestamp_json
from margint.errors import NotFound, ValidationFailed
from margint.permissions import PRO_ADMIN, actor_of
from publicapi.notifications import selectors, services
from publicapi.notifications.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from publicapi.notifications.urlguard import UnsafeWebhookUrl


class EndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2048)
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False, default=list
    )
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": list(endpoint.event_types),
        "active": endpoint.active,
        "createdAt": timestamp_json(endpoint.created_at),
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "eventId": delivery.event_id,
        "eventType": delivery.event.type,
        "attempt": delivery.attempt,
        "statusCode": delivery.status_code,
        "durationMs": delivery.duration_ms,
        "responseExcerpt": delivery.response_excerpt,
        "error": delivery.error,
        "succeeded": delivery.succeeded,
        "nextRetryAt": timestamp_json(delivery.next_retry_at),
        "deliveredAt": timestamp_json(delivery.delivered_at),
        "createdAt": timestamp_json(delivery.created_at),
    }


def _endpoint_or_404(request: Request, endpoint_id: str) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoint(org=actor_of(request).org, endpoint_id=endpoint_id)
    if endpoint is None:
        raise NotFound("No webhook endpoint with this id.")
    return endpoint


class EndpointListCreateApi(APIView):
    permission_classes = PRO_ADMIN

    def get(self, request: Request) -> Response:
        endpoints = selectors.webhook_endpoints(org=actor_of(request).org)
        return Response({"data": [endpoint_json(e) for e in endpoints]})

    def post(self, request: Request) -> Response:
        serializer = EndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            endpoint, secret = services.webhook_endpoint_create(
                org=actor_of(request).org,
                url=data["url"],
                event_types=data["eventTypes"],
                description=data["description"],
            )
        except UnsafeWebhookUrl as exc:
            raise ValidationFailed(str(exc), {"field": "url"})
        # The secret is shown here once; Margint keeps it encrypted and never returns it again.
        return Response(
            {"data": {**endpoint_json(endpoint), "secret": secret}}, status=status.HTTP_201_CREATED
        )


class EndpointDeleteApi(APIView):
    permission_classes = PRO_ADMIN

    def delete(self, request: Request, endpoint_id: str) -> Response:
        services.webhook_endpoint_delete(endpoint=_endpoint_or_404(request, endpoint_id))
        return Response({"data": {"deleted": True}})


class EndpointTestApi(APIView):
    permission_classes = PRO_ADMIN

    def post(self, request: Request, endpoint_id: str) -> Response:
        event = services.webhook_test_send(endpoint=_endpoint_or_404(request, endpoint_id))
        return Response({"data": {"eventId": event.id, "type": event.type}}, status=status.HTTP_202_ACCEPTED)


class EndpointDeliveriesApi(APIView):
    permission_classes = PRO_ADMIN

    def get(self, request: Request, endpoint_id: str) -> Response:
        deliveries = selectors.webhook_deliveries(endpoint=_endpoint_or_404(request, endpoint_id))
        return Response({"data": [delivery_json(d) for d in deliveries]})
