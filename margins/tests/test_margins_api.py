"""GET /api/margins (JSON) and GET /api/margins/<customer>: the document's fields, and who may see them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from django.urls import Resolver404, resolve

from margins import apis
from margins.tests.factories import (
    StripeConnectionFactory,
    add_cost,
    add_revenue,
    add_unconverted,
    map_tag,
    stripe_customer,
)

M = 1_000_000
ROW_FIELDS = [
    "stripeCustomerId",
    "customerName",
    "avatarUrl",
    "tagValue",
    "revenueMicrodollars",
    "costMicrodollars",
    "marginMicrodollars",
    "marginPercent",
    "healthTier",
    "sparkline",
    "projectedTierWorsening",
    "budgetSuggestionMicrodollars",
    "projectedRevenueMicrodollars",
    "projectedCostMicrodollars",
    "projectedMarginPercent",
    "projectedHealthTier",
]
NO_PROJECTION = dict.fromkeys(ROW_FIELDS[-4:])


@pytest.fixture
def acme(org):
    """The document's example customer, three months of history, plus a critical one."""
    StripeConnectionFactory(org=org, last_synced_at=datetime(2026, 4, 5, 10, 0, tzinfo=UTC))
    add_unconverted(org, "cus_eu", date(2026, 4, 3), 3 * M, "eur")
    map_tag(org, "cus_abc123", "acme-corp", name="Acme Corp")
    for month, cost in ((2, 35), (3, 32), (4, 30)):
        add_revenue(org, "cus_abc123", date(2026, month, 1), 100 * M)
        add_cost(org, "acme-corp", date(2026, month, 2), cost * 2 // 3 * M, model="gpt-4o", requests=150)
        add_cost(
            org,
            "acme-corp",
            date(2026, month, 3),
            (cost * M) - (cost * 2 // 3 * M),
            model="gpt-4o-mini",
            feature="search",
            requests=800,
        )
    map_tag(org, "cus_burn", "burner", name="Burner LLC")
    add_revenue(org, "cus_burn", date(2026, 4, 10), 10 * M)
    add_cost(org, "burner", date(2026, 4, 11), 12 * M)
    add_cost(org, "nobody-mapped", date(2026, 4, 11), 3 * M)
    add_revenue(org, "cus_orphan", date(2026, 4, 11), 7 * M)
    return org


def test_table_json_has_every_documented_field(viewer, acme):
    response = viewer.client().get("/api/margins?period=2026-04")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()["data"]
    assert list(body) == ["summary", "customers"]
    assert list(body["summary"])[:8] == [
        "blendedMarginPercent",
        "totalRevenueMicrodollars",
        "totalCostMicrodollars",
        "criticalCount",
        "atRiskCount",
        "lastSyncAt",
        "syncStatus",
        "skippedCurrencies",
    ]
    assert body["summary"] == {
        "blendedMarginPercent": 61.82,  # (110 - 42) / 110
        "totalRevenueMicrodollars": 110 * M,
        "totalCostMicrodollars": 42 * M,
        "criticalCount": 1,
        "atRiskCount": 0,
        "unattributedCostMicrodollars": 3 * M,
        "unmatchedRevenueMicrodollars": 7 * M,
        "lastSyncAt": "2026-04-05T10:00:00.000Z",
        "syncStatus": "active",
        "skippedCurrencies": {"eur": 3 * M},
        "asOf": "2026-04-30",
        "isPartial": False,
        **NO_PROJECTION,
    }
    burner, acme_row = body["customers"]
    assert list(acme_row) == ROW_FIELDS
    assert acme_row == {
        "stripeCustomerId": "cus_abc123",
        "customerName": "Acme Corp",
        "avatarUrl": None,
        "tagValue": "acme-corp",
        "revenueMicrodollars": 100 * M,
        "costMicrodollars": 30 * M,
        "marginMicrodollars": 70 * M,
        "marginPercent": 70.0,
        "healthTier": "healthy",
        "sparkline": [
            {"period": "2026-02", "marginPercent": 65.0},
            {"period": "2026-03", "marginPercent": 68.0},
            {"period": "2026-04", "marginPercent": 70.0},
            {"period": "2026-05", "marginPercent": 72.67, "projected": True},
        ],
        "projectedTierWorsening": False,
        "budgetSuggestionMicrodollars": None,
        **NO_PROJECTION,
    }
    assert (burner["tagValue"], burner["healthTier"], burner["marginPercent"]) == (
        "burner",
        "critical",
        -20.0,
    )
    assert burner["budgetSuggestionMicrodollars"] == 5 * M
    assert burner["sparkline"] == [{"period": "2026-04", "marginPercent": -20.0}]


def test_period_defaults_to_the_current_utc_month(viewer, org, clock_at):
    # The month's last moment: the test and the view read the same clock, so it cannot turn between.
    today = clock_at(datetime(2026, 5, 31, 23, 59, 59, 999_999, tzinfo=UTC)).date()
    map_tag(org, "cus_now", "now-tag")
    add_cost(org, "now-tag", today, 5)
    add_cost(org, "now-tag", date(today.year - 1, today.month, 1), 7)
    add_cost(org, "now-tag", date(2026, 6, 1), 11)  # the next month
    body = viewer.client().get("/api/margins").json()["data"]
    assert [(c["tagValue"], c["costMicrodollars"]) for c in body["customers"]] == [("now-tag", 5)]


@pytest.mark.parametrize("period", ["2026-13", "26-04", "abc", "2026-4", "", "2026-04-01"])
def test_a_period_that_is_not_yyyy_mm_is_a_validation_error(viewer, period):
    for path in ("/api/margins", "/api/margins/acme-corp"):
        response = viewer.client().get(path, {"period": period})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"] == {"field": "period", "value": period}


def test_an_unknown_format_is_a_validation_error(viewer):
    response = viewer.client().get("/api/margins", {"format": "xml"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"field": "format", "value": "xml"}


def test_empty_month_has_a_zero_summary(viewer, org):
    body = viewer.client().get("/api/margins?period=2030-01").json()["data"]
    assert body["customers"] == []
    assert body["summary"]["blendedMarginPercent"] == 0.0
    assert (body["summary"]["lastSyncAt"], body["summary"]["syncStatus"]) == (None, "not_connected")


def test_customer_detail_has_the_row_six_months_and_breakdowns(viewer, acme):
    response = viewer.client().get("/api/margins/acme-corp?period=2026-04")
    assert response.status_code == 200
    body = response.json()["data"]
    assert list(body) == [
        *ROW_FIELDS,
        "asOf",
        "isPartial",
        "revenueOverTime",
        "modelBreakdown",
        "featureBreakdown",
    ]
    assert (body["stripeCustomerId"], body["customerName"], body["tagValue"]) == (
        "cus_abc123",
        "Acme Corp",
        "acme-corp",
    )
    assert (body["healthTier"], body["marginPercent"]) == ("healthy", 70.0)
    assert (body["revenueMicrodollars"], body["costMicrodollars"]) == (100 * M, 30 * M)
    assert body["revenueOverTime"] == [
        {"period": "2025-11", "revenue": 0, "cost": 0},
        {"period": "2025-12", "revenue": 0, "cost": 0},
        {"period": "2026-01", "revenue": 0, "cost": 0},
        {"period": "2026-02", "revenue": 100 * M, "cost": 35 * M},
        {"period": "2026-03", "revenue": 100 * M, "cost": 32 * M},
        {"period": "2026-04", "revenue": 100 * M, "cost": 30 * M},
    ]
    assert body["modelBreakdown"] == [
        {"model": "gpt-4o", "cost": 20 * M, "requestCount": 150},
        {"model": "gpt-4o-mini", "cost": 10 * M, "requestCount": 800},
    ]
    assert body["featureBreakdown"] == [
        {"feature": "chat", "cost": 20 * M, "requestCount": 150},
        {"feature": "search", "cost": 10 * M, "requestCount": 800},
    ]


def test_customer_tag_value_is_url_decoded(viewer, org):
    tag = "team/alpha beta?x=1&y#%"
    map_tag(org, "cus_odd", tag, name="Odd")
    add_cost(org, tag, date(2026, 4, 1), 4 * M)
    response = viewer.client().get(f"/api/margins/{quote(tag, safe='')}?period=2026-04")
    assert response.status_code == 200
    assert (response.json()["data"]["tagValue"], response.json()["data"]["costMicrodollars"]) == (tag, 4 * M)


def test_mapped_customer_without_activity_in_the_period_has_no_tier(viewer, acme):
    body = viewer.client().get("/api/margins/acme-corp?period=2026-06").json()["data"]
    assert (body["revenueMicrodollars"], body["costMicrodollars"], body["healthTier"]) == (0, 0, None)
    assert body["sparkline"] == [{"period": "2026-04", "marginPercent": 70.0}]
    assert body["modelBreakdown"] == []


def test_unmapped_tag_is_not_found(viewer, acme):
    response = viewer.client().get("/api/margins/nobody-mapped?period=2026-04")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_unmatched_queue_path_is_never_a_customer_detail():
    # GET /api/margins/unmatched belongs to the mappings app, included after or before margins.
    assert resolve("/api/margins/unmatched-co").func.__name__ == apis.margin_customer.__name__
    try:
        match = resolve("/api/margins/unmatched")
    except Resolver404:  # until the mappings app routes it
        match = None
    assert match is None or match.url_name != resolve("/api/margins/unmatched-co").url_name


# Who may see it


def test_anonymous_gets_401(anon, db):
    for path in ("/api/margins", "/api/margins?format=csv", "/api/margins/acme-corp"):
        response = anon.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_required"


def test_free_tier_gets_403_with_an_upgrade_pointer(free_admin):
    for path in ("/api/margins", "/api/margins?format=csv", "/api/margins/acme-corp"):
        response = free_admin.client().get(path)
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "forbidden"
        assert error["details"]["upgradeUrl"] == "/upgrade/"


def test_every_role_of_a_pro_org_may_read(admin, member, viewer, acme):
    for persona in (admin, member, viewer):
        assert persona.client().get("/api/margins?period=2026-04").status_code == 200


def test_outsider_sees_only_their_own_org(outsider, acme):
    body = outsider.client().get("/api/margins?period=2026-04").json()["data"]
    assert body["customers"] == []
    assert body["summary"]["totalRevenueMicrodollars"] == 0
    assert body["summary"]["unattributedCostMicrodollars"] == 0
    response = outsider.client().get("/api/margins/acme-corp?period=2026-04")
    assert response.status_code == 404
    csv_body = outsider.client().get("/api/margins?period=2026-04&format=csv").content.decode()
    assert "acme" not in csv_body.lower()


@pytest.mark.postgres
def test_a_cached_table_changes_as_soon_as_its_data_does(requires_postgres, transactional_db, org, viewer):
    map_tag(org, "cus_a", "acme", name="Customer A")
    add_revenue(org, "cus_a", date(2026, 4, 1), 100)
    add_cost(org, "acme", date(2026, 4, 1), 5)
    client = viewer.client()

    def acme_row() -> tuple[int, str]:
        row = client.get("/api/margins?period=2026-04").json()["data"]["customers"][0]
        return row["costMicrodollars"], row["healthTier"]

    assert acme_row() == (5, "healthy")
    assert acme_row() == (5, "healthy")
    add_cost(org, "acme", date(2026, 4, 1), 2)  # the same day and month rows, updated
    assert acme_row() == (7, "healthy")
    org.healthy_threshold = 94
    org.save()
    assert acme_row() == (7, "moderate")
    # A suggestion confirmed, a customer renamed: both show at once.
    suggestion = map_tag(org, "cus_b", "beta", status="suggested", name="Beta")
    add_cost(org, "beta", date(2026, 4, 1), 50)

    def names() -> list[tuple[str, str]]:
        rows = client.get("/api/margins?period=2026-04").json()["data"]["customers"]
        return [(r["tagValue"], r["customerName"]) for r in rows]

    assert names() == [("acme", "Customer A")]
    suggestion.status = "confirmed"
    suggestion.save()
    stripe_customer(org, "cus_a", name="Acme Renamed")
    assert names() == [("beta", "Beta"), ("acme", "Acme Renamed")]


def _customers(org, count: int) -> None:
    StripeConnectionFactory(org=org)
    for i in range(count):
        map_tag(org, f"cus_{i}", f"tag-{i}", name=f"Customer {i}")
        add_revenue(org, f"cus_{i}", date(2026, 4, 2), 100 + i)
        add_cost(org, f"tag-{i}", date(2026, 4, 2), 20 + i)


@pytest.mark.parametrize("count", [3, 30])
def test_the_table_endpoint_makes_a_fixed_number_of_queries(viewer, org, count, django_assert_num_queries):
    _customers(org, count)
    client = viewer.client()
    client.get("/api/me")  # the session's own queries are not the table's
    # Session, user and membership (3); the mapped customers' monthly revenue and cost and the org's
    # monthly totals (3, margins/selectors/month_amounts.py); the sync state for the summary (3).
    with django_assert_num_queries(3 + 3 + 3):
        response = client.get("/api/margins?period=2026-04")
    assert len(response.json()["data"]["customers"]) == count


def test_every_request_computes_from_the_latest_totals(viewer, org, django_assert_num_queries):
    _customers(org, 3)
    client = viewer.client()
    client.get("/api/margins?period=2026-04")
    add_cost(org, "tag-0", date(2026, 4, 2), 1000)  # the same day row, updated
    with django_assert_num_queries(3 + 3 + 3):
        row = client.get("/api/margins?period=2026-04").json()["data"]["customers"]
    assert {r["tagValue"]: r["costMicrodollars"] for r in row}["tag-0"] == 1020
