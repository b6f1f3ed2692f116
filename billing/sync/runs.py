"""Claiming, starting and executing sync runs, and where a new run starts reading from."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import StripeConnection, SyncRun
from billing.stripe_gateway import StripeGateway
from billing.sync.runner import PHASES, SyncRunner
from margint.crypto import decrypt
from margint.models import Organization

logger = logging.getLogger(__name__)


class SyncAlreadyRunning(Exception):
    def __init__(self, run_id: Any | None) -> None:
        super().__init__("A revenue sync is already running for this organization.")
        self.run_id = run_id


class StripeNotConnected(Exception):
    pass


# -- claim -----------------------------------------------------------------------------------


def sync_run_claim(
    *, org: Organization, trigger: str, cursor: dict | None = None, stats: dict | None = None
) -> SyncRun:
    """Insert the org's one running SyncRun, or raise SyncAlreadyRunning."""
    _fail_abandoned_runs(org)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                org=org,
                trigger=trigger,
                status=SyncRun.Status.RUNNING,
                cursor=cursor or {},
                stats=stats or {},
            )
    except IntegrityError:
        running = SyncRun.objects.filter(org=org, status=SyncRun.Status.RUNNING).values_list("pk", flat=True)
        raise SyncAlreadyRunning(running.first()) from None


def _fail_abandoned_runs(org: Organization) -> None:
    """A run older than the task's hard time limit was killed with its worker: free the claim."""
    limit = timezone.now() - timedelta(seconds=settings.STRIPE_SYNC_TIME_LIMIT)
    SyncRun.objects.filter(org=org, status=SyncRun.Status.RUNNING, started_at__lt=limit).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error="Abandoned: still marked running after the sync's hard time limit.",
    )


# -- entry point -----------------------------------------------------------------------------


def revenue_sync_run(*, org: Organization, trigger: str) -> SyncRun:
    """Run one sync of `org` to its end and return the finished run (succeeded or failed).

    Raises StripeNotConnected, or SyncAlreadyRunning when another sync holds the claim.
    A failed run keeps its cursor; the next call resumes from it.
    """
    return sync_run_execute(run=_claim(org, trigger))


def revenue_sync_start(*, org: Organization, trigger: str) -> SyncRun:
    """Claim a sync now and run it in a task once the claim is committed: the caller gets the
    running run at once and follows its progress (the dashboard's "Sync now").

    Raises StripeNotConnected or SyncAlreadyRunning, as revenue_sync_run does.
    """
    run = _claim(org, trigger)
    transaction.on_commit(lambda: _enqueue_execute(run.pk))
    return run


def _claim(org: Organization, trigger: str) -> SyncRun:
    if not StripeConnection.objects.filter(org=org).exists():
        raise StripeNotConnected("Stripe is not connected for this organization.")
    cursor, resumed_from = _starting_cursor(org, timezone.now())
    # Where it resumes from travels in the stats: the run may be executed by another process.
    return sync_run_claim(org=org, trigger=trigger, cursor=cursor, stats={"resumedFrom": resumed_from})


def _enqueue_execute(run_id: Any) -> None:
    from billing.tasks import revenue_sync_execute

    try:
        revenue_sync_execute.delay(str(run_id))
    except Exception as error:  # no broker: free the claim now instead of after the time limit
        logger.exception("could not queue sync run %s", run_id)
        _unstarted_run_fail(run_id, f"The sync could not be queued: {error}")


def _unstarted_run_fail(run_id: Any, message: str) -> None:
    """End a claimed run that never reached Stripe, so the claim is free at once."""
    SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.FAILED, finished_at=timezone.now(), error=message
    )


def sync_run_execute(*, run: SyncRun) -> SyncRun:
    """Execute a claimed, running run to its end, follow-ups included, and return it.

    A run whose connection is gone (a disconnect in between deleted the run too) is returned as is.
    """
    org = run.org
    connection = StripeConnection.objects.filter(org=org).first()
    if connection is None:
        return run
    try:
        gateway = StripeGateway(decrypt(connection.encrypted_key))
    except Exception as error:  # a key no configured encryption key opens: end the claimed run
        logger.exception("sync run %s: the Stripe key cannot be decrypted", run.pk)
        _unstarted_run_fail(run.pk, f"The Stripe key cannot be decrypted: {type(error).__name__}")
        run.refresh_from_db()
        return run
    runner = SyncRunner(org, run, gateway, resumed_from=(run.stats or {}).get("resumedFrom"))
    runner.execute()
    runner.after_sync()
    return run


def _starting_cursor(org: Organization, now: datetime) -> tuple[dict, str | None]:
    last = SyncRun.objects.filter(org=org).exclude(status=SyncRun.Status.RUNNING).first()
    if last is not None and last.status == SyncRun.Status.FAILED and last.cursor.get("phase") in PHASES:
        return dict(last.cursor), str(last.pk)
    cursor = {
        "phase": PHASES[0],
        "after": None,
        "windowStart": int(_window_start(org, now).timestamp()),
        "listingStarted": now.isoformat(),
        "reportingCurrency": org.reporting_currency,
    }
    return cursor, None


def _window_start(org: Organization, now: datetime) -> datetime:
    last_ok = SyncRun.objects.filter(org=org, status=SyncRun.Status.SUCCEEDED).first()
    # A new reporting currency needs every document re-allocated: read the full lookback again.
    if last_ok is None or last_ok.cursor.get("reportingCurrency") != org.reporting_currency:
        return months_back(now, settings.STRIPE_SYNC_LOOKBACK_MONTHS)
    # From when that sync's listing began (a resumed run began listing in the run it resumed).
    listed_from = datetime.fromisoformat(last_ok.cursor["listingStarted"])
    return listed_from - timedelta(hours=settings.STRIPE_SYNC_OVERLAP_HOURS)


def months_back(moment: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier (day clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    days_in_month = (datetime(year + month // 12, month % 12 + 1, 1) - datetime(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))
