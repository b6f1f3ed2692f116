"""One sync per org at a time, refused by the database itself (PostgreSQL, two threads)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection as db_connection

from billing.models import SyncRun
from billing.sync import SyncAlreadyRunning, revenue_sync_run
from billing.tests.accounts import simple_account
from billing.tests.helpers import total


def _in_thread(results: dict, name: str, work) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = work()
        except SyncAlreadyRunning as refused:
            results[name] = refused
        finally:
            db_connection.close()  # each thread has its own database connection

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _when_claimed(org):
    def work():
        deadline = time.monotonic() + 10
        while not SyncRun.objects.filter(org=org, status="running").exists():
            assert time.monotonic() < deadline, "the first sync never claimed its run"
            time.sleep(0.02)
        return revenue_sync_run(org=org, trigger="cron")

    return work


@pytest.mark.postgres
def test_two_syncs_at_once_one_runs_and_the_other_is_refused(
    requires_postgres, transactional_db, org, connection, stripe_account, stripe_server
):
    simple_account(stripe_account, invoices=5)
    # The first sync waits on Stripe while holding its claim.
    stripe_server.faults.slow(1.5, "/v1/customers")
    results: dict = {}

    threads = [
        _in_thread(results, "first", lambda: revenue_sync_run(org=org, trigger="manual")),
        _in_thread(results, "second", _when_claimed(org)),
    ]
    for thread in threads:
        thread.join(timeout=30)

    assert results["first"].status == "succeeded"
    assert isinstance(results["second"], SyncAlreadyRunning)
    assert results["second"].run_id == results["first"].pk
    assert SyncRun.objects.filter(org=org).count() == 1
    assert total(org) == 5 * 10_000_000
