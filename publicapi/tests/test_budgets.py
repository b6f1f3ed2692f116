"""Budgets over the API: create, list, delete, and the budget check with its cache."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from publicapi.budgets import budget_create, cache_version, version_key
from publicapi.models import Budget
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
        "createdAt": "2026-03-18T15:00:00Z",
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
    assert body["checkedAt"] == "2026-03-18T15:00:00Z"


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


def test_cache_version_reads_zero_until_bumped(org):
    assert cache_version(org.public_id, "acme") == 0
    cache.set(version_key(org.public_id, "acme"), 0, None)
    cache.incr(version_key(org.public_id, "acme"))
    assert cache_version(org.public_id, "acme") == 1
    assert cache_version(org.public_id, "beta") == 0


def test_the_answer_is_cached_until_the_customers_version_is_bumped(api, org, budgets):
    url = "/api/v1/budgets/check?customer=acme&feature=search"
    pair = str(budgets["customer_feature"].pk)
    assert _by_id(api.get(url).json()["budgets"])[pair]["spentCents"] == 100
    add_cost(org, "acme", date(2026, 3, 18), 500_000, feature="search")
    assert _by_id(api.get(url).json()["budgets"])[pair]["spentCents"] == 100
    cache.set(version_key(org.public_id, "acme"), 1, None)  # what ingestion does when acme's events land
    assert _by_id(api.get(url).json()["budgets"])[pair]["spentCents"] == 150
    add_cost(org, "acme", date(2026, 3, 18), 1_000_000, feature="search")
    cache.incr(version_key(org.public_id, "acme"))
    body = api.get(url).json()
    assert _by_id(body["budgets"])[pair]["spentCents"] == 250
    assert body["allowed"] is False  # the pair's block budget is now spent, as well as acme's


def test_workspace_and_feature_spend_are_shared_by_every_customers_check_for_a_minute(api, org, budgets):
    workspace, feature = str(budgets["workspace"].pk), str(budgets["feature"].pk)
    first = _by_id(api.get("/api/v1/budgets/check?customer=acme&feature=chat").json()["budgets"])
    add_cost(org, "beta", date(2026, 3, 18), 1_000_000, feature="chat")
    cache.set(version_key(org.public_id, "beta"), 1, None)
    second = _by_id(api.get("/api/v1/budgets/check?customer=beta&feature=chat").json()["budgets"])
    assert (first[workspace]["spentCents"], second[workspace]["spentCents"]) == (700, 700)
    assert (first[feature]["spentCents"], second[feature]["spentCents"]) == (600, 600)
    cache.clear()  # the minute is over
    third = _by_id(api.get("/api/v1/budgets/check?customer=beta&feature=chat").json()["budgets"])
    assert (third[workspace]["spentCents"], third[feature]["spentCents"]) == (800, 700)


def test_a_cached_answer_reads_no_database(api, org, budgets, django_assert_num_queries):
    url = "/api/v1/budgets/check?customer=acme&feature=search"
    first = api.get(url).json()
    with django_assert_num_queries(0):
        assert api.get(url).json() == first


def test_creating_or_deleting_a_budget_refreshes_cached_answers(api, org, spend):
    url = "/api/v1/budgets/check?customer=acme"
    assert api.get(url).json()["allowed"] is True
    budget_id = _create(api, scope="customer", customer="acme", monthlyLimitCents=100, action="block").json()
    assert api.get(url).json()["allowed"] is False
    assert api.delete(f"/api/v1/budgets/{budget_id['data']['id']}").status_code == 204
    assert api.get(url).json()["allowed"] is True


def test_budgets_changed_in_the_admin_refresh_cached_answers(api, org, spend, rf):
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


def test_ingestions_bump_refreshes_that_customers_cached_check(api, org, budgets):
    from publicapi.budget_versions import customers_ingested

    url = "/api/v1/budgets/check?customer=acme&feature=search"
    pair = str(budgets["customer_feature"].pk)
    assert _by_id(api.get(url).json()["budgets"])[pair]["spentCents"] == 100
    add_cost(org, "acme", date(2026, 3, 18), 500_000, feature="search")
    assert _by_id(api.get(url).json()["budgets"])[pair]["spentCents"] == 100
    customers_ingested(org.public_id, ["acme"])
    assert cache_version(org.public_id, "acme") == 1
    assert _by_id(api.get(url).json()["budgets"])[pair]["spentCents"] == 150
