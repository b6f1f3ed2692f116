"""Finance endpoints (/api/v1/platform/finance/...): subscription summary and Stripe sync health.

Shaped as the Finance API document: `{"success": true, "data": {...}}` with snake_case fields.
An admin's session or an API key with the `read` scope (rate limited per key) may call them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.models import StripeConnection, SyncRun
from margint.auth import SessionAuthentication
from margint.models import Organization
from margint.permissions import HasActor, RequiresPro, actor_of
from publicapi.apis.keyed import KeyedApiView
from publicapi.auth import ApiKeyAuthentication

DASHBOARD = "https://dashboard.stripe.com"


class AdminSessionOrReadKey(BasePermission):
    message = "This needs an admin session or an API key with the 'read' scope."

    def has_permission(self, request, view) -> bool:
        actor = actor_of(request)
        if actor is None:
            return False
        return actor.has_role("admin") if actor.is_session else actor.has_scope("read")


class FinanceApi(KeyedApiView):
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [HasActor, RequiresPro, AdminSessionOrReadKey]

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated("Sign in as an admin or send an API key.")
        APIView.permission_denied(self, request, message=message, code=code)


def iso_seconds(moment) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def dashboard_url(org: Organization, page: str) -> str:
    """Stripe's dashboard, in test mode when the connected key is a test key."""
    connection = StripeConnection.objects.filter(org=org).only("key_prefix").first()
    test_mode = connection is not None and "_test_" in connection.key_prefix
    return f"{DASHBOARD}/test/{page}" if test_mode else f"{DASHBOARD}/{page}"


class SubscriptionSummaryApi(FinanceApi):
    def get(self, request: Request) -> Response:
        org = actor_of(request).org
        now = timezone.now()
        summary = selectors.subscription_summary(org=org)
        mrr = selectors.mrr_by_customer(org=org, as_of=now)
        data = {
            "active_subscriptions": summary.active_subscriptions,
            "by_status": summary.by_status,
            "plan_distribution": [
                {"plan_id": plan.plan_id, "plan_name": plan.plan_name, "count": plan.count}
                for plan in summary.plan_distribution
            ],
            # Beyond the document: MRR in micro-units of the org's reporting currency.
            "mrr_micro": sum(entry.amount_micro for entry in mrr.values()),
            "currency": org.reporting_currency,
            "stripe_dashboard_url": dashboard_url(org, "revenue"),
            "as_of": iso_seconds(now),
        }
        return Response({"success": True, "data": data})


class StripeSyncStatusApi(FinanceApi):
    def get(self, request: Request) -> Response:
        org = actor_of(request).org
        now = timezone.now()
        health = selectors.webhook_health(org=org, now=now)
        last = health.last_event
        runs = selectors.recent_sync_runs(org=org, limit=1)
        data = {
            "last_webhook_received": iso_seconds(last.received_at) if last else None,
            "webhook_health": health.health,
            "webhook_errors_last_hour": health.failed_last_hour,
            "failed_payments_count": selectors.failed_payments_count(org=org),
            "last_webhook_event": (
                {"id": last.stripe_id, "type": last.type, "timestamp": iso_seconds(last.created)}
                if last
                else None
            ),
            "connection_status": selectors.sync_status(org=org).status,
            "last_sync_run": _run(runs[0]) if runs else None,
            "stripe_dashboard_url": dashboard_url(org, "payments"),
            "as_of": iso_seconds(now),
        }
        return Response({"success": True, "data": data})


def _run(run: SyncRun) -> dict[str, Any]:
    stats = run.stats or {}
    return {
        "id": str(run.id),
        "status": run.status,
        "trigger": run.trigger,
        "started_at": iso_seconds(run.started_at),
        "finished_at": iso_seconds(run.finished_at),
        "invoices_fetched": stats.get("invoicesFetched", 0),
        "invoices_skipped": stats.get("invoicesSkipped", 0),
        "skipped_currencies": stats.get("skippedCurrencies", {}),
        "error": run.error or None,
    }
