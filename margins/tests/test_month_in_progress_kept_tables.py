"""The kept and shared margin tables (margins/table_cache.py) of a month in progress: brought up to
date, they are the table computed in full, and a new day counts without any input changing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margins import table_cache
from margins.tests.factories import add_cost, add_revenue
from margins.tests.month_data import DEC, M, month_of_data
from margins.tests.test_table_updates import in_full

pytestmark = pytest.mark.postgres
URLS = (f"/api/margins?period={DEC}", f"/api/margins?period={DEC}&format=csv")
SIXTH = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def table(requires_postgres, transactional_db, viewer, org, clock_at):
    # Committed writes, as in production.
    month_of_data(org, DEC, SIXTH.date())
    add_revenue(org, "cus_nobody", date(2026, 11, 3), M)  # a Stripe customer mapped to no tag
    clock_at(SIXTH)
    client = viewer.client()
    for url in URLS:
        client.get(url)
    return client


CHANGES = {
    "cost today": lambda org: add_cost(org, "acme", date(2026, 12, 6), 5 * M),
    "revenue on a counted day": lambda org: add_revenue(org, "cus_late", date(2026, 12, 2), 2 * M),
    "revenue on a day still to come": lambda org: add_revenue(org, "cus_acme", date(2026, 12, 20), 9 * M),
    "unmapped revenue to come": lambda org: add_revenue(org, "cus_nobody", date(2026, 12, 28), 4 * M),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_kept_table_brought_up_to_date_is_the_table_computed_in_full(table, org, change, monkeypatch):
    in_full_builds = []
    build = table_cache._built_in_full
    monkeypatch.setattr(table_cache, "_built_in_full", lambda *a: in_full_builds.append(a) or build(*a))
    CHANGES[change](org)
    updated = [table.get(url).content for url in URLS]
    assert in_full_builds == []  # brought up to date, not computed again
    assert updated == [in_full(table, url) for url in URLS]


def test_revenue_to_come_changes_the_projection_only(table, org):
    add_revenue(org, "cus_acme", date(2026, 12, 20), 9 * M)
    body = table.get(URLS[0]).json()["data"]
    acme = {row["tagValue"]: row for row in body["customers"]}["acme"]
    assert (acme["revenueMicrodollars"], acme["projectedRevenueMicrodollars"]) == (6 * M, 40 * M)
    assert body["summary"]["projectedRevenueMicrodollars"] == 57 * M
    assert body["summary"]["unmatchedRevenueMicrodollars"] == 0


def test_the_next_day_counts_one_more_day_with_nothing_else_changed(table, org, clock_at):
    clock_at(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    body = table.get(URLS[0]).json()["data"]
    acme = {row["tagValue"]: row for row in body["customers"]}["acme"]
    assert (body["summary"]["asOf"], acme["revenueMicrodollars"]) == ("2026-12-07", 7 * M)
    assert table.get(URLS[0]).content == in_full(table, URLS[0])
