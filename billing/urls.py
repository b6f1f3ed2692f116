from __future__ import annotations

from django.urls import path

from billing import apis, stripe_webhooks, views

urlpatterns = [
    path("stripe/", views.stripe_page, name="stripe-page"),
    path("stripe/connect/", views.stripe_connect_view, name="stripe-page-connect"),
    path("stripe/webhook-secret/", views.stripe_webhook_secret_view, name="stripe-page-secret"),
    path("stripe/replace-key/", views.stripe_replace_key_view, name="stripe-page-replace-key"),
    path("stripe/disconnect/", views.stripe_disconnect_view, name="stripe-page-disconnect"),
    path("stripe/sync/", views.stripe_sync_view, name="stripe-page-sync"),
    path("stripe/sync-runs/<uuid:run_id>/", views.stripe_sync_run_view, name="stripe-page-run"),
    path("api/stripe/connect", apis.StripeConnectApi.as_view(), name="stripe-connect"),
    path("api/stripe/disconnect", apis.StripeDisconnectApi.as_view(), name="stripe-disconnect"),
    path("api/stripe/revenue-sync", apis.RevenueSyncApi.as_view(), name="stripe-revenue-sync"),
    path("api/stripe/sync-runs/<uuid:run_id>", apis.SyncRunApi.as_view(), name="stripe-sync-run"),
    path("api/stripe/status", apis.StripeStatusApi.as_view(), name="stripe-status"),
    path("api/stripe/webhooks/<str:org_public_id>", stripe_webhooks.stripe_webhook, name="stripe-webhook"),
]
