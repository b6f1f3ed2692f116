"""OTLP trace bodies in, Margint cost events out: decoding and the GenAI span mapping.

No HTTP and no database here (see `publicapi.otlp` for the endpoint). A body is an OTLP
`ExportTraceServiceRequest`, protobuf or OTLP/JSON (whose trace and span ids are hex strings,
not proto3 JSON's base64), gzip-compressed or not.

A span is a GenAI span when it carries the OpenTelemetry GenAI semantic conventions: a provider
(`gen_ai.provider.name`, or the older `gen_ai.system`), a model (`gen_ai.response.model`, else
`gen_ai.request.model`) and token usage (`gen_ai.usage.input_tokens` and/or
`gen_ai.usage.output_tokens`; the older `prompt_tokens` / `completion_tokens` are read too).
Each becomes one event in the shape of POST /api/v1/events: its idempotency key is
`otlp:<trace id>:<span id>`, it occurred at the span's end, and its customer and feature are read
from span attributes first, then resource attributes, under the configured names. Other spans
(HTTP, database, ...) are not cost and are only counted.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

MAX_BODY_BYTES = 8 * 1024 * 1024  # decompressed
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system")
MODEL_KEYS = ("gen_ai.response.model", "gen_ai.request.model")
INPUT_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
OUTPUT_KEYS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
CACHED_KEYS = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cached_input_tokens")
_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


class OtlpBodyInvalid(ValueError):
    """The body cannot be read as an ExportTraceServiceRequest; `too_large` past the size limit."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class AttributeNames:
    customer: str = "margint.customer"
    feature: str = "margint.feature"


@dataclass
class SpanEvents:
    """What the spans of one request became: events (API shape) and the counts of the rest."""

    events: list[dict[str, Any]] = field(default_factory=list)
    spans: int = 0
    not_genai: int = 0
    without_customer: int = 0
    without_ids: int = 0  # GenAI spans without a 16-byte trace id and an 8-byte span id


def decompressed(body: bytes, encoding: str) -> bytes:
    """The body with its Content-Encoding (gzip, deflate or none) undone, within the size limit."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        data = body
    elif encoding in ("gzip", "deflate"):
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        try:
            inflater = zlib.decompressobj(wbits)
            data = inflater.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error as exc:
            raise OtlpBodyInvalid(f"The body is not valid {encoding} data: {exc}.") from None
    else:
        raise OtlpBodyInvalid(f"Content-Encoding {encoding!r} is not supported: use gzip or none.")
    if len(data) > MAX_BODY_BYTES:
        raise OtlpBodyInvalid("The decompressed body is larger than 8 MB.", too_large=True)
    return data


def parse_request(data: bytes, *, json_body: bool) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    try:
        if json_body:
            loaded = json.loads(data)
            if not isinstance(loaded, dict):
                raise ValueError("the top level must be an object")
            json_format.ParseDict(_ids_as_base64(loaded), request, ignore_unknown_fields=True)
        else:
            request.ParseFromString(data)
    except (
        DecodeError,
        json_format.ParseError,
        ValueError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as exc:
        kind = "OTLP/JSON" if json_body else "OTLP protobuf"
        raise OtlpBodyInvalid(f"The body is not an {kind} ExportTraceServiceRequest: {exc}") from None
    return request


def _ids_as_base64(value: Any) -> Any:
    """OTLP/JSON writes ids in hex; protobuf's JSON parser reads bytes as base64."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _ID_FIELDS and isinstance(item, str):
                try:
                    item = base64.b64encode(bytes.fromhex(item)).decode()
                except ValueError:
                    raise ValueError(f"{key} must be hex, got {item[:40]!r}") from None
            out[key] = _ids_as_base64(item)
        return out
    if isinstance(value, list):
        return [_ids_as_base64(item) for item in value]
    return value


def span_events(request: ExportTraceServiceRequest, names: AttributeNames) -> SpanEvents:
    result = SpanEvents()
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                result.spans += 1
                attributes = {**resource, **_attributes(span.attributes)}
                event = _event(span, attributes, names)
                if event is None:
                    result.not_genai += 1
                elif len(span.trace_id) != 16 or len(span.span_id) != 8:
                    result.without_ids += 1  # nothing to make a retried export idempotent on
                elif not event.get("customer"):
                    result.without_customer += 1
                else:
                    result.events.append(event)
    return result


def _event(span: Any, attributes: Mapping[str, Any], names: AttributeNames) -> dict[str, Any] | None:
    provider, model = _first(attributes, PROVIDER_KEYS), _first(attributes, MODEL_KEYS)
    input_tokens, output_tokens = _first(attributes, INPUT_KEYS), _first(attributes, OUTPUT_KEYS)
    if provider is None or model is None or (input_tokens is None and output_tokens is None):
        return None
    event = {
        "customer": _text(attributes.get(names.customer)),
        "provider": _text(provider),
        "model": _text(model),
        "inputTokens": _tokens(input_tokens),
        "outputTokens": _tokens(output_tokens),
        "occurredAt": _occurred_at(span.end_time_unix_nano or span.start_time_unix_nano),
        "idempotencyKey": f"otlp:{span.trace_id.hex()}:{span.span_id.hex()}",
    }
    cached = _first(attributes, CACHED_KEYS)
    if cached is not None:
        event["cachedInputTokens"] = _tokens(cached)
    feature = attributes.get(names.feature)
    if feature is not None:
        event["feature"] = _text(feature)
    return event


def _attributes(pairs: Iterator[KeyValue]) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind in ("string_value", "bool_value", "int_value", "double_value"):
        return getattr(value, kind)
    return None  # arrays, maps and bytes carry nothing the mapping reads


def _first(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if attributes.get(key) is not None:
            return attributes[key]
    return None


def _text(value: Any) -> Any:
    # A number or flag sent as the customer id is still an id; other types reach validation as-is.
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, (int, float)) else value


def _tokens(value: Any) -> Any:
    """Token counts as integers; an integral double or a digit string is accepted, the rest goes
    to event validation unchanged and is rejected there with its reason."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _occurred_at(unix_nano: int) -> str:
    try:
        moment = datetime.fromtimestamp(unix_nano // 1_000_000_000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return str(unix_nano)  # past year 9999: event validation rejects it as not ISO 8601
    micros = (unix_nano % 1_000_000_000) // 1000
    return moment.replace(microsecond=micros).isoformat().replace("+00:00", "Z")
