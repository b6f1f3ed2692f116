"""Fault suite, Stripe side: timeouts and dropped connections in the middle of a sync leave the
run failed with a clear error and nothing half counted; the next sync resumes to exact totals."""

from __future__ import annotations

import pytest

from billing.sync import revenue_sync_run
from billing.tests.accounts import simple_account
from billing.tests.helpers import total


def sync(org):
    run = revenue_sync_run(org=org, trigger="manual")
    run.refresh_from_db()
    return run


@pytest.mark.parametrize("fault", ["timeout", "disconnect", "truncated", "server_error"])
def test_a_fault_mid_sync_loses_nothing_and_counts_nothing_twice(
    org, connection, stripe_account, stripe_server, settings, fault
):
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    simple_account(stripe_account, invoices=250)
    faults = stripe_server.faults
    {
        "timeout": lambda: faults.slow(1.0, "/v1/invoices", nth=2, times=None),
        "disconnect": lambda: faults.disconnect("/v1/invoices", nth=2, times=None),
        "truncated": lambda: faults.truncated_body("/v1/invoices", nth=2, times=None),
        "server_error": lambda: faults.server_error(503, "/v1/invoices", nth=2, times=None),
    }[fault]()

    failed = sync(org)
    assert failed.status == "failed" and failed.error
    assert total(org) == 100 * 10_000_000  # the first page, whole; nothing of the second

    faults.clear()
    resumed = sync(org)
    assert resumed.status == "succeeded"
    assert total(org) == 250 * 10_000_000
    assert sync(org).status == "succeeded" and total(org) == 250 * 10_000_000
