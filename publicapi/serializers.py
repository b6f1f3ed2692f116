"""Plain serializers of the public API: query and body validation, and the documented response shapes.

Responses are built by `presenters` and `profitability` as plain dicts (a 10,000-row
customer list through serializer fields would cost more than the queries); the response
serializers here describe those dicts in the OpenAPI document, and the schemathesis test holds
the real responses against that document.
"""

from __future__ import annotations

from rest_framework import serializers

from publicapi.profit_calc import WIDTHS
from publicapi.windows import DEFAULT_RANGE, RANGES

OVERVIEW_TOTALS = (
    "costCents",
    "revenueCents",
    "marginCents",
    "unattributedCostCents",
    "unmatchedRevenueCents",
    "customerCount",
    "unprofitableCount",
)


# --- queries and bodies -----------------------------------------------------------------------


class RangeQuery(serializers.Serializer):
    range = serializers.ChoiceField(choices=RANGES, default=DEFAULT_RANGE)


class CustomersQuery(RangeQuery):
    features = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Optional comma-separated list of feature filters",
    )

    def validate_features(self, value: str) -> list[str]:
        return [name.strip() for name in value.split(",") if name.strip()]


class ProfitabilityQuery(serializers.Serializer):
    merchantId = serializers.RegexField(
        r"^org_[a-zA-Z0-9]+$", max_length=40,
        help_text="Merchant whose customers to summarize. Unique identifier for an organization",
    )  # fmt: skip
    to = serializers.DateTimeField(help_text="End of the time range (ISO 8601 format)")
    topN = serializers.IntegerField(
        min_value=1, max_value=100, default=10,
        help_text="Number of top customers (by profit) to return individually. "
        "The rest are rolled into a single 'Other' row.",
    )  # fmt: skip
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False,
        help_text="ISO 4217 currency code to scope the summary. Defaults to the merchant's primary currency.",
    )  # fmt: skip
    bucketWidth = serializers.ChoiceField(
        choices=WIDTHS, required=False,
        help_text="Time bucket granularity for the per-customer revenue trend. "
        "When omitted, the server picks a bucket from the window length.",
    )  # fmt: skip

    def get_fields(self) -> dict:
        # `from` is a Python keyword, so the field is added by name.
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(help_text="Start of the time range (ISO 8601 format)")
        return {"merchantId": fields.pop("merchantId"), "from": fields.pop("from"), **fields}


# --- documented response shapes ---------------------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class CustomerRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    externalId = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    stripeCustomerId = serializers.CharField(allow_null=True)
    stripeCustomerIds = serializers.ListField(child=serializers.CharField())
    mrrCents = serializers.IntegerField()
    mrrSource = serializers.CharField(help_text="subscriptions, invoices or none")
    costCents = serializers.IntegerField()
    previousCostCents = serializers.IntegerField()
    revenueCents = serializers.IntegerField()
    previousRevenueCents = serializers.IntegerField()
    marginCents = serializers.IntegerField()
    previousMarginCents = serializers.IntegerField()
    marginPercent = serializers.FloatField()
    previousMarginPercent = serializers.FloatField()
    marginState = serializers.CharField(help_text="healthy, moderate, at_risk, critical or inactive")
    previousMarginState = serializers.CharField()
    spark = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Cost in cents per bucket, oldest first: days for 7d and 30d, weeks for 90d.",
    )


class CustomerListSerializer(serializers.Serializer):
    data = CustomerRowSerializer(many=True)


def _breakdown(dimension: str) -> type[serializers.Serializer]:
    fields = {
        dimension: serializers.CharField(),
        "costCents": serializers.IntegerField(),
        "requestCount": serializers.IntegerField(),
    }
    return type(f"{dimension.capitalize()}CostSerializer", (serializers.Serializer,), fields)


class CustomerDetailRowSerializer(CustomerRowSerializer):
    byFeature = _breakdown("feature")(many=True)
    byModel = _breakdown("model")(many=True)
    byProvider = _breakdown("provider")(many=True)


class CustomerDetailSerializer(serializers.Serializer):
    data = CustomerDetailRowSerializer()


class OverviewDataSerializer(serializers.Serializer):
    """Each total of the window with the previous window's beside it; `to` is exclusive."""

    def get_fields(self) -> dict:
        fields = {
            "range": serializers.CharField(),
            "from": serializers.DateField(),
            "to": serializers.DateField(),
        }
        for name in OVERVIEW_TOTALS:
            fields[name] = serializers.IntegerField()
            fields["previous" + name[0].upper() + name[1:]] = serializers.IntegerField()
        fields["marginPercent"] = serializers.FloatField()
        fields["previousMarginPercent"] = serializers.FloatField()
        return fields


class OverviewSerializer(serializers.Serializer):
    data = OverviewDataSerializer()


class TrendSerializer(serializers.Serializer):
    values = serializers.ListField(child=serializers.CharField())
    periodChange = serializers.FloatField(allow_null=True)


class ProfitabilityRowSerializer(serializers.Serializer):
    customerId = serializers.CharField()
    customerName = serializers.CharField()
    netRevenue = serializers.CharField()
    totalCost = serializers.CharField()
    profit = serializers.CharField()
    marginPct = serializers.CharField()
    trend = TrendSerializer()
    isOther = serializers.BooleanField()


class ProfitabilitySummarySerializer(serializers.Serializer):
    object = serializers.ChoiceField(choices=["profitability_summary"])
    currency = serializers.CharField()
    rows = serializers.ListField(child=ProfitabilityRowSerializer(), max_length=101)
    warnings = serializers.ListField(child=serializers.CharField(), max_length=100)
