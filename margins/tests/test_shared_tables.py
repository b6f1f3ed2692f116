"""A table another process shared, adopted and brought up to date, is the table computed in full."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from billing.services import stripe_disconnect
from margins import shared_copies, table_cache
from margins.models import Customer, CustomerDailyCost
from margins.table_cache import clear_local_copies
from margins.tests.factories import add_cost, add_revenue, map_tag, stripe_customer, twelve_mapped_customers
from margins.tests.shared_cache import failing_caches, hear_cache_warnings, recorded_shares

pytestmark = pytest.mark.postgres
URLS = ("/api/margins?period=2026-04", "/api/margins?period=2026-04&format=csv")


@pytest.fixture
def shared(requires_postgres, transactional_db, viewer, org, other_org):
    """A process built both tables (and shared them); committed writes, as in production."""
    twelve_mapped_customers(org)
    add_cost(other_org, "tag-1", date(2026, 4, 2), 5)
    client = viewer.client()
    for url in URLS:
        client.get(url)
    return client


@pytest.fixture
def builds(monkeypatch):
    """What each request computed: "in full", or the set of tag values computed again."""
    seen = []
    in_full, rows_of = table_cache._built_in_full, table_cache.margin_rows_of

    def recording_in_full(*args):
        seen.append("in full")
        return in_full(*args)

    def recording_rows_of(**kwargs):
        seen.append(set(kwargs["tags"]))
        return rows_of(**kwargs)

    monkeypatch.setattr(table_cache, "_built_in_full", recording_in_full)
    monkeypatch.setattr(table_cache, "margin_rows_of", recording_rows_of)
    return seen


def in_a_new_process() -> None:
    """A process started anew keeps nothing of its own, while the cache keeps what others shared."""
    clear_local_copies()


def first_requests(client) -> list[bytes]:
    """Each table as the first request of a new process answers it."""
    bodies = []
    for url in URLS:
        in_a_new_process()
        bodies.append(client.get(url).content)
    return bodies


def in_full(client) -> list[bytes]:
    bodies = []
    for url in URLS:
        clear_local_copies()
        cache.clear()
        bodies.append(client.get(url).content)
    return bodies


def more_cost(org):
    add_cost(org, "tag-0", date(2026, 4, 3), 5000)
    add_cost(org, "tag-5", date(2026, 2, 8), 80)  # a sparkline month only


def delete_a_customer(org):
    # Its monthly rows go with it: nothing is left to read as a change.
    CustomerDailyCost.objects.filter(org=org, customer__external_id="tag-4").delete()
    Customer.objects.filter(org=org, external_id="tag-4").delete()


def stricter_thresholds(org):
    org.healthy_threshold += 5
    org.save(update_fields=["healthy_threshold"])


# change -> the tag values that must be computed again, or "in full".
CHANGES = {
    "new cost of two customers": (more_cost, {"tag-0", "tag-5"}),
    "a customer with no mapping yet": (
        lambda org: add_cost(org, "tag-new", date(2026, 4, 5), 7),
        {"tag-new"},
    ),
    "revenue of a second Stripe account": (
        lambda org: add_revenue(org, "cus_extra", date(2026, 4, 9), 2000),
        {"tag-3"},
    ),
    "unmapped revenue": (lambda org: add_revenue(org, "cus_nobody", date(2026, 4, 1), 9), set()),
    "a refund below zero": (lambda org: add_revenue(org, "cus_7", date(2026, 4, 20), -5000), {"tag-7"}),
    "a new mapping": (lambda org: map_tag(org, "cus_new", "tag-new"), "in full"),
    "a renamed Stripe customer": (lambda org: stripe_customer(org, "cus_2", name="Renamed"), "in full"),
    "a Stripe disconnect": (lambda org: stripe_disconnect(org=org), "in full"),
    "a deleted customer and its monthly rows": (delete_a_customer, "in full"),
    "new thresholds": (stricter_thresholds, "in full"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_an_adopted_table_brought_up_to_date_is_the_table_computed_in_full(shared, org, builds, change):
    make, computed_again = CHANGES[change]
    make(org)
    adopted = first_requests(shared)
    if computed_again == "in full":
        assert builds == ["in full", "in full"]
    else:
        # Customers written while another transaction of the cluster was running are named again
        # (margins/totals.py): the changed ones at least, and never the table in full.
        assert "in full" not in builds
        assert len(builds) == len(URLS)
        assert all(computed_again <= tags for tags in builds)
    assert adopted == in_full(shared)


def test_the_adopted_copy_is_brought_up_to_date_like_a_kept_one(shared, org, builds):
    add_cost(org, "tag-0", date(2026, 4, 3), 5000)
    in_a_new_process()
    shared.get(URLS[0])
    for i in range(3):
        add_cost(org, f"tag-{i + 6}", date(2026, 4, 4), 700 * i)
        add_revenue(org, f"cus_{11 - i}", date(2026, 4, 4), 30)
        updated = shared.get(URLS[0]).content
    assert "in full" not in builds
    assert {"tag-8", "tag-9"} <= builds[-1]
    assert updated == in_full(shared)[0]


def test_another_orgs_writes_never_reach_the_adopted_table(shared, org, other_org, builds):
    add_cost(other_org, "tag-2", date(2026, 4, 3), 1_000_000)
    add_revenue(other_org, "cus_2", date(2026, 4, 3), 2_000_000)
    add_cost(org, "tag-1", date(2026, 4, 3), 10)
    adopted = first_requests(shared)
    assert "in full" not in builds
    assert adopted == in_full(shared)


def test_an_unchanged_table_is_served_from_the_cache_without_adopting(shared, builds):
    in_a_new_process()
    assert shared.get(URLS[0]).status_code == 200
    assert builds == []


# change -> what the second format's table computes again, compared with the shared totals.
COMPARED = {
    "new cost of two customers": (more_cost, {"tag-0", "tag-5"}),
    "a deleted customer and its monthly rows": (delete_a_customer, {"tag-4"}),
    "a new mapping": (lambda org: map_tag(org, "cus_new", "tag-new"), "in full"),
}


@pytest.mark.parametrize("change", COMPARED)
def test_a_process_that_keeps_the_months_totals_compares_them_with_the_shared_ones(
    shared, org, builds, change
):
    make, computed_again = COMPARED[change]
    make(org)
    in_a_new_process()
    json_body = shared.get(URLS[0]).content  # adopts the shared totals with the JSON table
    # The CSV table in the same process: the totals are kept already and cannot be adopted again,
    # so the amounts that differ from the ones the shared table followed name what changed.
    csv_body = shared.get(URLS[1]).content
    assert builds[-1] == computed_again
    assert [json_body, csv_body] == in_full(shared)


@pytest.fixture
def shares(monkeypatch):
    """The scopes' payloads each share put in the cache, in order."""
    return recorded_shares(monkeypatch)


