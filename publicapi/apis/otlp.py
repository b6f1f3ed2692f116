"""POST /v1/traces: OTLP/HTTP trace export, GenAI spans stored as cost events.

Speaks OTLP/HTTP: `application/x-protobuf` or `application/json` bodies, gzip (or deflate)
`Content-Encoding`; answers an `ExportTraceServiceResponse` in the request's encoding, its
`partial_success` counting the GenAI spans that did not become events (no customer attribute,
or rejected by event validation) with the reasons in `error_message`; failures answer a
`google.rpc.Status` with the HTTP status (400, 401, 403, 413, 415, 429). A Margint API key with
the ingest (`write`) scope authenticates, by `Authorization: Bearer` or `x-api-key`, and the
per-key ingest rate limit applies, as for POST /api/v1/events.

The events go through `margins.costs.services.events_ingest`, the one write path of cost
events: priced like any event, idempotent on `otlp:<trace id>:<span id>`. See docs/otlp.md.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from google.protobuf import json_format
from google.rpc import code_pb2, status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceResponse,
)
from rest_framework.request import Request

from margins.costs.services import IngestResult, events_ingest
from margins.costs.validation import MAX_EVENTS
from margint.errors import ApiError
from margint.models import Organization
from margint.permissions import HasActor, actor_of, scope_permission
from publicapi.apis.keyed import KeyedApiView
from publicapi.models import OtlpSettings
from publicapi.otlp_spans import (
    AttributeNames,
    OtlpBodyInvalid,
    SpanEvents,
    decompressed,
    parse_request,
    span_events,
)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
MAX_WIRE_BYTES = 4 * 1024 * 1024  # as sent, before decompression
# google.rpc.Code of each HTTP status this endpoint answers with.
_GRPC_CODES = {
    400: code_pb2.INVALID_ARGUMENT,
    401: code_pb2.UNAUTHENTICATED,
    403: code_pb2.PERMISSION_DENIED,
    404: code_pb2.NOT_FOUND,
    405: code_pb2.UNIMPLEMENTED,
    413: code_pb2.RESOURCE_EXHAUSTED,
    415: code_pb2.INVALID_ARGUMENT,
    429: code_pb2.RESOURCE_EXHAUSTED,
}


def attribute_names(org: Organization) -> AttributeNames:
    """The org's own attribute names where it set them, else the deployment's settings."""
    own = OtlpSettings.objects.filter(org=org).first()
    return AttributeNames(
        customer=(own and own.customer_attribute) or settings.OTLP_CUSTOMER_ATTRIBUTE,
        feature=(own and own.feature_attribute) or settings.OTLP_FEATURE_ATTRIBUTE,
    )


def _media_type(request: Request) -> str:
    return (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()


def _wants_json(request: Request) -> bool:
    return _media_type(request) == JSON


def _encoded(message, as_json: bool) -> tuple[bytes, str]:
    if as_json:
        return json_format.MessageToJson(message, indent=None).encode(), JSON
    return message.SerializeToString(), PROTOBUF


class OtlpTracesView(KeyedApiView):
    rate_limit_kind = "ingest"
    permission_classes = [HasActor, scope_permission("write")]
    parser_classes: list = []

    def post(self, request: Request) -> HttpResponse:
        media_type = _media_type(request)
        if media_type not in (PROTOBUF, JSON):
            raise ApiError(415, "unsupported_media_type", "Send application/x-protobuf or application/json.")
        try:
            trace_request = parse_request(self._body(request), json_body=media_type == JSON)
        except OtlpBodyInvalid as exc:
            raise ApiError(413 if exc.too_large else 400, "validation_error", str(exc))
        org = actor_of(request).org
        spans = span_events(trace_request, attribute_names(org))
        results = [
            events_ingest(org=org, events=spans.events[start : start + MAX_EVENTS])
            for start in range(0, len(spans.events), MAX_EVENTS)
        ]
        return self._export_response(request, spans, results)

    def _body(self, request: Request) -> bytes:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_WIRE_BYTES:
            raise OtlpBodyInvalid("The request body is larger than 4 MB.", too_large=True)
        return decompressed(request._request.body, request.META.get("HTTP_CONTENT_ENCODING", ""))

    def _export_response(
        self, request: Request, spans: SpanEvents, results: list[IngestResult]
    ) -> HttpResponse:
        rejected = [rejection for result in results for rejection in result.rejected]
        reasons = []
        if spans.without_customer:
            reasons.append(f"{spans.without_customer} GenAI span(s) without a customer attribute")
        if spans.without_ids:
            reasons.append(f"{spans.without_ids} GenAI span(s) without a valid trace_id and span_id")
        if rejected:
            first = rejected[0]
            reasons.append(
                f"{len(rejected)} GenAI span(s) rejected, the first: {first.field}: {first.message}"
            )
        message = ExportTraceServiceResponse()
        if reasons:
            message.partial_success.CopyFrom(
                ExportTracePartialSuccess(
                    rejected_spans=spans.without_customer + spans.without_ids + len(rejected),
                    error_message="; ".join(reasons),
                )
            )
        body, content_type = _encoded(message, _wants_json(request))
        response = HttpResponse(body, content_type=content_type)
        # What the spans became, for people reading the exchange (the OTLP message has no room for it).
        response["X-Margint-Spans"] = str(spans.spans)
        response["X-Margint-Events-Accepted"] = str(sum(result.accepted for result in results))
        response["X-Margint-Events-Duplicate"] = str(sum(result.duplicates for result in results))
        response["X-Margint-Spans-Without-Customer"] = str(spans.without_customer)
        response["X-Margint-Spans-Not-GenAI"] = str(spans.not_genai)
        return response

    def handle_exception(self, exc: Exception) -> HttpResponse:
        """Margint's error, re-encoded as the google.rpc.Status OTLP clients expect."""
        error = super().handle_exception(exc)
        message = (getattr(error, "data", None) or {}).get("error", {}).get("message", "")
        status = status_pb2.Status(code=_GRPC_CODES.get(error.status_code, code_pb2.UNKNOWN), message=message)
        body, content_type = _encoded(status, _wants_json(self.request))
        response = HttpResponse(body, status=error.status_code, content_type=content_type)
        for header in ("WWW-Authenticate", "Retry-After"):
            if error.has_header(header):
                response[header] = error[header]
        return response
