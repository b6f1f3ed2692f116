from __future__ import annotations

from django.contrib import admin

from margint.fx.models import CurrencyRebuild, ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["day", "currency", "per_euro"]
    list_filter = ["currency"]
    date_hierarchy = "day"
    ordering = ["-day", "currency"]


@admin.register(CurrencyRebuild)
class CurrencyRebuildAdmin(admin.ModelAdmin):
    list_display = ["org", "previous_currency", "currency", "status", "done", "total", "started_at"]
    list_filter = ["status"]
    list_select_related = ["org"]
    readonly_fields = [f.name for f in CurrencyRebuild._meta.fields]
