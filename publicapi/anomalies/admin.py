from __future__ import annotations

from django.contrib import admin

from publicapi.anomalies.models import AnomalySettings, CostAnomaly


@admin.register(AnomalySettings)
class AnomalySettingsAdmin(admin.ModelAdmin):
    list_display = ["org", "sensitivity"]
    list_filter = ["sensitivity"]
    list_select_related = ["org"]
    search_fields = ["org__name"]


@admin.register(CostAnomaly)
class CostAnomalyAdmin(admin.ModelAdmin):
    list_display = [
        "org",
        "external_id",
        "day",
        "cost_micro",
        "median_micro",
        "threshold_micro",
        "detected_at",
    ]
    list_filter = ["day"]
    list_select_related = ["org"]
    search_fields = ["external_id", "org__name"]
    readonly_fields = ["detected_at"]
