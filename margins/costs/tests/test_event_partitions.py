from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from margins.costs.partitions import (
    TABLE,
    event_partitions_maintain,
    month_start,
    months_added,
    partition_name,
    partitions,
    retention_cutoff,
)
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent, DailyRollup, EventIdempotencyKey
from margint.models import Organization

NOW = datetime.now(UTC).replace(microsecond=0)
LAST_MONTH = month_start(NOW) - timedelta(days=3)  # a moment in the previous month


def _partition_of(event_key: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {TABLE} WHERE idempotency_key = %s", [event_key]
        )
        return cursor.fetchone()[0]


def test_an_idempotency_key_is_unique_across_months(org, other_org):
    first = events_ingest(
        org=org, events=[event(now=NOW, occurredAt=LAST_MONTH.isoformat(), idempotencyKey="k-1")]
    )
    # The same key again, this time dated in the current month: another partition, still a duplicate.
    again = events_ingest(org=org, events=[event(now=NOW, occurredAt=NOW.isoformat(), idempotencyKey="k-1")])
    assert (first.accepted, again.accepted, again.duplicates) == (1, 0, 1)
    assert CostEvent.objects.filter(org=org).count() == 1
    assert sum(DailyRollup.objects.filter(org=org).values_list("request_count", flat=True)) == 1
    # An outsider's key of the same name is its own.
    outsider = events_ingest(
        org=other_org, events=[event(now=NOW, occurredAt=NOW.isoformat(), idempotencyKey="k-1")]
    )
    assert outsider.accepted == 1
    assert EventIdempotencyKey.objects.filter(idempotency_key="k-1").count() == 2


def test_events_land_in_the_partition_of_their_month(org, requires_postgres):
    events_ingest(
        org=org,
        events=[
            event(now=NOW, occurredAt=LAST_MONTH.isoformat(), idempotencyKey="old"),
            event(now=NOW, occurredAt=NOW.isoformat(), idempotencyKey="new"),
        ],
    )
    assert _partition_of("old") == partition_name(month_start(LAST_MONTH))
    assert _partition_of("new") == partition_name(month_start(NOW))


def test_an_event_older_than_the_retention_is_refused(org, settings):
    settings.COST_EVENT_RETENTION_MONTHS = 1
    result = events_ingest(
        org=org, events=[event(now=NOW, occurredAt=(NOW - timedelta(days=70)).isoformat())]
    )
    assert result.accepted == 0
    assert result.rejected[0].code == "too_old" and "retention" in result.rejected[0].message


def test_maintenance_creates_coming_months_and_drops_expired_ones_with_their_keys(
    org, requires_postgres, settings
):
    events_ingest(
        org=org, events=[event(now=NOW, occurredAt=LAST_MONTH.isoformat(), idempotencyKey="expiring")]
    )
    rollups_before = list(DailyRollup.objects.filter(org=org).values_list("cost_micro", "request_count"))
    later = months_added(month_start(NOW), 1) + timedelta(days=2)  # a month on, with one month kept
    settings.COST_EVENT_RETENTION_MONTHS = 1

    done = event_partitions_maintain(now=later)

    assert partition_name(month_start(LAST_MONTH)) in done.dropped
    assert partition_name(months_added(month_start(later), 3)) in done.created
    with connection.cursor() as cursor:
        names = {p.name for p in partitions(cursor)}
    assert partition_name(month_start(LAST_MONTH)) not in names
    assert partition_name(month_start(NOW)) in names  # the cutoff month is kept
    assert not CostEvent.objects.filter(org=org).exists()
    assert not EventIdempotencyKey.objects.filter(org=org).exists()
    # Rollups are kept forever.
    assert (
        list(DailyRollup.objects.filter(org=org).values_list("cost_micro", "request_count")) == rollups_before
    )
    assert retention_cutoff(later) == month_start(NOW)


def test_sqlite_keeps_one_table(org):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert event_partitions_maintain(now=NOW).created == []
    events_ingest(org=org, events=[event(now=NOW, occurredAt=NOW.isoformat(), idempotencyKey="one")])
    assert CostEvent.objects.filter(org=org).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_a_table_with_events_without_losing_or_duplicating_any(requires_postgres):
    executor = MigrationExecutor(connection)
    executor.migrate([("margins", "0006_unpriced_indexes")])
    try:
        org_id = Organization.objects.create(name="Converted").pk
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (org_id, customer_id, feature, provider, model, input_tokens, output_tokens,"
                " cached_input_tokens, cost_micro, priced, occurred_at, idempotency_key, tags, created_at)"
                " SELECT %s, gen_random_uuid(), '', '', 'm', 0, 0, 0, g, true, %s - g * interval '9 days',"
                " 'conv-' || g, '{}', now() FROM generate_series(1, 12) g",
                [org_id, NOW],
            )
            cursor.execute(f"SELECT count(*), sum(cost_micro), max(id) FROM {TABLE}")
            before = cursor.fetchone()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), sum(cost_micro), max(id) FROM {TABLE}")
        assert cursor.fetchone() == before
        legacy = [p for p in partitions(cursor) if p.name == f"{TABLE}_legacy"][0]
    assert legacy.start == month_start(NOW - timedelta(days=108))
    assert legacy.end == months_added(month_start(NOW), 1)
    assert EventIdempotencyKey.objects.filter(idempotency_key__startswith="conv-").count() == 12
    # The keys still hold, and new ids continue after the old ones.
    org = CostEvent.objects.filter(idempotency_key="conv-1").get().org
    again = events_ingest(
        org=org, events=[event(now=NOW, occurredAt=NOW.isoformat(), idempotencyKey="conv-1")]
    )
    fresh = events_ingest(
        org=org, events=[event(now=NOW, occurredAt=NOW.isoformat(), idempotencyKey="conv-new")]
    )
    assert (again.duplicates, fresh.accepted) == (1, 1)
    assert CostEvent.objects.get(idempotency_key="conv-new").id == before[2] + 1
