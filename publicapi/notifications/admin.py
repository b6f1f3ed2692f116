from __future__ import annotations

from django.contrib import admin

from publicapi.notifications import services
from publicapi.notifications.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("id", "org", "url", "active", "created_at")
    list_filter = ("active",)
    list_select_related = ("org",)
    search_fields = ("id", "url", "org__name", "org__public_id")
    exclude = ("encrypted_secret",)
    actions = ["send_test_event"]

    @admin.action(description="Send a test event")
    def send_test_event(self, request, queryset) -> None:
        for endpoint in queryset:
            services.webhook_test_send(endpoint=endpoint)
        self.message_user(request, f"Test event queued for {queryset.count()} endpoint(s).")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("id", "org", "type", "created_at")
    list_filter = ("type",)
    list_select_related = ("org",)
    search_fields = ("id", "dedupe_key", "org__public_id")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "endpoint",
        "attempt",
        "status_code",
        "duration_ms",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status_code",)
    list_select_related = ("event", "endpoint")
    search_fields = ("event__id", "endpoint__id")
