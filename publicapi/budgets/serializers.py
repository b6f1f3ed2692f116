"""Plain serializers of the budget endpoints: query and body validation, and the documented
response shapes (the bodies are built as plain dicts; these describe them in the OpenAPI document)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from publicapi.budgets.calculations import ACTIONS, SCOPES, target_problems

# A billion a month in the reporting currency: far above any real budget, far inside bigint.
MAX_LIMIT_CENTS = 10**11


class BudgetCheckQuery(serializers.Serializer):
    customer = serializers.CharField(max_length=255, help_text="Your customer's external ID")
    feature = serializers.CharField(
        required=False, allow_blank=True, max_length=128, default="",
        help_text="Optional feature name for feature-scoped budgets",
    )  # fmt: skip


class BudgetCreate(serializers.Serializer):
    scope = serializers.ChoiceField(choices=SCOPES)
    customer = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    feature = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=128)
    monthlyLimitCents = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT_CENTS)
    action = serializers.ChoiceField(choices=ACTIONS, default="warn")
    thresholds = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=99), max_length=10, default=[80]
    )

    def validate(self, attrs: dict) -> dict:
        attrs["customer"] = (attrs.get("customer") or "").strip()
        attrs["feature"] = (attrs.get("feature") or "").strip()
        problems = target_problems(attrs["scope"], attrs["customer"], attrs["feature"])
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class BudgetSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    scope = serializers.ChoiceField(choices=SCOPES)
    customer = serializers.CharField(allow_null=True)
    feature = serializers.CharField(allow_null=True)
    monthlyLimitCents = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ACTIONS)
    thresholds = serializers.ListField(child=serializers.IntegerField())
    createdAt = serializers.DateTimeField()


class BudgetListSerializer(serializers.Serializer):
    data = BudgetSerializer(many=True)


class BudgetOneSerializer(serializers.Serializer):
    data = BudgetSerializer()


class BudgetStatusSerializer(serializers.Serializer):
    budgetId = serializers.UUIDField()
    scope = serializers.ChoiceField(choices=SCOPES)
    customer = serializers.CharField(allow_null=True)
    feature = serializers.CharField(allow_null=True)
    action = serializers.ChoiceField(choices=ACTIONS)
    limitCents = serializers.IntegerField()
    spentCents = serializers.IntegerField()
    percent = serializers.FloatField()
    threshold = serializers.IntegerField(allow_null=True, help_text="Highest warning threshold reached.")
    exceeded = serializers.BooleanField()
    spendRateCentsPerDay = serializers.IntegerField()
    projectedExhaustionDate = serializers.DateField(allow_null=True)


@extend_schema_field({"const": True})
class _TrueField(serializers.BooleanField):
    pass


@extend_schema_field({"const": False})
class _FalseField(serializers.BooleanField):
    pass


@extend_schema_field({"const": "monthly_limit_exceeded"})
class _ReasonField(serializers.CharField):
    pass


class _CheckCommon(serializers.Serializer):
    warnings = BudgetStatusSerializer(many=True)
    budgets = BudgetStatusSerializer(many=True)
    customer = serializers.CharField()
    feature = serializers.CharField(allow_null=True)
    month = serializers.CharField()
    checkedAt = serializers.DateTimeField()


class BudgetCheckAllowedSerializer(_CheckCommon):
    allowed = _TrueField()


class BudgetCheckRefusedSerializer(_CheckCommon):
    allowed = _FalseField()
    reason = _ReasonField()
    breaches = BudgetStatusSerializer(many=True)
