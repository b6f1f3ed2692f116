"""Celery tasks of the revenue side: one org's sync, and the two-hourly fan-out (beat)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from billing.models import RevenueAllocation, StripeCreditNote, StripeInvoice, SyncRun
from billing.reconversion import revenue_rebuild_execute, unconverted_reconvert
from billing.selectors import orgs_to_sync
from billing.sync import StripeNotConnected, SyncAlreadyRunning, revenue_sync_run, sync_run_execute
from margint.fx.models import CurrencyRebuild
from margint.models import Organization


@shared_task(
    soft_time_limit=settings.STRIPE_SYNC_SOFT_TIME_LIMIT,
    time_limit=settings.STRIPE_SYNC_TIME_LIMIT,
    # A sync killed mid-way is resumed by the next one from its cursor; no redelivery needed.
    acks_late=False,
)
def revenue_sync_org(org_id: str, trigger: str = "cron") -> dict:
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return {"status": "missing"}
    try:
        run = revenue_sync_run(org=org, trigger=trigger)
    except SyncAlreadyRunning as running:
        return {"status": "already_running", "runId": str(running.run_id)}
    except StripeNotConnected:
        return {"status": "not_connected"}
    return {"status": run.status, "runId": str(run.pk)}


@shared_task(
    soft_time_limit=settings.STRIPE_SYNC_SOFT_TIME_LIMIT,
    time_limit=settings.STRIPE_SYNC_TIME_LIMIT,
    acks_late=False,
)
def revenue_sync_execute(run_id: str) -> dict:
    """Execute a run claimed by revenue_sync_start (the dashboard's "Sync now")."""
    run = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).select_related("org").first()
    if run is None:  # disconnected meanwhile, or failed as abandoned
        return {"status": "missing"}
    run = sync_run_execute(run=run)
    return {"status": run.status, "runId": str(run.pk)}


@shared_task
def revenue_sync_fan_out() -> int:
    """Queue one sync task per connected Pro organization."""
    org_ids = orgs_to_sync()
    for org_id in org_ids:
        revenue_sync_org.delay(str(org_id), "cron")
    return len(org_ids)


@shared_task(acks_late=False)
def revenue_rebuild_run(rebuild_id: str) -> dict:
    """The revenue part of a change of reporting currency: every document converted again."""
    rebuild = CurrencyRebuild.objects.filter(pk=rebuild_id).select_related("org").first()
    if rebuild is None or rebuild.status != CurrencyRebuild.Status.RUNNING:
        return {"status": "missing"}
    return {"converted": revenue_rebuild_execute(rebuild=rebuild)}


@shared_task
def unconverted_reconvert_all() -> int:
    """After new exchange rates: convert the documents of every org that had none."""
    org_ids = set(RevenueAllocation.objects.filter(rate_source="no_rate").values_list("org_id", flat=True))
    for model in (StripeInvoice, StripeCreditNote):
        org_ids |= set(model.objects.filter(fx_source="no_rate").values_list("org_id", flat=True))
    return sum(unconverted_reconvert(org=org) for org in Organization.objects.filter(pk__in=org_ids))
