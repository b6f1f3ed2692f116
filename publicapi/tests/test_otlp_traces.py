"""POST /v1/traces: OTLP/HTTP bodies (JSON and protobuf, gzip), GenAI spans as cost events,
OTLP's own response and error shapes, and whose key may send them."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from google.rpc import code_pb2, status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from margins.models import CostEvent
from publicapi.models import OtlpSettings
from publicapi.tests.key_helpers import org_client

TRACES = "/v1/traces"
TRACE_ID = "5b8efff798038103d269b633813fc60c"


def attr(key: str, value) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def genai_span(span_id: str, *, customer: str | None = "acme", **extra) -> dict:
    attributes = {
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 200,
        "margint.customer": customer,
        "margint.feature": "chat",
        **extra,
    }
    end = time.time_ns() - 60 * 10**9
    return {
        "traceId": TRACE_ID,
        "spanId": span_id,
        "name": "chat gpt-4o",
        "kind": 3,
        "startTimeUnixNano": str(end - 10**9),
        "endTimeUnixNano": str(end),
        "attributes": [attr(k, v) for k, v in attributes.items() if v is not None],
    }


def otlp_json(*spans: dict, resource: dict | None = None) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [attr(k, v) for k, v in (resource or {"service.name": "app"}).items()]
                },
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }


def post_json(client, body: dict, **headers):
    return client.generic("POST", TRACES, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def client(org):
    return org_client(org, scopes=("write",))


def test_a_genai_span_becomes_a_priced_cost_event(client, org):
    response = post_json(client, otlp_json(genai_span("eee19b7ec3c1b174")))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {}  # a full success: no partial_success
    event = CostEvent.objects.get(org=org)
    assert event.customer.external_id == "acme"
    assert (event.provider, event.model, event.feature) == ("openai", "gpt-4o-2024-08-06", "chat")
    assert (event.input_tokens, event.output_tokens) == (1000, 200)
    assert event.idempotency_key == f"otlp:{TRACE_ID}:eee19b7ec3c1b174"
    assert event.cost_micro > 0 and event.priced


def test_the_same_span_sent_twice_is_stored_once(client, org):
    body = otlp_json(genai_span("eee19b7ec3c1b174"))
    post_json(client, body)
    response = post_json(client, body)
    assert response.status_code == 200
    assert response["X-Margint-Events-Duplicate"] == "1"
    assert CostEvent.objects.filter(org=org).count() == 1


def test_spans_without_customer_are_counted_in_partial_success_and_others_ignored(client, org):
    http_span = {"traceId": TRACE_ID, "spanId": "0000000000000003", "name": "GET /", "attributes": []}
    body = otlp_json(genai_span("0000000000000001"), genai_span("0000000000000002", customer=None), http_span)
    response = post_json(client, body)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "1 GenAI span(s) without a customer attribute" in partial["errorMessage"]
    assert response["X-Margint-Spans-Not-GenAI"] == "1"
    assert CostEvent.objects.filter(org=org).count() == 1


def test_an_invalid_genai_span_is_rejected_alone_with_its_reason(client, org):
    bad = genai_span("0000000000000002", **{"gen_ai.usage.output_tokens": -5})
    response = post_json(client, otlp_json(genai_span("0000000000000001"), bad))
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "outputTokens" in partial["errorMessage"]
    assert CostEvent.objects.filter(org=org).count() == 1


def test_customer_from_a_resource_attribute_and_the_older_gen_ai_system(client, org):
    span = genai_span("0000000000000001", customer=None, **{"gen_ai.provider.name": None})
    span["attributes"].append(attr("gen_ai.system", "anthropic"))
    post_json(client, otlp_json(span, resource={"service.name": "app", "margint.customer": "tenant-9"}))
    event = CostEvent.objects.get(org=org)
    assert (event.customer.external_id, event.provider) == ("tenant-9", "anthropic")


def test_the_org_may_name_its_own_customer_and_feature_attributes(client, org):
    OtlpSettings.objects.create(org=org, customer_attribute="app.tenant", feature_attribute="app.feature")
    span = genai_span("0000000000000001", customer=None, **{"app.tenant": "t-1", "app.feature": "search"})
    post_json(client, otlp_json(span))
    event = CostEvent.objects.get(org=org)
    assert (event.customer.external_id, event.feature) == ("t-1", "search")


def test_protobuf_and_gzip_bodies_answer_protobuf(client, org):
    from google.protobuf import json_format

    from publicapi.otlp_spans import _ids_as_base64

    message = ExportTraceServiceRequest()
    json_format.ParseDict(_ids_as_base64(otlp_json(genai_span("0000000000000001"))), message)
    response = client.generic(
        "POST",
        TRACES,
        gzip.compress(message.SerializeToString()),
        content_type="application/x-protobuf",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-protobuf"
    parsed = ExportTraceServiceResponse.FromString(response.content)
    assert not parsed.HasField("partial_success")
    assert CostEvent.objects.filter(org=org).count() == 1


def test_gzip_json_is_accepted(client, org):
    body = gzip.compress(json.dumps(otlp_json(genai_span("0000000000000001"))).encode())
    response = client.generic(
        "POST", TRACES, body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert CostEvent.objects.filter(org=org).count() == 1


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        (b"\xff\x00garbage", "application/x-protobuf", ""),
        (b"{not json", "application/json", ""),
        (b'"a string"', "application/json", ""),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}', "application/json", ""),
        (b"not gzip at all", "application/json", "gzip"),
        (b"{}", "application/json", "br"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400_status_and_changes_nothing(
    client, org, body, content_type, encoding
):
    headers = {"HTTP_CONTENT_ENCODING": encoding} if encoding else {}
    response = client.generic("POST", TRACES, body, content_type=content_type, **headers)
    assert response.status_code == 400
    assert response["Content-Type"] == content_type
    if content_type == "application/json":
        assert response.json()["code"] == code_pb2.INVALID_ARGUMENT
        assert response.json()["message"]
    else:
        assert status_pb2.Status.FromString(response.content).code == code_pb2.INVALID_ARGUMENT
    assert CostEvent.objects.filter(org=org).count() == 0


def test_an_unknown_media_type_is_415(client):
    response = client.generic("POST", TRACES, b"x", content_type="text/plain")
    assert response.status_code == 415
    assert status_pb2.Status.FromString(response.content).code == code_pb2.INVALID_ARGUMENT


def test_a_decompressed_body_past_the_limit_is_413(client):
    body = gzip.compress(b"{" + b" " * (9 * 1024 * 1024) + b"}")
    response = client.generic(
        "POST", TRACES, body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 413
    assert response.json()["code"] == code_pb2.RESOURCE_EXHAUSTED


def test_without_a_key_401_and_with_a_read_only_key_403_in_status_shape(anon, org):
    response = post_json(anon, otlp_json(genai_span("0000000000000001")))
    assert response.status_code == 401
    assert response.json()["code"] == code_pb2.UNAUTHENTICATED
    assert response["WWW-Authenticate"]
    read_only = org_client(org, scopes=("read",))
    response = read_only.generic("POST", TRACES, b"", content_type="application/x-protobuf")
    assert response.status_code == 403
    assert status_pb2.Status.FromString(response.content).code == code_pb2.PERMISSION_DENIED
    assert CostEvent.objects.count() == 0


def test_spans_land_in_the_key_owners_org_only(client, org, other_org):
    post_json(client, otlp_json(genai_span("0000000000000001")))
    assert CostEvent.objects.filter(org=other_org).count() == 0
    other = org_client(other_org, scopes=("write",))
    response = post_json(other, otlp_json(genai_span("0000000000000001")))
    assert response["X-Margint-Events-Accepted"] == "1"  # the same span id is another org's own event
    assert CostEvent.objects.filter(org=org).count() == 1


def test_spans_without_ids_or_with_an_impossible_time_are_rejected_not_a_500(client, org):
    no_ids = genai_span("0000000000000001")
    del no_ids["traceId"]
    far = genai_span("0000000000000002")
    far["endTimeUnixNano"] = str(2**63 - 1)
    response = post_json(client, otlp_json(no_ids, far, genai_span("0000000000000003")))
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2"
    assert "without a valid trace_id and span_id" in partial["errorMessage"]
    assert "occurredAt" in partial["errorMessage"]
    assert CostEvent.objects.filter(org=org).count() == 1