def test_a_table_is_shared_when_built_in_full_then_at_most_once_a_minute(
    shared, org, builds, shares, monkeypatch
):
    in_a_new_process()
    cache.clear()
    shared.get(URLS[0])
    assert builds == ["in full"] and len(shares) == 1
    add_cost(org, "tag-0", date(2026, 4, 3), 5000)
    shared.get(URLS[0])
    assert len(shares) == 1  # changed, but shared less than a minute ago
    monkeypatch.setattr(shared_copies, "SHARE_SECONDS", 0)
    add_cost(org, "tag-1", date(2026, 4, 3), 6000)
    latest = shared.get(URLS[0]).content
    assert len(shares) == 2
    monkeypatch.setattr(shared_copies, "SHARE_SECONDS", 60)
    in_a_new_process()
    add_cost(org, "tag-2", date(2026, 4, 3), 7000)
    adopted = shared.get(URLS[0]).content
    assert "in full" not in builds[1:]
    assert len(shares) == 2  # an adopted copy counts as just shared
    assert adopted != latest
    assert adopted == in_full(shared)[0]


@failing_caches
def test_a_failing_cache_only_means_nothing_is_shared(
    shared, org, builds, settings, backend, caplog, monkeypatch
):
    hear_cache_warnings(caplog, monkeypatch)
    add_cost(org, "tag-0", date(2026, 4, 3), 5000)
    expected = in_full(shared)
    builds.clear()
    settings.CACHES = {"default": backend}
    answered = first_requests(shared)
    add_cost(org, "tag-1", date(2026, 4, 3), 10)
    in_a_new_process()
    again = shared.get(URLS[0]).content
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert builds == ["in full"] * 3
    assert answered == expected
    assert again == in_full(shared)[0]
    assert "the shared margin tables are unavailable" in caplog.text
