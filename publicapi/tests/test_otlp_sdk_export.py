"""The real OpenTelemetry SDK and its OTLP/HTTP exporter, sending to POST /v1/traces on a live server."""

from __future__ import annotations

import requests
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from margins.models import CostEvent
from margint.models import Tier
from margint.tests.factories import OrganizationFactory
from publicapi.tests.key_helpers import key_for


def finished_spans(customer_on_resource: str) -> list:
    """A chat call with its GenAI attributes, one without a customer, and a plain HTTP span."""
    memory = InMemorySpanExporter()
    resource = Resource.create({"service.name": "chat-app", "margint.customer": customer_on_resource})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("POST /chat"):
        with tracer.start_as_current_span("chat gpt-4o-mini") as span:
            span.set_attribute("gen_ai.provider.name", "openai")
            span.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            span.set_attribute("gen_ai.usage.input_tokens", 1200)
            span.set_attribute("gen_ai.usage.output_tokens", 300)
            span.set_attribute("margint.customer", "acme")  # the span's own beats the resource's
            span.set_attribute("margint.feature", "support-bot")
        with tracer.start_as_current_span("embeddings") as span:
            span.set_attribute("gen_ai.system", "openai")
            span.set_attribute("gen_ai.request.model", "text-embedding-3-small")
            span.set_attribute("gen_ai.usage.input_tokens", 800)
    provider.shutdown()
    return list(memory.get_finished_spans())


def exporter_to(live_server, secret: str, responses: list) -> OTLPSpanExporter:
    session = requests.Session()
    # One request per connection: no kept-alive server thread outlives the test's database.
    session.headers["Connection"] = "close"
    session.hooks["response"].append(lambda response, *args, **kwargs: responses.append(response))
    return OTLPSpanExporter(
        endpoint=f"{live_server.url}/v1/traces",
        headers={"Authorization": f"Bearer {secret}"},
        compression=Compression.Gzip,
        session=session,
        timeout=10,
    )


def test_the_sdk_exporter_sends_genai_spans_that_become_cost_events(live_server, transactional_db):
    org = OrganizationFactory(name="Traced", tier=Tier.PRO)
    responses: list = []
    exporter = exporter_to(live_server, key_for(org, scopes=("write",)), responses)
    spans = finished_spans(customer_on_resource="tenant-7")

    assert exporter.export(spans) == SpanExportResult.SUCCESS
    assert exporter.export(spans) == SpanExportResult.SUCCESS  # a retried batch stores nothing twice

    events = {event.model: event for event in CostEvent.objects.filter(org=org).select_related("customer")}
    assert set(events) == {"gpt-4o-mini", "text-embedding-3-small"}
    chat = events["gpt-4o-mini"]
    assert (chat.customer.external_id, chat.feature, chat.input_tokens, chat.output_tokens) == (
        "acme",
        "support-bot",
        1200,
        300,
    )
    assert chat.cost_micro > 0
    assert events["text-embedding-3-small"].customer.external_id == "tenant-7"
    first, second = responses
    assert first.headers["Content-Type"] == "application/x-protobuf"
    assert not ExportTraceServiceResponse.FromString(first.content).HasField("partial_success")
    assert (first.headers["X-Margint-Events-Accepted"], first.headers["X-Margint-Spans-Not-GenAI"]) == (
        "2",
        "1",
    )
    assert second.headers["X-Margint-Events-Duplicate"] == "2"


def test_the_exporter_is_told_of_spans_without_a_customer_and_of_a_bad_key(live_server, transactional_db):
    org = OrganizationFactory(name="Traced", tier=Tier.PRO)
    responses: list = []
    spans = finished_spans(customer_on_resource="")
    exporter = exporter_to(live_server, key_for(org, scopes=("write",)), responses)
    assert exporter.export(spans) == SpanExportResult.SUCCESS
    partial = ExportTraceServiceResponse.FromString(responses[-1].content).partial_success
    assert partial.rejected_spans == 1
    assert "without a customer attribute" in partial.error_message

    refused = exporter_to(live_server, "mk_not_a_key", responses)
    assert refused.export(spans) == SpanExportResult.FAILURE
    assert responses[-1].status_code == 401
    assert CostEvent.objects.filter(org=org).count() == 1
