"""Who may call the public API: both key headers, 401 without a valid key, scopes, tiers, rate limits."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from publicapi.budgets.models import Budget
from publicapi.keys import api_key_create, api_key_revoke, api_key_verify
from publicapi.tests.factories import add_cost
from publicapi.tests.key_helpers import key_for, keyed_client

READS = [
    "/api/v1/customers",
    "/api/v1/customers/acme",
    "/api/v1/costs/overview",
    "/api/v1/budgets",
    "/api/v1/budgets/check?customer=acme",
    "/v0/profitability?merchantId={merchant}&from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z",
]
BUDGET = {"scope": "workspace", "monthlyLimitCents": 10_000, "action": "block"}


def _url(template: str, org) -> str:
    return template.format(merchant=org.public_id)


@pytest.fixture
def acme(org, frozen_now):
    add_cost(org, "acme", date(2026, 3, 2), 1_000)


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
@pytest.mark.parametrize("template", READS)
def test_every_read_answers_with_either_key_header(org, acme, header, template):
    response = keyed_client(key_for(org), header).get(_url(template, org))
    assert response.status_code == 200, response.content
    assert response["X-RateLimit-Limit"] == "120"


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_budget_writes_answer_with_either_key_header(org, header):
    client = keyed_client(key_for(org), header)
    created = client.post("/api/v1/budgets", BUDGET, format="json")
    assert created.status_code == 201
    assert client.delete(f"/api/v1/budgets/{created.json()['data']['id']}").status_code == 204


@pytest.mark.parametrize("template", READS)
@pytest.mark.parametrize(
    "client_kwargs",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer mk_live_" + "x" * 40},
        {"HTTP_X_API_KEY": "not-a-key"},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ],
    ids=["missing", "unknown", "malformed", "wrong-scheme"],
)
def test_without_a_valid_key_every_endpoint_is_401(org, template, client_kwargs):
    response = APIClient(**client_kwargs).get(_url(template, org))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_required"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_key_is_refused_at_once_although_it_was_cached(org):
    minted = api_key_create(org=org, name="soon revoked")
    client = keyed_client(minted.secret)
    assert client.get("/api/v1/budgets").status_code == 200  # now in the verified-key cache
    api_key_revoke(api_key=minted.api_key)
    assert client.get("/api/v1/budgets").status_code == 401
    assert client.post("/api/v1/budgets", BUDGET, format="json").status_code == 401


def test_a_cached_key_costs_no_query(org, django_assert_num_queries):
    secret = key_for(org)
    assert api_key_verify(secret) is not None
    with django_assert_num_queries(0):
        key = api_key_verify(secret)
    assert key.org == org


def test_a_read_only_key_reads_but_cannot_change_budgets(org, read_only_api):
    budget = Budget.objects.create(org=org, scope="workspace", monthly_limit_micro=1, action="warn")
    assert read_only_api.get("/api/v1/budgets").status_code == 200
    created = read_only_api.post("/api/v1/budgets", BUDGET, format="json")
    deleted = read_only_api.delete(f"/api/v1/budgets/{budget.pk}")
    assert (created.status_code, deleted.status_code) == (403, 403)
    assert created.json()["error"] == {
        "code": "forbidden",
        "message": "This API key lacks the 'write' scope.",
        "details": {},
    }
    assert Budget.objects.filter(org=org).count() == 1


def test_a_write_only_key_cannot_read(org):
    client = keyed_client(key_for(org, scopes=("write",), name="writer"))
    assert client.get("/api/v1/customers").status_code == 403
    assert client.post("/api/v1/budgets", BUDGET, format="json").status_code == 201


@pytest.mark.parametrize("template", READS)
def test_a_free_organization_gets_403_with_an_upgrade_pointer(free_org, free_api, template):
    response = free_api.get(_url(template, free_org))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert error["details"] == {"requiredTier": "pro", "currentTier": "free", "upgradeUrl": "/upgrade/"}


def test_a_free_organization_cannot_create_budgets(free_api):
    response = free_api.post("/api/v1/budgets", BUDGET, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


def test_past_the_keys_limit_the_answer_is_429_with_retry_after(org, rate_clock):
    org.read_rate_limit = 2
    org.save()
    client = keyed_client(key_for(org))
    first, second, third = (client.get("/api/v1/budgets/check?customer=acme") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert (first["X-RateLimit-Remaining"], second["X-RateLimit-Remaining"]) == ("1", "0")
    assert third.json()["error"]["code"] == "rate_limited"
    assert third["Retry-After"] == "40"  # 20 s into the minute
    assert third["X-RateLimit-Remaining"] == "0"


def test_each_key_has_its_own_limit(org, rate_clock):
    org.read_rate_limit = 1
    org.save()
    one, two = keyed_client(key_for(org, name="one")), keyed_client(key_for(org, name="two"))
    assert one.get("/api/v1/budgets").status_code == 200
    assert one.get("/api/v1/budgets").status_code == 429
    assert two.get("/api/v1/budgets").status_code == 200


def test_a_session_login_is_not_a_key(admin):
    response = admin.client().get("/api/v1/customers")
    assert response.status_code == 401
