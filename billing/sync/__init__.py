"""Revenue sync: read one org's Stripe account into the mirrors and the revenue tables.

One sync per org at a time: the claim is inserting a running SyncRun, which the partial unique
constraint "one running per org" refuses for a second one (compare-and-set in the database).
Phases run in order; each reads Stripe page by page and writes each page in one transaction
that also saves the run's cursor and progress, so a run that fails (after the gateway's retries)
leaves every page before the failure counted and none after it: the next run resumes from the
cursor. The first sync reads 12 months back; later ones read what was created since the last
successful sync, minus an overlap window.

- `runs`: claiming a run (the compare-and-set), starting it here or in a task, and its cursor.
- `runner`: the phases of one run, page by page, and its ending.
"""

from __future__ import annotations

from billing.sync.runner import DONE, PHASE_WEIGHTS, PHASES, SyncRunner
from billing.sync.runs import (
    StripeNotConnected,
    SyncAlreadyRunning,
    months_back,
    revenue_sync_run,
    revenue_sync_start,
    sync_run_claim,
    sync_run_execute,
)

__all__ = [
    "DONE",
    "PHASES",
    "PHASE_WEIGHTS",
    "StripeNotConnected",
    "SyncAlreadyRunning",
    "SyncRunner",
    "months_back",
    "revenue_sync_run",
    "revenue_sync_start",
    "sync_run_claim",
    "sync_run_execute",
]
