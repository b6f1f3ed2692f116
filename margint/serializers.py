from __future__ import annotations

from rest_framework import serializers

from margint.currencies import is_reporting_currency, not_a_currency
from margint.formatting import json_timestamp
from margint.models import Organization


def org_json(org: Organization) -> dict:
    return {
        "id": org.public_id,
        "name": org.name,
        "tier": org.tier,
        "reportingCurrency": org.reporting_currency,
        "thresholds": {
            "healthy": float(org.healthy_threshold),
            "moderate": float(org.moderate_threshold),
            "atRisk": float(org.at_risk_threshold),
        },
        "createdAt": json_timestamp(org.created_at),
    }


class SwitchOrgSerializer(serializers.Serializer):
    orgId = serializers.RegexField(r"^org_[a-zA-Z0-9]+$", max_length=40)


class OrgSettingsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=False)
    reportingCurrency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)

    def validate_reportingCurrency(self, value: str) -> str:
        if not is_reporting_currency(value):
            raise serializers.ValidationError(not_a_currency(value))
        return value

    healthyThreshold = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=-100, max_value=100, required=False
    )
    moderateThreshold = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=-100, max_value=100, required=False
    )
    atRiskThreshold = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=-100, max_value=100, required=False
    )
