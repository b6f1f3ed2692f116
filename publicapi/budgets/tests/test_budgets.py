"""Budgets over the API: create, list, delete, and the budget check, computed on every call."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margins.costs.tests.ingestion_helpers import event
from margint.services import organization_update_settings
from publicapi.budgets.models import Budget
from publicapi.budgets.selectors import budget_statuses
from publicapi.budgets.services import budget_create
from publicapi.tests.factories import add_cost


def _create(client, **body):
    return client.post("/api/v1/budgets", body, format="json")


def test_a_customer_budget_is_created_in_cents_and_listed(api, org, frozen_now):
    response = _create(
        api,
        scope="customer",
        customer="acme",
        monthlyLimitCents=12_345,
        action="block",
        thresholds=[90, 50, 90],
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data == {
        "id": data["id"],
        "scope": "customer",
        "customer": "acme",
        "feature": None,
        "monthlyLimitCents": 12_345,
        "action": "block",
        "thresholds": [50, 90],
        "createdAt": "2026-03-18T15:00:00.000Z",
    }
    assert Budget.objects.get(pk=data["id"]).monthly_limit_micro == 123_450_000
    assert api.get("/api/v1/budgets").json() == {"data": [data]}


def test_defaults_are_a_warning_at_eighty_percent(api):
    data = _create(api, scope="feature", feature="chat", monthlyLimitCents=100).json()["data"]
    assert (data["action"], data["thresholds"], data["customer"]) == ("warn", [80], None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "customer", "monthlyLimitCents": 100}, "customer"),
        ({"scope": "customer_feature", "customer": "acme", "monthlyLimitCents": 100}, "feature"),
        ({"scope": "workspace", "feature": "chat", "monthlyLimitCents": 100}, "feature"),
        ({"scope": "feature", "feature": "chat", "customer": "acme", "monthlyLimitCents": 100}, "customer"),
        ({"scope": "galaxy", "monthlyLimitCents": 100}, "scope"),
        ({"scope": "workspace", "monthlyLimitCents": 0}, "monthlyLimitCents"),
        ({"scope": "workspace"}, "monthlyLimitCents"),
        ({"scope": "workspace", "monthlyLimitCents": 100, "action": "explode"}, "action"),
        ({"scope": "workspace", "monthlyLimitCents": 100, "thresholds": [100]}, "thresholds"),
        ({"scope": "workspace", "monthlyLimitCents": 100, "thresholds": [0]}, "thresholds"),
    ],
)
def test_an_invalid_budget_is_a_validation_error_naming_the_field(api, org, body, field):
    response = api.post("/api/v1/budgets", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"]
    assert not Budget.objects.filter(org=org).exists()


def test_a_budget_is_deleted_with_the_write_scope(api, org):
    budget_id = _create(api, scope="workspace", monthlyLimitCents=100).json()["data"]["id"]
    assert api.delete(f"/api/v1/budgets/{budget_id}").status_code == 204
    assert not Budget.objects.filter(pk=budget_id).exists()
    assert api.delete(f"/api/v1/budgets/{budget_id}").status_code == 404


@pytest.mark.parametrize("budget_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_deleting_an_unknown_budget_is_not_found(api, budget_id):
    response = api.delete(f"/api/v1/budgets/{budget_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_org_can_neither_see_nor_delete_the_budgets(api, outsider_api, org):
    budget_id = _create(api, scope="workspace", monthlyLimitCents=100).json()["data"]["id"]
    assert outsider_api.get("/api/v1/budgets").json() == {"data": []}
    response = outsider_api.delete(f"/api/v1/budgets/{budget_id}")
    assert response.status_code == 404
    assert Budget.objects.filter(pk=budget_id, org=org).exists()


@pytest.fixture
def spend(org, other_org, frozen_now):
    """Month to date (2026-03-01..03-18): acme 4.00 chat + 1.00 search, beta 2.00 chat."""
    add_cost(org, "acme", date(2026, 3, 2), 4_000_000, feature="chat")
    add_cost(org, "acme", date(2026, 3, 18), 1_000_000, feature="search")
    add_cost(org, "acme", date(2026, 2, 28), 9_000_000, feature="chat")  # last month
    add_cost(org, "beta", date(2026, 3, 10), 2_000_000, feature="chat")
    add_cost(other_org, "acme", date(2026, 3, 3), 50_000_000, feature="search")


@pytest.fixture
def budgets(org, spend):
    return {
        "workspace": budget_create(
            org=org, scope="workspace", monthly_limit_micro=100_000_000, action="warn", thresholds=[5]
        ),
        "customer": budget_create(
            org=org, scope="customer", customer="acme", monthly_limit_micro=5_000_000, action="block"
        ),
        "feature": budget_create(
            org=org, scope="feature", feature="chat", monthly_limit_micro=10_000_000, action="warn"
        ),
        "customer_feature": budget_create(
            org=org,
            scope="customer_feature",
            customer="acme",
            feature="search",
            monthly_limit_micro=2_000_000,
            action="block",
            thresholds=[50],
        ),
    }


def _by_id(items):
    return {item["budgetId"]: item for item in items}


def test_an_exceeded_block_budget_refuses_and_names_every_figure(api, budgets):
    response = api.get("/api/v1/budgets/check?customer=acme&feature=search")
    assert response.status_code == 200
    body = response.json()
    customer = {
        "budgetId": str(budgets["customer"].pk),
        "scope": "customer",
        "customer": "acme",
        "feature": None,
        "action": "block",
        "limitCents": 500,
        "spentCents": 500,
        "percent": 100.0,
        "threshold": 80,
        "exceeded": True,
        "spendRateCentsPerDay": 28,  # 5.00 over 18 days
        "projectedExhaustionDate": "2026-03-18",
    }
    workspace = {
        "budgetId": str(budgets["workspace"].pk),
        "scope": "workspace",
        "customer": None,
        "feature": None,
        "action": "warn",
        "limitCents": 10_000,
        "spentCents": 700,
        "percent": 7.0,
        "threshold": 5,
        "exceeded": False,
        "spendRateCentsPerDay": 39,
        "projectedExhaustionDate": None,  # 240 more days at this rate
    }
    pair = {
        "budgetId": str(budgets["customer_feature"].pk),
        "scope": "customer_feature",
        "customer": "acme",
        "feature": "search",
        "action": "block",
        "limitCents": 200,
        "spentCents": 100,
        "percent": 50.0,
        "threshold": 50,
        "exceeded": False,
        "spendRateCentsPerDay": 6,
        "projectedExhaustionDate": None,  # 04-05, after March
    }
    assert body["allowed"] is False
    assert body["reason"] == "monthly_limit_exceeded"
    assert body["breaches"] == [customer]
    assert _by_id(body["warnings"]) == _by_id([workspace, pair])
    assert _by_id(body["budgets"]) == _by_id([customer, workspace, pair])
    assert (body["customer"], body["feature"], body["month"]) == ("acme", "search", "2026-03")
    assert body["checkedAt"] == "2026-03-18T15:00:00.000Z"


def test_a_customer_within_every_block_budget_is_allowed_with_warnings(api, budgets):
    body = api.get("/api/v1/budgets/check?customer=beta").json()
    assert body["allowed"] is True
    assert "reason" not in body and "breaches" not in body
    assert [w["budgetId"] for w in body["warnings"]] == [str(budgets["workspace"].pk)]
    assert [b["scope"] for b in body["budgets"]] == ["workspace"]


def test_feature_budgets_count_every_customers_spend_on_the_feature(api, budgets):
    body = api.get("/api/v1/budgets/check?customer=beta&feature=chat").json()
    feature = _by_id(body["budgets"])[str(budgets["feature"].pk)]
    assert (feature["spentCents"], feature["percent"], feature["threshold"]) == (600, 60.0, None)
    assert body["allowed"] is True


def test_without_budgets_everything_is_allowed(api, spend):
    body = api.get("/api/v1/budgets/check?customer=acme&feature=chat").json()
    assert (body["allowed"], body["warnings"], body["budgets"]) == (True, [], [])


@pytest.mark.parametrize("query", ["", "customer=", "feature=chat", f"customer={'x' * 256}"])
def test_the_check_needs_a_customer(api, query):
    response = api.get(f"/api/v1/budgets/check?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_another_orgs_budgets_never_apply(outsider_api, budgets):
    body = outsider_api.get("/api/v1/budgets/check?customer=acme&feature=search").json()
    assert (body["allowed"], body["budgets"]) == (True, [])


def test_a_check_after_an_ingest_sees_it_whatever_the_budgets_scope(api, org, budgets):
    url = "/api/v1/budgets/check?customer=acme&feature=search"
    ids = {scope: str(budget.pk) for scope, budget in budgets.items()}
    before = _by_id(api.get(url).json()["budgets"])
    assert [before[ids[scope]]["spentCents"] for scope in ("workspace", "customer", "customer_feature")] == [
        700,
        500,
        100,
    ]
    batch = [event(customer="acme", feature="search", costMicrodollars=500_000, idempotencyKey="k1")]
    response = api.post("/api/v1/events", {"events": batch}, format="json")
    assert response.status_code == 202, response.content
    after = _by_id(api.get(url).json()["budgets"])
    assert [after[ids[scope]]["spentCents"] for scope in ("workspace", "customer", "customer_feature")] == [
        750,
        550,
        150,
    ]
    other = _by_id(api.get("/api/v1/budgets/check?customer=beta&feature=chat").json()["budgets"])
    assert other[ids["workspace"]]["spentCents"] == 750  # another customer's check sees it too


def test_a_workspace_block_budget_refuses_at_once_when_the_checked_customers_spend_crosses_it(
    api, org, spend
):
    budget_create(org=org, scope="workspace", monthly_limit_micro=7_500_000, action="block")
    url = "/api/v1/budgets/check?customer=beta"
    assert api.get(url).json()["allowed"] is True
    add_cost(org, "beta", date(2026, 3, 18), 500_000, feature="chat")
    assert api.get(url).json()["allowed"] is False


def test_the_check_reads_as_many_queries_whatever_the_customer_count(api, org, budgets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_with(count: int) -> int:
        for index in range(count):
            add_cost(org, f"c{count}-{index}", date(2026, 3, 17), 1_000, feature="search")
        api.get("/api/v1/budgets/check?customer=acme&feature=search")
        with CaptureQueriesContext(connection) as queries:
            api.get("/api/v1/budgets/check?customer=acme&feature=search")
        return len(queries)

    assert queries_with(3) == queries_with(30)


def test_the_spend_of_every_applying_budget_is_read_in_one_query(org, budgets, django_assert_num_queries):
    today = date(2026, 3, 18)
    with django_assert_num_queries(1):  # the budgets with the org's and acme's spend
        statuses = budget_statuses(org=org, customer="acme", feature="search", today=today)
    spent = {status.rule.scope: status.spent for status in statuses}
    assert spent == {"workspace": 7_000_000, "customer": 5_000_000, "customer_feature": 1_000_000}
    with django_assert_num_queries(1):
        statuses = budget_statuses(org=org, customer="newcomer", feature="chat", today=today)
    assert {status.rule.scope: status.spent for status in statuses} == {
        "workspace": 7_000_000,
        "feature": 6_000_000,
    }


def test_a_check_under_no_budget_finds_no_status(org, spend, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert budget_statuses(org=org, customer="acme", feature="search", today=date(2026, 3, 18)) == []


def test_creating_or_deleting_a_budget_changes_the_next_answer(api, org, spend):
    url = "/api/v1/budgets/check?customer=acme"
    assert api.get(url).json()["allowed"] is True
    budget_id = _create(api, scope="customer", customer="acme", monthlyLimitCents=100, action="block").json()
    assert api.get(url).json()["allowed"] is False
    assert api.delete(f"/api/v1/budgets/{budget_id['data']['id']}").status_code == 204
    assert api.get(url).json()["allowed"] is True


def test_budgets_changed_in_the_admin_change_the_next_answer(api, org, spend, rf):
    from django.contrib import admin

    budget_admin = admin.site._registry[Budget]
    url = "/api/v1/budgets/check?customer=acme"
    budget = Budget(
        org=org, scope="customer", customer_external_id="acme", monthly_limit_micro=1, action="block"
    )
    assert api.get(url).json()["allowed"] is True
    budget_admin.save_model(rf.post("/admin/"), budget, form=None, change=False)
    assert api.get(url).json()["allowed"] is False
    budget_admin.delete_queryset(rf.post("/admin/"), Budget.objects.filter(pk=budget.pk))
    assert api.get(url).json()["allowed"] is True


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "customer", "This field is required."),
        ("customer=%20", "customer", "This field may not be blank."),
        ("customer=a%00b", "customer", "Null characters are not allowed."),
        (
            f"customer=acme&feature={'f' * 129}",
            "feature",
            "Ensure this field has no more than 128 characters.",
        ),
    ],
)
def test_check_parameters_are_refused_in_the_validation_shape(api, query, field, message):
    response = api.get(f"/api/v1/budgets/check?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": f"{field}: {message}",
        "details": {"fields": {field: [message]}},
    }


def test_the_check_trims_its_parameters(api, budgets):
    body = api.get("/api/v1/budgets/check?customer=%20acme%20&feature=search%20").json()
    assert (body["customer"], body["feature"], body["allowed"]) == ("acme", "search", False)


def test_a_change_of_reporting_currency_converts_the_limits_not_relabels_them(
    org, other_org, clock_at, fx_rates
):
    clock_at(datetime(2026, 1, 10, 12, tzinfo=UTC))  # a Saturday: Friday the 9th's 1 EUR = 1.1750 USD
    mine = budget_create(org=org, scope="workspace", monthly_limit_micro=100_000_000, action="block")
    theirs = budget_create(org=other_org, scope="workspace", monthly_limit_micro=100_000_000, action="block")

    organization_update_settings(org=org, reporting_currency="eur")

    # $100 / 1.1750 = €85.106382978... -> 85_106_383 micro-EUR.
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.monthly_limit_micro, theirs.monthly_limit_micro) == (85_106_383, 100_000_000)
