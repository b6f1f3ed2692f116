from __future__ import annotations

from django.contrib import admin, messages

from publicapi.keys import api_key_revoke
from publicapi.models import ApiKey, OtlpSettings


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "org", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["org"]
    search_fields = ["name", "prefix", "org__name"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at", "revoked_at", "created_by"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # Keys are minted where the secret can be shown once: the dashboard or createapikey.
        return False

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset) -> None:
        for key in queryset:
            api_key_revoke(api_key=key)
        messages.success(request, f"Revoked {queryset.count()} key(s).")


@admin.register(OtlpSettings)
class OtlpSettingsAdmin(admin.ModelAdmin):
    list_display = ["org", "customer_attribute", "feature_attribute"]
    list_select_related = ["org"]
    search_fields = ["org__name", "customer_attribute", "feature_attribute"]
