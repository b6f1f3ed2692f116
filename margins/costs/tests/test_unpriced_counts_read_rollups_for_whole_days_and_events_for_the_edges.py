"""queries.unpriced_event_counts: whole UTC days from the rollups, the hours around them from raw events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margins.costs.queries import UnpricedCount, unpriced_event_counts
from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.models import Customer, DailyRollup

NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def stored(org, other_org):
    times = [at(10, 5, 30), at(10, 6), at(11, 0), at(12, 10, 30), at(12, 23, 59), at(13, 0)]
    events = [
        event(now=NOW, occurredAt=t.isoformat(), provider="acme", model="house-v2", costMicrodollars=None)
        for t in times
    ]
    events_ingest(org=org, events=events, now=NOW)
    events_ingest(org=other_org, events=events, now=NOW)


def counted(org, start, end) -> tuple[list[UnpricedCount], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        counts = unpriced_event_counts(org=org, start=start, end=end)
    tables = ["rollup" if "margins_dailyrollup" in q["sql"] else "events" for q in queries.captured_queries]
    return counts, tables


def test_whole_days_are_read_from_the_rollups_alone(org, stored):
    counts, tables = counted(org, at(11, 0), at(13, 0))
    assert (counts, tables) == ([UnpricedCount("acme", "house-v2", 3)], ["rollup"])


def test_the_hours_around_whole_days_are_read_from_raw_events(org, stored):
    counts, tables = counted(org, at(10, 6), at(13, 1))
    assert (counts, tables) == ([UnpricedCount("acme", "house-v2", 5)], ["rollup", "events"])


def test_a_range_within_one_day_reads_raw_events_alone(org, stored):
    counts, tables = counted(org, at(12, 10), at(12, 11))
    assert (counts, tables) == ([UnpricedCount("acme", "house-v2", 1)], ["events"])


def test_the_rollups_count_is_what_a_whole_day_reports(org):
    customer = Customer.objects.create(org=org, external_id="c", first_seen_at=NOW, last_seen_at=NOW)
    DailyRollup.objects.create(
        org=org, customer=customer, day=date(2026, 3, 11), model="m", provider="p", unpriced_count=3
    )
    DailyRollup.objects.create(org=org, customer=customer, day=date(2026, 3, 11), model="n", request_count=9)
    assert unpriced_event_counts(org=org, start=at(11, 0), end=at(12, 0)) == [UnpricedCount("p", "m", 3)]


def test_no_unpriced_events_no_counts(org, other_org, stored):
    assert unpriced_event_counts(org=org, start=at(14, 0), end=at(17, 5)) == []
