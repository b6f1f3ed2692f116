"""Racing requests on a real PostgreSQL: the unique constraint decides, rollups stay exact."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from margins.costs.rollups import rollups_check
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event, totals
from margins.models import CostEvent, CustomerDailyCost, DailyRollup

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(org, batches):
    """Ingest each batch in its own thread (own connection), all released at the same moment."""
    barrier = threading.Barrier(len(batches))
    results, errors = [None] * len(batches), []

    def work(i, batch):
        try:
            barrier.wait()
            results[i] = events_ingest(org=org, events=batch)
        except Exception as exc:  # reported below; a thread cannot fail the test by itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, b)) for i, b in enumerate(batches)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def batch(keys, cost_of=lambda k: 100 + k):
    now = timezone.now()
    return [
        event(
            customer=f"cus_{k % 7}",
            feature=("chat", "search")[k % 2],
            costMicrodollars=cost_of(k),
            occurredAt=(now - timedelta(hours=k % 40)).isoformat(),
            idempotencyKey=f"key-{k}",
        )
        for k in keys
    ]


def test_two_concurrent_requests_with_the_same_keys_store_each_event_once(requires_postgres, org):
    events = batch(range(300))
    first, second = run_together(org, [events, list(reversed(events))])
    assert first.accepted + second.accepted == 300
    assert first.duplicates + second.duplicates == 300
    expected_cost = sum(100 + k for k in range(300))
    assert totals(org) == {
        "events": 300,
        "cost": expected_cost,
        "rollup_requests": 300,
        "rollup_cost": expected_cost,
        "daily_requests": 300,
        "daily_cost": expected_cost,
    }


def test_rollups_equal_raw_sums_after_concurrent_overlapping_ingestion_and_a_rebuild(requires_postgres, org):
    rounds = [
        [batch(range(0, 400)), batch(range(200, 600)), batch(range(100, 500))[::-1], batch(range(550, 700))]
        for _ in range(2)
    ]
    accepted = 0
    for batches in rounds:
        accepted += sum(r.accepted for r in run_together(org, batches))
    assert accepted == 700
    assert CostEvent.objects.filter(org=org).count() == 700

    check = rollups_check(org=org)
    assert check.mismatches == ()
    before = sorted(
        DailyRollup.objects.filter(org=org).values_list("customer_id", "day", "feature", "cost_micro")
    )
    out = StringIO()
    call_command("check_rollups", "--org", org.public_id, stdout=out)
    assert out.getvalue().startswith("Rollups match the raw events: 1 organizations")

    DailyRollup.objects.filter(org=org).update(cost_micro=0)  # damage them, then rebuild from the facts
    CustomerDailyCost.objects.filter(org=org).delete()
    call_command("rebuild_rollups", "--org", org.public_id, stdout=StringIO())
    after = sorted(
        DailyRollup.objects.filter(org=org).values_list("customer_id", "day", "feature", "cost_micro")
    )
    assert after == before
    assert rollups_check(org=org).mismatches == ()
    assert totals(org)["daily_cost"] == sum(100 + k for k in range(700))
