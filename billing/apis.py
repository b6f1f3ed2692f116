"""JSON endpoints of the revenue side: connect, disconnect, revenue sync, sync progress, status."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.models import StripeConnection, SyncRun
from billing.services import (
    InvalidStripeKey,
    StripeAlreadyConnected,
    StripeKeyRejected,
    stripe_connect,
    stripe_disconnect,
)
from billing.stripe_gateway import StripeUnavailable
from billing.sync import PHASES, StripeNotConnected, SyncAlreadyRunning, revenue_sync_run
from margint.auth import SessionAuthentication
from margint.errors import ApiError, Conflict, NotFound, ValidationFailed
from margint.formatting import json_timestamp
from margint.models import Organization
from margint.permissions import PRO_ADMIN, PRO_MEMBER, PRO_VIEWER, actor_of


def iso(moment: datetime | None) -> str | None:
    return json_timestamp(moment)


def connection_json(connection: StripeConnection) -> dict[str, Any]:
    return {
        "id": str(connection.id),
        "keyPrefix": connection.key_prefix,
        "status": connection.status,
        "createdAt": iso(connection.created_at),
    }


def run_json(run: SyncRun) -> dict[str, Any]:
    stats = run.stats or {}
    return {
        "id": str(run.id),
        "status": run.status,
        "trigger": run.trigger,
        "startedAt": iso(run.started_at),
        "finishedAt": iso(run.finished_at),
        "phase": stats.get("phase"),
        "progress": run.progress,
        "stats": {key: value for key, value in stats.items() if key not in ("phase", "progress")},
        "error": run.error or None,
        # The next sync continues from this run's cursor.
        "resumable": run.status == SyncRun.Status.FAILED and run.cursor.get("phase") in PHASES,
    }


# -- connect / disconnect --------------------------------------------------------------------


class ConnectSerializer(serializers.Serializer):
    stripeKey = serializers.CharField(max_length=255)
    webhookSecret = serializers.CharField(max_length=255, required=False, allow_blank=True)


class StripeConnectApi(APIView):
    permission_classes = PRO_ADMIN

    def post(self, request: Request) -> Response:
        serializer = ConnectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            connection = stripe_connect(
                org=actor_of(request).org,
                stripe_key=data["stripeKey"],
                webhook_secret=data.get("webhookSecret", ""),
            )
        except InvalidStripeKey as error:
            raise ValidationFailed(str(error), {"field": "stripeKey"}) from None
        except StripeKeyRejected as error:
            details = {"stripeError": str(error)}
            raise ApiError(
                400, "stripe_validation_failed", "Stripe did not accept this key.", details
            ) from None
        except StripeAlreadyConnected as error:
            raise Conflict(str(error)) from None
        except StripeUnavailable as error:
            details = {"stripeError": str(error)}
            raise ApiError(502, "stripe_unavailable", "Stripe could not be reached.", details) from None
        return Response({"data": connection_json(connection)}, status=201)


class StripeDisconnectApi(APIView):
    permission_classes = PRO_ADMIN

    def delete(self, request: Request) -> Response:
        if not stripe_disconnect(org=actor_of(request).org):
            raise NotFound("Stripe is not connected.")
        return Response({"data": {"deleted": True}})


# -- revenue sync ----------------------------------------------------------------------------


class CronCaller:
    """The scheduler calling with the cron secret: not a user, no organization."""

    is_authenticated = True
    is_anonymous = False
    pk = None


class CronSecretAuthentication(BaseAuthentication):
    """`Authorization: Bearer <CRON_SECRET>`, compared in constant time; any other bearer is 401."""

    def authenticate(self, request: Request) -> tuple[CronCaller, str] | None:
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        secret = settings.CRON_SECRET
        if not secret or not hmac.compare_digest(token.strip().encode(), secret.encode()):
            raise AuthenticationFailed("The cron secret is missing or wrong.")
        return CronCaller(), "cron"

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="cron"'


class RevenueSyncApi(APIView):
    authentication_classes = [CronSecretAuthentication, SessionAuthentication]

    def get_permissions(self):
        if isinstance(self.request.user, CronCaller):
            return []
        return [permission() for permission in PRO_MEMBER]

    def get(self, request: Request) -> Response:
        if isinstance(request.user, CronCaller):
            return Response({"data": sync_every_org()})
        return Response({"data": manual_sync(actor_of(request).org)})

    post = get


def sync_every_org() -> dict[str, int]:
    """The cron call: each connected Pro org in turn; one org's failure does not stop the rest."""
    synced = errors = skipped = 0
    for org in Organization.objects.filter(pk__in=selectors.orgs_to_sync()):
        try:
            run = revenue_sync_run(org=org, trigger="cron")
        except (SyncAlreadyRunning, StripeNotConnected):
            skipped += 1
            continue
        if run.status == SyncRun.Status.SUCCEEDED:
            synced += 1
        else:
            errors += 1
    return {"synced": synced, "errors": errors, "skipped": skipped}


def manual_sync(org: Organization) -> dict[str, Any]:
    try:
        run = revenue_sync_run(org=org, trigger="manual")
    except StripeNotConnected as error:
        raise NotFound(str(error)) from None
    except SyncAlreadyRunning as running:
        raise Conflict(str(running), {"runId": str(running.run_id) if running.run_id else None}) from None
    if run.status != SyncRun.Status.SUCCEEDED:
        message = "The revenue sync failed; the next sync resumes where it stopped."
        raise ApiError(502, "sync_failed", message, {"runId": str(run.id), "error": run.error})
    stats = run.stats
    return {
        "orgId": org.public_id,
        "customersProcessed": stats["customersProcessed"],
        "periodsUpdated": stats["periodsUpdated"],
        "autoMatchesCreated": stats["autoMatchesCreated"],
        "invoicesFetched": stats["invoicesFetched"],
        "invoicesSkipped": stats["invoicesSkipped"],
        "skippedCurrencies": stats["skippedCurrencies"],
        "durationMs": stats["durationMs"],
        "runId": str(run.id),
    }


# -- progress and status ---------------------------------------------------------------------


class SyncRunApi(APIView):
    permission_classes = PRO_VIEWER

    def get(self, request: Request, run_id: str) -> Response:
        run = selectors.sync_run_get(org=actor_of(request).org, run_id=run_id)
        if run is None:
            raise NotFound("No sync run with this id.")
        return Response({"data": run_json(run)})


class StripeStatusApi(APIView):
    permission_classes = PRO_VIEWER

    def get(self, request: Request) -> Response:
        org = actor_of(request).org
        status = selectors.sync_status(org=org)
        connection = StripeConnection.objects.filter(org=org).first()
        return Response(
            {
                "data": {
                    "connected": status.connected,
                    "status": status.status,
                    "connection": connection_json(connection) if connection else None,
                    "lastSyncAt": iso(status.last_sync_at),
                    "lastError": status.last_error or None,
                    "running": status.running,
                    "skippedCurrencies": status.skipped_currencies,
                    "webhookConfigured": bool(connection and connection.encrypted_webhook_secret),
                    "webhookUrl": request.build_absolute_uri(f"/api/stripe/webhooks/{org.public_id}"),
                    "runs": [run_json(run) for run in selectors.recent_sync_runs(org=org)],
                }
            }
        )
