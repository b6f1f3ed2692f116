"""The keyed public API: v1 customers, costs overview, budgets and the check, the v0 profitability summary.

One thin view per operation: validate the query or body, call a selector or service, answer.
Every view needs an API key of a Pro organization; reads need the `read` scope, budget changes
`write`. Each key is rate limited per minute (X-RateLimit-* headers, Retry-After on 429).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from margins.costs import selectors as cost_selectors
from margint.errors import NotFound, ValidationFailed
from margint.fx.selectors import currencies_with_rates
from margint.permissions import HasActor, RequiresPro, actor_of, scope_permission
from publicapi import budgets, presenters, serializers
from publicapi.apis.keyed import KeyedApiView
from publicapi.customers import thresholds_of, window_figures
from publicapi.profit_calc import InvalidWindow, summary_window
from publicapi.profitability import NoRateForDay, profitability_summary
from publicapi.windows import rolling_window

READ = [HasActor, RequiresPro, scope_permission("read")]
WRITE = [HasActor, RequiresPro, scope_permission("write")]


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Invalid query or body (validation_error)",
        401: "Missing or invalid API key",
        403: "The key lacks the scope, or the organization is not on the Pro plan",
        404: "Not found",
        429: "Rate limit exceeded",
    }
    return {code: OpenApiResponse(serializers.ErrorSerializer, description=described[code]) for code in codes}


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
        responses={200: serializers.CustomerListSerializer, **_errors(400, 401, 403, 429)},
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
        responses={200: serializers.CustomerDetailSerializer, **_errors(400, 401, 403, 404, 429)},
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
        responses={200: serializers.OverviewSerializer, **_errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> HttpResponse:
        query = _query(serializers.RangeQuery, request)
        org, now = actor_of(request).org, timezone.now()

        def build() -> dict:
            window = rolling_window(query["range"], now.date())
            figures = window_figures(org=org, window=window, now=now)
            return {"data": presenters.overview(figures, window)}

        return _json(build)


class BudgetListView(KeyedApiView):
    def get_permissions(self) -> list:
        return [permission() for permission in (WRITE if self.request.method == "POST" else READ)]

    @extend_schema(
        operation_id="listBudgets",
        summary="List budgets",
        responses={200: serializers.BudgetListSerializer, **_errors(401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        org = actor_of(request).org
        return Response({"data": [budgets.budget_json(b) for b in budgets.budgets_of(org=org)]})

    @extend_schema(
        operation_id="createBudget",
        summary="Create a budget (write scope)",
        description="A monthly limit in cents of the reporting currency on the workspace, a customer, "
        "a feature, or a customer's feature. `block` budgets refuse the budget check once spent; "
        "`warn` budgets only warn. Warning thresholds are whole percent of the limit (default 80).",
        request=serializers.BudgetCreate,
        responses={201: serializers.BudgetOneSerializer, **_errors(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = serializers.BudgetCreate(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            budget = budgets.budget_create(
                org=actor_of(request).org,
                scope=data["scope"],
                customer=data["customer"],
                feature=data["feature"],
                monthly_limit_micro=data["monthlyLimitCents"] * 10_000,
                action=data["action"],
                thresholds=data["thresholds"],
            )
        except DjangoValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), {"fields": exc.message_dict})
        return Response({"data": budgets.budget_json(budget)}, status=201)


class BudgetDetailView(KeyedApiView):
    permission_classes = WRITE

    @extend_schema(
        operation_id="deleteBudget",
        summary="Delete a budget (write scope)",
        parameters=[OpenApiParameter("id", uuid.UUID, OpenApiParameter.PATH)],
        responses={204: None, **_errors(401, 403, 404, 429)},
    )
    def delete(self, request: Request, id: str) -> Response:  # noqa: A002 - the documented path name
        budget = budgets.budget_get(org=actor_of(request).org, budget_id=_uuid_or_404(id))
        if budget is None:
            raise NotFound("Budget not found.")
        budgets.budget_delete(budget=budget)
        return Response(status=204)


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("Budget not found.")


class BudgetCheckView(KeyedApiView):
    permission_classes = READ

    @extend_schema(
        operation_id="checkBudget",
        summary="Check whether a customer is within active budgets",
        description="Returns whether an LLM call for this (customer, feature) would be allowed given the "
        "configured budgets. Cached for 60s; new events of the customer and budget changes "
        "refresh it at once.",
        parameters=[serializers.BudgetCheckQuery],
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="BudgetCheck",
                    serializers=[
                        serializers.BudgetCheckAllowedSerializer,
                        serializers.BudgetCheckRefusedSerializer,
                    ],
                    resource_type_field_name=None,
                ),
                description="Budget status",
            ),
            **_errors(400, 401, 403, 429),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        customer, feature = _check_target(request.query_params)
        body = budgets.budget_check_json(org=actor_of(request).org, customer=customer, feature=feature)
        return HttpResponse(body, content_type="application/json")


def _check_target(params) -> tuple[str, str]:
    """customer (1..255 characters) and feature (0..128), checked by hand: this is the hot path,
    and a serializer costs more than the cached answer. The errors read as a serializer's."""
    customer, feature = params.get("customer", "").strip(), params.get("feature", "").strip()
    problems: dict[str, list[str]] = {}
    if "customer" not in params:
        problems["customer"] = ["This field is required."]
    elif not customer:
        problems["customer"] = ["This field may not be blank."]
    for name, value, limit in (("customer", customer, 255), ("feature", feature, 128)):
        if name in problems:
            continue
        if len(value) > limit:
            problems[name] = [f"Ensure this field has no more than {limit} characters."]
        elif "\x00" in value:
            problems[name] = ["Null characters are not allowed."]
    if problems:
        name, messages = next(iter(problems.items()))
        raise ValidationFailed(f"{name}: {messages[0]}", {"fields": problems})
    return customer, feature


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
            **_errors(400, 401, 403, 404, 429),
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
