"""A table brought up to date after a few customers change is the table computed in full."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.core.cache import cache

from margins import table_cache
from margins.table_cache import clear_local_copies
from margins.tests.factories import add_cost, add_revenue, map_tag, stripe_customer, twelve_mapped_customers

pytestmark = pytest.mark.postgres
URLS = ("/api/margins?period=2026-04", "/api/margins?period=2026-04&format=csv")


@pytest.fixture
def table(requires_postgres, transactional_db, viewer, org):
    # Committed writes, as in production.
    twelve_mapped_customers(org)
    client = viewer.client()
    for url in URLS:
        client.get(url)
    return client


def in_full(client, url: str) -> bytes:
    clear_local_copies()
    cache.clear()
    return client.get(url).content


CHANGES = {
    "more cost, the row moves": lambda org: add_cost(org, "tag-0", date(2026, 4, 3), 5000),
    "revenue of a second Stripe account, which becomes the lead": lambda org: add_revenue(
        org, "cus_extra", date(2026, 4, 9), 2000
    ),
    "a customer with no activity yet": lambda org: add_cost(org, "tag-new", date(2026, 4, 5), 7),
    "activity of a mapped customer idle in the month": lambda org: (
        map_tag(org, "cus_idle", "tag-idle"),
        add_revenue(org, "cus_idle", date(2026, 3, 1), 50),
    ),
    "cost in a sparkline month only": lambda org: add_cost(org, "tag-5", date(2026, 2, 8), 80),
    "unmapped revenue": lambda org: add_revenue(org, "cus_nobody", date(2026, 4, 1), 9),
    "a refund below zero": lambda org: add_revenue(org, "cus_7", date(2026, 4, 20), -5000),
}


# A new mapping changes which customers the table has: that table is computed in full.
COMPUTED_IN_FULL = {"activity of a mapped customer idle in the month"}


@pytest.mark.parametrize("change", CHANGES)
def test_a_table_brought_up_to_date_is_the_table_computed_in_full(table, org, change, monkeypatch):
    in_full_builds = []
    build = table_cache._built_in_full
    monkeypatch.setattr(table_cache, "_built_in_full", lambda *a: in_full_builds.append(a) or build(*a))
    CHANGES[change](org)
    updated = [table.get(url).content for url in URLS]
    assert len(in_full_builds) == (len(URLS) if change in COMPUTED_IN_FULL else 0)
    assert updated == [in_full(table, url) for url in URLS]


def test_one_changed_customer_after_another(table, org):
    for i in range(4):
        add_cost(org, f"tag-{i}", date(2026, 4, 4), 700 * i)
        add_revenue(org, f"cus_{11 - i}", date(2026, 4, 4), 30)
        updated = table.get(URLS[0]).content
    rows = {row["tagValue"]: row for row in table.get(URLS[0]).json()["data"]["customers"]}
    assert rows["tag-3"]["costMicrodollars"] == 3 * 90 + 3 * 700
    assert updated == in_full(table, URLS[0])


def test_a_renamed_stripe_customer_is_shown_with_its_new_name(table, org):
    table.get(URLS[0])
    stripe_customer(org, "cus_2", name="Renamed")
    rows = {row["tagValue"]: row for row in table.get(URLS[0]).json()["data"]["customers"]}
    assert rows["tag-2"]["customerName"] == "Renamed"


def test_a_table_built_in_full_again_renders_only_the_rows_that_differ(table, org, monkeypatch):
    rendered = []
    render = table_cache._JSON.render
    counting = replace(table_cache._JSON, render=lambda row: rendered.append(row.tag_value) or render(row))
    monkeypatch.setattr(table_cache, "_JSON", counting)
    add_cost(org, "tag-fresh", date(2026, 4, 5), 700)
    map_tag(org, "cus_fresh", "tag-fresh")  # a new mapping: the table is built in full
    updated = table.get(URLS[0]).content
    assert rendered == ["tag-fresh"]
    assert updated == in_full(table, URLS[0])
