"""Keyed endpoints of the cost side: POST /api/v1/events and GET /api/v1/events/unpriced."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from margins.costs.queries import unpriced_models
from margins.costs.services import events_ingest
from margins.costs.validation import MAX_BODY_BYTES, BodyInvalid, events_from_body
from margint.errors import ApiError
from margint.permissions import HasActor, actor_of, scope_permission
from publicapi.apis.keyed import KeyedApiView
from publicapi.serializers import ErrorSerializer

_REJECTION = inline_serializer(
    "EventRejection",
    {
        "index": serializers.IntegerField(help_text="Position of the event in the posted list"),
        "code": serializers.CharField(),
        "field": serializers.CharField(allow_null=True),
        "message": serializers.CharField(),
    },
)
_INGEST_RESULT = inline_serializer(
    "EventsIngestResponse",
    {
        "data": inline_serializer(
            "EventsIngestResult",
            {
                "accepted": serializers.IntegerField(help_text="Events stored by this request"),
                "duplicates": serializers.IntegerField(help_text="Events whose idempotency key was known"),
                "rejected": _REJECTION.__class__(many=True),
                "unpriced": serializers.IntegerField(help_text="Stored at cost 0: no price for the model"),
            },
        )
    },
)


def _body_invalid(exc: BodyInvalid) -> ApiError:
    if exc.too_large:
        return ApiError(413, "payload_too_large", str(exc), exc.details)
    return ApiError(400, "validation_error", str(exc), exc.details)


def _raw_body(request: Request) -> bytes:
    # The body is read as bytes and parsed once by events_from_body, not by DRF's parsers; a body
    # announced as larger than 2 MB is refused before it is read.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise BodyInvalid(
            "The request body is larger than 2 MB.", too_large=True, details={"maxBytes": MAX_BODY_BYTES}
        )
    return request._request.body


class EventsIngestView(KeyedApiView):
    """Store up to 1,000 cost events; each invalid one is rejected alone, by index."""

    rate_limit_kind = "ingest"
    permission_classes = [HasActor, scope_permission("write")]
    parser_classes: list = []

    @extend_schema(
        operation_id="ingestEvents",
        summary="Ingest cost events",
        description='Store up to 1,000 AI cost events, posted as `{"events": [...]}`; each invalid '
        "event is rejected alone, by index, and the rest is stored.",
        request={
            "application/json": {
                "type": "object",
                "properties": {"events": {"type": "array", "items": {"type": "object"}, "maxItems": 1000}},
                "required": ["events"],
            }
        },
        responses={
            202: OpenApiResponse(_INGEST_RESULT, description="Accepted: counts and per-event rejections"),
            **{
                code: OpenApiResponse(ErrorSerializer, description=text)
                for code, text in (
                    (400, "The body is not a readable list of events"),
                    (401, "Missing or invalid API key"),
                    (403, "The key lacks the write scope"),
                    (413, "The body is larger than 2 MB"),
                    (429, "Rate limit exceeded"),
                )
            },
        },
    )
    def post(self, request: Request) -> Response:
        try:
            events = events_from_body(_raw_body(request))
            result = events_ingest(org=actor_of(request).org, events=events)
        except BodyInvalid as exc:
            raise _body_invalid(exc)
        return Response({"data": result.as_json()}, status=202)


class UnpricedModelsView(KeyedApiView):
    """Models stored at cost 0 because genai-prices has no price for them, with their volume."""

    permission_classes = [HasActor, scope_permission("read")]

    def get(self, request: Request) -> Response:
        rows = unpriced_models(org=actor_of(request).org)
        return Response(
            {
                "data": [
                    {
                        "provider": r.provider,
                        "model": r.model,
                        "events": r.events,
                        "customers": r.customers,
                        "inputTokens": r.input_tokens,
                        "outputTokens": r.output_tokens,
                        "cachedInputTokens": r.cached_input_tokens,
                        "firstSeenAt": r.first_seen_at.isoformat().replace("+00:00", "Z"),
                        "lastSeenAt": r.last_seen_at.isoformat().replace("+00:00", "Z"),
                    }
                    for r in rows
                ]
            }
        )
