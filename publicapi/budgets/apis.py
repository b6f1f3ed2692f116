"""The keyed budget endpoints: list, create and delete budgets, and the budget check.

One thin view per operation on the keyed base (publicapi.apis.keyed): reads need the `read`
scope, budget changes `write`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from margins.calculations import micros_to_cents
from margint.errors import NotFound, ValidationFailed
from margint.formatting import json_timestamp
from margint.permissions import actor_of
from publicapi.apis.keyed import READ, WRITE, KeyedApiView, error_responses
from publicapi.budgets import selectors, serializers, services
from publicapi.budgets.check import budget_check_json
from publicapi.budgets.models import Budget


class BudgetListView(KeyedApiView):
    def get_permissions(self) -> list:
        return [permission() for permission in (WRITE if self.request.method == "POST" else READ)]

    @extend_schema(
        operation_id="listBudgets",
        summary="List budgets",
        responses={200: serializers.BudgetListSerializer, **error_responses(401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        org = actor_of(request).org
        return Response({"data": [budget_json(b) for b in selectors.budgets_of(org=org)]})

    @extend_schema(
        operation_id="createBudget",
        summary="Create a budget (write scope)",
        description="A monthly limit in cents of the reporting currency on the workspace, a customer, "
        "a feature, or a customer's feature. `block` budgets refuse the budget check once spent; "
        "`warn` budgets only warn. Warning thresholds are whole percent of the limit (default 80).",
        request=serializers.BudgetCreate,
        responses={201: serializers.BudgetOneSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = serializers.BudgetCreate(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            budget = services.budget_create(
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
        return Response({"data": budget_json(budget)}, status=201)


class BudgetDetailView(KeyedApiView):
    permission_classes = WRITE

    @extend_schema(
        operation_id="deleteBudget",
        summary="Delete a budget (write scope)",
        parameters=[OpenApiParameter("id", uuid.UUID, OpenApiParameter.PATH)],
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: Request, id: str) -> Response:  # noqa: A002 - the documented path name
        budget = selectors.budget_get(org=actor_of(request).org, budget_id=_uuid_or_404(id))
        if budget is None:
            raise NotFound("Budget not found.")
        services.budget_delete(budget=budget)
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
        "configured budgets. Computed on every call: an ingest already answered and a budget "
        "change show at once.",
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
            **error_responses(400, 401, 403, 429),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        customer, feature = _check_target(request.query_params)
        body = budget_check_json(org=actor_of(request).org, customer=customer, feature=feature)
        return HttpResponse(body, content_type="application/json")


def _check_target(params) -> tuple[str, str]:
    """customer (1..255 characters) and feature (0..128), checked by hand: this is the hot path,
    and a serializer costs more than the check itself. The errors read as a serializer's."""
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


def budget_json(budget: Budget) -> dict[str, Any]:
    return {
        "id": str(budget.pk),
        "scope": budget.scope,
        "customer": budget.customer_external_id or None,
        "feature": budget.feature or None,
        "monthlyLimitCents": micros_to_cents(budget.monthly_limit_micro),
        "action": budget.action,
        "thresholds": list(budget.thresholds),
        "createdAt": json_timestamp(budget.created_at),
    }
