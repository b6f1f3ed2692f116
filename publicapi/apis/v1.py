"""The keyed public API: v1 customers, costs overview, the v0 profitability summary.

One thin view per operation: validate the query or body, call a selector or service, answer.
Every view needs an API key of a Pro organization and the `read` scope. Each key is rate limited
per minute (X-RateLimit-* headers, Retry-After on 429). The budget endpoints, on the same base,
are publicapi.budgets.apis.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from margins.costs import selectors as cost_selectors
from margint.errors import NotFound, ValidationFailed
from margint.fx.selectors import currencies_with_rates
from margint.permissions import actor_of
from publicapi import presenters, serializers
from publicapi.apis.keyed import READ, KeyedApiView, error_responses
from publicapi.customers import thresholds_of, window_figures
from publicapi.profit_calc import InvalidWindow, summary_window
from publicapi.profitability import NoRateForDay, profitability_summary
from publicapi.windows import rolling_window


def _json(build: Callable[[], dict | bytes]) -> HttpResponse:
    """The body `build` gives, or its JSON bytes when it renders them itself; computed on every request."""
    body = build()
    body = body if isinstance(body, bytes) else JSONRenderer().render(body)
    return HttpResponse(body, content_type="application/json")


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    # A plain dict, not the QueryDict: DRF reads a blank value in form data as "not given",
    # while `range=` must be refused like any other value outside the document's enum.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CustomerListView(KeyedApiView):
    permission_classes = READ

    @extend_schema(
        operation_id="listCustomers",
        summary="List customers with margin",
        description="Returns one row per tracked customer, including AI cost, MRR, and derived margin "
        "over the selected rolling window, largest cost first.",
        parameters=[serializers.CustomersQuery],
        responses={200: serializers.CustomerListSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> HttpResponse:
        query = _query(serializers.CustomersQuery, request)
        org, now = actor_of(request).org, timezone.now()

        def build() -> bytes:
            window = rolling_window(query["range"], now.date())
            figures = window_figures(org=org, window=window, now=now, features=query.get("features") or None)
            return presenters.customer_rows_body(figures.customers, thresholds_of(org))

        return _json(build)


class CustomerDetailView(KeyedApiView):
    permission_classes = READ

    @extend_schema(
        operation_id="getCustomer",
        summary="Get a single customer by your external ID",
        description="The customer's row with its cost broken down by feature, model and provider.",
        parameters=[
            OpenApiParameter(
                "externalId",
                str,
                OpenApiParameter.PATH,
                description="The customer's ID as you pass it to the SDK",
            ),
            serializers.RangeQuery,
        ],
        responses={200: serializers.CustomerDetailSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def get(self, request: Request, externalId: str) -> HttpResponse:
        query = _query(serializers.RangeQuery, request)
        org, now = actor_of(request).org, timezone.now()
        window = rolling_window(query["range"], now.date())
        figures = window_figures(org=org, window=window, now=now, external_ids=[externalId])
        if not figures.customers:
            raise NotFound("Customer not found.")
        row = presenters.customer_row(figures.customers[0], thresholds_of(org))
        for by, name in (("feature", "byFeature"), ("model", "byModel"), ("provider", "byProvider")):
            rows = cost_selectors.cost_breakdown(
                org=org, external_id=externalId, start=window.start, end=window.end, by=by
            )
            row[name] = presenters.breakdown_json(rows, by)
        return Response({"data": row})


class CostsOverviewView(KeyedApiView):
    permission_classes = READ

    @extend_schema(
        operation_id="getCostsOverview",
        summary="Aggregate cost + revenue + margin over a window",
        parameters=[serializers.RangeQuery],
        responses={200: serializers.OverviewSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> HttpResponse:
        query = _query(serializers.RangeQuery, request)
        org, now = actor_of(request).org, timezone.now()

        def build() -> dict:
            window = rolling_window(query["range"], now.date())
            figures = window_figures(org=org, window=window, now=now)
            return {"data": presenters.overview(figures, window)}

        return _json(build)


class ProfitabilityView(KeyedApiView):
    permission_classes = READ

    @extend_schema(
        operation_id="getProfitabilitySummary",
        summary="Get profitability summary",
        description="Per-customer net revenue, cost, profit and margin over [from, to), top N by profit "
        "and one 'Other' row for the rest. Amounts are decimal strings in currency units.",
        parameters=[serializers.ProfitabilityQuery],
        responses={
            200: OpenApiResponse(
                serializers.ProfitabilitySummarySerializer, description="Profitability summary"
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(serializers.ProfitabilityQuery, request)
        org = actor_of(request).org
        if query["merchantId"] != org.public_id:
            raise NotFound("No merchant with this id.")
        currency = _summary_currency(query.get("currency"), org)
        try:
            window = summary_window(query["from"], query["to"], query.get("bucketWidth"))
        except InvalidWindow as exc:
            raise ValidationFailed(str(exc))
        try:
            today = timezone.now().astimezone(UTC).date()
            summary = profitability_summary(
                org=org, window=window, top_n=query["topN"], today=today, currency=currency
            )
        except NoRateForDay as exc:
            raise ValidationFailed(str(exc), {"currency": currency.upper()}) from exc
        return Response(summary)


def _summary_currency(requested: str | None, org) -> str:
    """The reporting currency, or any other currency the rate table has (amounts are converted)."""
    reporting = org.reporting_currency.lower()
    if not requested or requested.strip().lower() == reporting:
        return reporting
    available = currencies_with_rates()
    code = requested.strip().lower()
    if code not in available:
        raise ValidationFailed(
            "currency must be the reporting currency or one with exchange rates: "
            + ", ".join(c.upper() for c in sorted(set(available) | {reporting}))
            + ".",
            {"currency": requested, "reportingCurrency": reporting.upper()},
        )
    return code
