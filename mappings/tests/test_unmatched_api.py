"""GET /api/margins/unmatched: nothing synced goes unattributed without showing up here."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, resolve
from django.utils import timezone

from billing import selectors as billing_selectors
from mappings import apis
from mappings.selectors import counting_mappings, lookback_window, unmatched_queue
from mappings.tests.factories import CustomerMappingFactory, StripeCustomerFactory
from margins.costs import selectors as cost_selectors
from margins.tests.factories import CostCustomerFactory, add_cost, add_revenue
from margint import urls as root_urls

URL = "/api/margins/unmatched"
# The last moment of a day: the test and the API read this one clock, so the 90-day window the
# fixtures are laid out in is the one the API reads, whenever the tests run.
NOW = datetime(2026, 3, 18, 23, 59, 59, 999_999, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(clock_at):
    clock_at(NOW)


def _today():
    return timezone.now().date()


@pytest.fixture
def synced(org, other_org):
    """Both sides of one org, inside and outside the 90-day window, in every mapping state."""
    today = _today()
    first_day, last_day = today - timedelta(days=89), today
    before, after = today - timedelta(days=90), today + timedelta(days=1)

    add_revenue(org, "cus_mapped", last_day, 100_000_000, name="Acme Corp")
    add_revenue(org, "cus_pending", first_day, 50_000_000, name="Delta LLC")
    add_revenue(org, "cus_suggested", last_day, 30_000_000, name="BetaCo", email="billing@beta.co")
    add_revenue(org, "cus_free", first_day, 20_000_000, name="Zed", email="z@zed.io")
    add_revenue(org, "cus_free", before, 999_000_000)  # a day too early
    add_revenue(org, "cus_free", after, 7_000_000)  # recognized later (prepaid period), not yet
    add_revenue(org, "cus_refund", last_day, -4_000_000)
    deleted = add_revenue(org, "cus_deleted", last_day, 5_000_000)
    deleted.deleted = True
    deleted.save()
    StripeCustomerFactory(org=org, stripe_id="cus_quiet")
    StripeCustomerFactory(org=org, stripe_id="cus_gone_quiet", deleted=True)
    add_revenue(other_org, "cus_rival", last_day, 123_000_000, name="Rival")

    CustomerMappingFactory(org=org, stripe_customer_id="cus_mapped", tag_value="acme")
    CustomerMappingFactory(
        org=org,
        stripe_customer_id="cus_pending",
        tag_value="delta",
        match_type="auto",
        confidence=Decimal("0.900"),
        status="pending",
    )
    CustomerMappingFactory(
        org=org,
        stripe_customer_id="cus_suggested",
        tag_value="beta",
        match_type="auto",
        confidence=Decimal("0.613"),
        status="suggested",
    )

    add_cost(org, "acme", last_day, 30_000_000, requests=100)
    add_cost(org, "delta", first_day, 1_000_000, requests=10)
    add_cost(org, "gamma", last_day, 15_000_000, requests=150)
    add_cost(org, "gamma", first_day, 0, requests=50, model="gpt-4o-mini")
    add_cost(org, "beta", last_day, 2_000_000, requests=20)
    old = add_cost(org, "old", before, 9_000_000, requests=9)
    old.first_seen_at = old.last_seen_at = datetime.combine(before, time(23, 59), tzinfo=UTC)
    old.save()
    CostCustomerFactory(org=org, external_id="quiet-tag")  # seen now, no cost yet
    add_cost(other_org, "rival-tag", last_day, 77_000_000)
    return org


def test_unmatched_lists_what_no_counting_mapping_covers_largest_first(viewer, synced):
    response = viewer.client().get(URL)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["unmatchedStripeCustomers"] == [
        {
            "stripeCustomerId": "cus_suggested",
            "customerName": "BetaCo",
            "customerEmail": "billing@beta.co",
            "totalRevenueMicrodollars": 30_000_000,
        },
        {
            "stripeCustomerId": "cus_free",
            "customerName": "Zed",
            "customerEmail": "z@zed.io",
            "totalRevenueMicrodollars": 20_000_000,
        },
        {
            "stripeCustomerId": "cus_deleted",
            "customerName": None,
            "customerEmail": None,
            "totalRevenueMicrodollars": 5_000_000,
        },
        {
            "stripeCustomerId": "cus_quiet",
            "customerName": None,
            "customerEmail": None,
            "totalRevenueMicrodollars": 0,
        },
        {
            "stripeCustomerId": "cus_refund",
            "customerName": None,
            "customerEmail": None,
            "totalRevenueMicrodollars": -4_000_000,
        },
    ]
    assert data["unmappedTagValues"] == [
        {"tagValue": "gamma", "totalCostMicrodollars": 15_000_000, "requestCount": 200},
        {"tagValue": "beta", "totalCostMicrodollars": 2_000_000, "requestCount": 20},
        {"tagValue": "quiet-tag", "totalCostMicrodollars": 0, "requestCount": 0},
    ]
    pending = data["pendingAutoMatches"]
    assert [
        (p["stripeCustomerId"], p["customerName"], p["tagValue"], p["confidence"], p["status"])
        for p in pending
    ] == [
        ("cus_pending", "Delta LLC", "delta", 0.9, "pending"),
        ("cus_suggested", "BetaCo", "beta", 0.613, "suggested"),
    ]
    assert all(
        set(p) == {"id", "stripeCustomerId", "customerName", "tagValue", "confidence", "status"}
        for p in pending
    )
    assert data["customerNames"] == {
        "cus_mapped": "Acme Corp",
        "cus_pending": "Delta LLC",
        "cus_suggested": "BetaCo",
        "cus_free": "Zed",
    }
    today = _today()
    assert data["lookback"] == {
        "days": 90,
        "start": (today - timedelta(days=89)).isoformat(),
        "end": (today + timedelta(days=1)).isoformat(),
    }


def test_unmatched_totals_equal_the_synced_revenue_and_cost_without_a_counting_mapping(viewer, synced):
    start, end = lookback_window(as_of=timezone.now())
    links = counting_mappings(org=synced)
    counted_stripe = {m.stripe_customer_id for m in links}
    counted_tags = {m.tag_value for m in links}

    data = viewer.client().get(URL).json()["data"]

    synced_revenue = billing_selectors.revenue_by_customer(org=synced, start=start, end=end)
    synced_cost = cost_selectors.cost_by_customer(org=synced, start=start, end=end)
    unattributed_revenue = sum(v for sid, v in synced_revenue.items() if sid not in counted_stripe)
    unattributed_cost = sum(t.cost_micro for tag, t in synced_cost.items() if tag not in counted_tags)
    unattributed_requests = sum(t.request_count for tag, t in synced_cost.items() if tag not in counted_tags)
    assert (
        sum(c["totalRevenueMicrodollars"] for c in data["unmatchedStripeCustomers"]) == unattributed_revenue
    )
    assert sum(t["totalCostMicrodollars"] for t in data["unmappedTagValues"]) == unattributed_cost
    assert sum(t["requestCount"] for t in data["unmappedTagValues"]) == unattributed_requests
    # And in plain numbers: revenue 30 + 20 + 5 − 4 = 51 of 201 synced; cost 15 + 2 = 17 of 48.
    assert (unattributed_revenue, sum(synced_revenue.values())) == (51_000_000, 201_000_000)
    assert (unattributed_cost, sum(t.cost_micro for t in synced_cost.values())) == (17_000_000, 48_000_000)


def test_a_tag_mapped_from_two_stripe_customers_is_attributed_once(viewer):
    today = _today()
    org = viewer.org
    add_revenue(org, "cus_us", today, 10)
    add_revenue(org, "cus_eu", today, 20)
    add_cost(org, "acme", today, 7)
    for sid in ("cus_us", "cus_eu"):
        CustomerMappingFactory(org=org, stripe_customer_id=sid, tag_value="acme")

    data = viewer.client().get(URL).json()["data"]

    assert (data["unmatchedStripeCustomers"], data["unmappedTagValues"]) == ([], [])


def test_outsider_sees_only_their_own_queue(outsider, synced):
    data = outsider.client().get(URL).json()["data"]
    assert data["unmatchedStripeCustomers"] == [
        {
            "stripeCustomerId": "cus_rival",
            "customerName": "Rival",
            "customerEmail": None,
            "totalRevenueMicrodollars": 123_000_000,
        }
    ]
    assert data["unmappedTagValues"] == [
        {"tagValue": "rival-tag", "totalCostMicrodollars": 77_000_000, "requestCount": 1}
    ]
    assert (data["pendingAutoMatches"], data["customerNames"]) == ([], {"cus_rival": "Rival"})


def test_the_queue_reads_a_fixed_number_of_queries_whatever_the_size(org):
    today = _today()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            unmatched_queue(org=org, as_of=timezone.now())
        return len(captured)

    add_revenue(org, "cus_0", today, 1)
    add_cost(org, "tag-0", today, 1)
    small = queries()
    for n in range(1, 30):
        add_revenue(org, f"cus_{n}", today, n)
        add_cost(org, f"tag-{n}", today, n)
        CustomerMappingFactory(org=org, stripe_customer_id=f"cus_x{n}", match_type="auto", status="suggested")
    assert (small, queries()) == (6, 6)


def test_the_literal_unmatched_path_is_matched_before_any_margins_pattern():
    assert resolve(URL).func is apis.unmatched
    includes = [
        getattr(p.urlconf_name, "__name__", None) for p in root_urls.urlpatterns if isinstance(p, URLResolver)
    ]
    assert includes.index("mappings.urls") < includes.index("margins.urls")
