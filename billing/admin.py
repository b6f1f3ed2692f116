"""Admin for operators: read the Stripe mirrors and sync runs; connections are never shown a key."""

from __future__ import annotations

from django.contrib import admin

from billing.models import StripeConnection, StripeCustomer, StripeInvoice, StripeWebhookEvent, SyncRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Mirrors are written by the sync and webhooks only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StripeConnection)
class StripeConnectionAdmin(ReadOnlyAdmin):
    list_display = ["org", "key_prefix", "status", "last_synced_at", "created_at"]
    list_filter = ["status"]
    list_select_related = ["org"]
    search_fields = ["org__name", "org__public_id"]
    # The encrypted key and webhook secret stay out of every admin page.
    fields = ["org", "key_prefix", "status", "last_error", "last_synced_at", "created_at", "updated_at"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["org", "status", "trigger", "started_at", "finished_at"]
    list_filter = ["status", "trigger"]
    list_select_related = ["org"]
    search_fields = ["org__name", "org__public_id"]


@admin.register(StripeCustomer)
class StripeCustomerAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "name", "email", "org", "deleted"]
    list_filter = ["deleted"]
    list_select_related = ["org"]
    search_fields = ["stripe_id", "name", "email"]


@admin.register(StripeInvoice)
class StripeInvoiceAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "org", "stripe_customer", "status", "currency", "total", "paid_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["org", "stripe_customer"]
    search_fields = ["stripe_id", "stripe_customer__stripe_id", "number"]


@admin.register(StripeWebhookEvent)
class StripeWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "org", "type", "status", "received_at"]
    list_filter = ["status"]
    list_select_related = ["org"]
    search_fields = ["stripe_id", "type"]
