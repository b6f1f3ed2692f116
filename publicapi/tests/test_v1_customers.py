"""GET /api/v1/customers, /api/v1/customers/{externalId} and /api/v1/costs/overview: exact figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache

from margins.models import Customer
from publicapi.tests.factories import add_cost, add_revenue, map_tag
from publicapi.tests.key_helpers import key_for, keyed_client


@pytest.fixture
def spine(org, other_org, frozen_now):
    """Today is 2026-03-18: the 7d window is 03-12..03-18, the previous one 03-05..03-11."""
    map_tag(org, "cus_a", "acme")
    map_tag(org, "cus_b", "acme")
    add_cost(org, "acme", date(2026, 3, 12), 5_000)  # half a cent: rounds to 0
    add_cost(org, "acme", date(2026, 3, 13), 2_000_000)
    add_cost(org, "acme", date(2026, 3, 18), 15_000, feature="search", model="gpt-4o-mini")  # 1.5 → 2
    add_cost(org, "acme", date(2026, 3, 11), 1_000_000)
    add_cost(org, "acme", date(2026, 3, 5), 250_000)
    add_cost(org, "acme", date(2025, 12, 19), 10_000)  # first day of the 90d window
    add_cost(org, "acme", date(2025, 12, 18), 20_000)  # last day of the previous 90d window
    add_revenue(org, "cus_a", date(2026, 3, 15), 3_000_000)
    add_revenue(org, "cus_b", date(2026, 3, 18), 1_000_000)
    add_revenue(org, "cus_a", date(2026, 3, 8), 1_000_000)
    add_cost(org, "beta", date(2026, 3, 14), 333_333)
    add_cost(org, "gamma", date(2026, 2, 1), 40_000)
    add_revenue(org, "cus_z", date(2026, 3, 16), 700_000)  # mapped to nobody
    add_cost(other_org, "acme", date(2026, 3, 18), 99_000_000)
    add_cost(other_org, "rival-only", date(2026, 3, 18), 1_000_000)


def _rows(response):
    assert response.status_code == 200, response.content
    return {row["externalId"]: row for row in response.json()["data"]}


def test_seven_day_rows_have_exact_cents_margins_states_and_daily_spark(api, org, spine):
    response = api.get("/api/v1/customers?range=7d")
    assert [row["externalId"] for row in response.json()["data"]] == ["acme", "beta", "gamma"]
    acme = _rows(response)["acme"]
    assert acme == {
        "id": str(Customer.objects.get(org=org, external_id="acme").pk),  # the dashed form on every database
        "externalId": "acme",
        "name": None,
        "email": None,
        "stripeCustomerId": "cus_a",
        "stripeCustomerIds": ["cus_a", "cus_b"],
        "mrrCents": 500,
        "mrrSource": "invoices",
        "costCents": 202,
        "previousCostCents": 125,
        "revenueCents": 400,
        "previousRevenueCents": 100,
        "marginCents": 198,
        "previousMarginCents": -25,
        "marginPercent": 49.5,
        "previousMarginPercent": -25.0,
        "marginState": "moderate",
        "previousMarginState": "critical",
        "spark": [0, 200, 0, 0, 0, 0, 2],
    }


def test_unmapped_and_idle_customers_are_listed_with_their_state(api, spine):
    rows = _rows(api.get("/api/v1/customers?range=7d"))
    beta, gamma = rows["beta"], rows["gamma"]
    assert (beta["costCents"], beta["marginCents"], beta["marginPercent"]) == (33, -33, 0.0)
    assert (beta["marginState"], beta["previousMarginState"]) == ("critical", "inactive")
    assert (beta["stripeCustomerId"], beta["mrrCents"], beta["mrrSource"]) == (None, 0, "none")
    assert (gamma["costCents"], gamma["marginState"], gamma["spark"]) == (0, "inactive", [0] * 7)


def test_thirty_day_spark_has_one_bucket_per_day(api, spine):
    acme = _rows(api.get("/api/v1/customers?range=30d"))["acme"]
    assert len(acme["spark"]) == 30
    assert acme["spark"][-8:] == [100, 0, 200, 0, 0, 0, 0, 2]  # 03-11, then 03-12..03-18
    assert acme["spark"][-14] == 25  # 03-05
    assert (acme["costCents"], acme["previousCostCents"]) == (327, 0)


def test_ninety_day_spark_has_thirteen_buckets_on_iso_weeks(api, spine):
    rows = _rows(api.get("/api/v1/customers?range=90d"))
    # 03-18 is a Wednesday: [03-16, 03-19) this week so far, [03-09, 03-16), ... eleven whole weeks
    # back to [12-29, 01-05), and the oldest holds the rest of the 90 days, 12-19..12-28.
    assert rows["acme"]["spark"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 300, 2]
    assert rows["gamma"]["spark"] == [0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]  # 02-01 in [01-26, 02-02)
    assert rows["acme"]["previousCostCents"] == 2


def test_features_limit_cost_to_those_features(api, spine):
    rows = _rows(api.get("/api/v1/customers?range=7d&features=search,%20voice"))
    assert (rows["acme"]["costCents"], rows["acme"]["previousCostCents"]) == (2, 0)
    assert rows["acme"]["spark"] == [0, 0, 0, 0, 0, 0, 2]
    assert rows["acme"]["revenueCents"] == 400  # revenue is never filtered by feature
    assert rows["beta"]["costCents"] == 0


def test_default_range_is_thirty_days(api, spine):
    assert len(_rows(api.get("/api/v1/customers"))["acme"]["spark"]) == 30


@pytest.mark.parametrize("query", ["range=14d", "range=", "range=7D"])
def test_a_bad_range_is_a_validation_error(api, spine, query):
    response = api.get(f"/api/v1/customers?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "range" in error["details"]["fields"]


def test_other_organizations_customers_never_appear(api, outsider_api, spine):
    assert set(_rows(api.get("/api/v1/customers?range=7d"))) == {"acme", "beta", "gamma"}
    theirs = _rows(outsider_api.get("/api/v1/customers?range=7d"))
    assert set(theirs) == {"acme", "rival-only"}
    assert theirs["acme"]["costCents"] == 9900


def test_customer_detail_has_the_row_and_breakdowns(api, spine):
    response = api.get("/api/v1/customers/acme?range=7d")
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["costCents"], data["marginCents"], data["spark"]) == (202, 198, [0, 200, 0, 0, 0, 0, 2])
    assert data["byFeature"] == [
        {"feature": "chat", "costCents": 200, "requestCount": 2},  # 200.5 cents: half to even
        {"feature": "search", "costCents": 2, "requestCount": 1},
    ]
    assert data["byModel"] == [
        {"model": "gpt-4o", "costCents": 200, "requestCount": 2},
        {"model": "gpt-4o-mini", "costCents": 2, "requestCount": 1},
    ]
    assert data["byProvider"] == [{"provider": "openai", "costCents": 202, "requestCount": 3}]


def test_customer_detail_of_an_unknown_or_foreign_customer_is_not_found(api, outsider_api, spine):
    for client, external_id in ((api, "nobody"), (outsider_api, "beta")):
        response = client.get(f"/api/v1/customers/{external_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert response.json()["error"]["message"] == "Customer not found."


def test_customer_detail_validates_the_range(api, spine):
    assert api.get("/api/v1/customers/acme?range=1y").status_code == 400


def test_overview_totals_sit_beside_the_previous_window(api, spine):
    response = api.get("/api/v1/costs/overview?range=7d")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "range": "7d",
        "from": "2026-03-12",
        "to": "2026-03-19",
        "costCents": 235,
        "previousCostCents": 125,
        "revenueCents": 470,
        "previousRevenueCents": 100,
        "marginCents": 235,
        "previousMarginCents": -25,
        "marginPercent": 49.93,
        "previousMarginPercent": -25.0,
        "customerCount": 2,
        "previousCustomerCount": 1,
        "unprofitableCount": 0,
        "previousUnprofitableCount": 1,
        "unattributedCostCents": 33,
        "previousUnattributedCostCents": 0,
        "unmatchedRevenueCents": 70,
        "previousUnmatchedRevenueCents": 0,
    }


def test_overview_of_another_org_does_not_count_this_one(outsider_api, spine):
    data = outsider_api.get("/api/v1/costs/overview?range=7d").json()["data"]
    assert (data["costCents"], data["revenueCents"], data["customerCount"]) == (10000, 0, 2)


def test_overview_validates_the_range(api, spine):
    response = api.get("/api/v1/costs/overview?range=365d")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_customer_count(api, org, frozen_now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int) -> int:
        for index in range(count):
            add_cost(org, f"c{count}-{index}", date(2026, 3, 17), 1_000 * index)
            map_tag(org, f"cus_{count}_{index}", f"c{count}-{index}")
        cache.clear()
        api.get("/api/v1/budgets")  # puts the key in the verified-key cache
        with CaptureQueriesContext(connection) as queries:
            rows = len(api.get("/api/v1/customers?range=90d").json()["data"])
        return rows, len(queries)

    rows, few = queries_for(3)
    assert rows == 3 and few <= 8
    assert queries_for(30) == (33, few)


def test_list_and_overview_show_new_cost_at_the_next_request(api, org, spine):
    api.get("/api/v1/customers?range=7d")
    before = api.get("/api/v1/costs/overview?range=7d").json()["data"]["costCents"]
    add_cost(org, "beta", date(2026, 3, 18), 10_000_000)
    assert _rows(api.get("/api/v1/customers?range=7d"))["beta"]["costCents"] == 1033
    assert api.get("/api/v1/costs/overview?range=7d").json()["data"]["costCents"] == before + 1000


def test_an_answer_computed_as_midnight_passes_is_not_kept_as_the_next_days(api, spine, monkeypatch):
    # The window ends with the day of the view's one reading of the clock, even when midnight (UTC)
    # passes while the answer is computed.
    api.get("/api/v1/budgets")  # the key verified and its use recorded: the view reads the clock first
    # The first reading of the clock is the day's last microsecond; every later one is midnight.
    readings = iter([datetime(2026, 3, 18, 23, 59, 59, 999_999, tzinfo=UTC)])
    midnight = datetime(2026, 3, 19, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: next(readings, midnight))
    late = api.get("/api/v1/costs/overview?range=7d").json()["data"]
    after = api.get("/api/v1/costs/overview?range=7d").json()["data"]
    assert (late["from"], late["to"]) == ("2026-03-12", "2026-03-19")
    assert (after["from"], after["to"]) == ("2026-03-13", "2026-03-20")


def test_a_mapped_customer_with_revenue_but_no_cost_is_a_row_with_cost_zero(
    api, outsider_api, org, frozen_now
):
    map_tag(org, "cus_rev", "revenue-only")
    add_revenue(org, "cus_rev", date(2026, 3, 16), 2_000_000)
    rows = {r["externalId"]: r for r in api.get("/api/v1/customers?range=7d").json()["data"]}
    assert rows["revenue-only"]["costCents"] == 0 and rows["revenue-only"]["revenueCents"] == 200
    detail = api.get("/api/v1/customers/revenue-only?range=7d")
    assert detail.status_code == 200 and detail.json()["data"]["id"] == rows["revenue-only"]["id"]
    assert outsider_api.get("/api/v1/customers/revenue-only?range=7d").status_code == 404


def test_responses_name_the_reporting_currency_their_amounts_are_in(api, org, other_org, spine):
    assert api.get("/api/v1/customers?period=7d")["Margint-Reporting-Currency"] == "USD"
    other_org.reporting_currency = "eur"
    other_org.save()
    outsider = keyed_client(key_for(other_org))
    assert outsider.get("/api/v1/customers?period=7d")["Margint-Reporting-Currency"] == "EUR"


def test_an_unauthenticated_response_names_no_currency(client):
    assert "Margint-Reporting-Currency" not in client.get("/api/v1/customers")
