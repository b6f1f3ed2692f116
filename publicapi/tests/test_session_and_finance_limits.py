"""Finance endpoints: 429 after 100 requests a minute per caller (session or key), with
Retry-After, in the error shape; the dashboard's JSON APIs are limited per user."""

from __future__ import annotations

import pytest

from margint import throttling
from publicapi.tests.key_helpers import key_for, keyed_client

FINANCE = "/api/v1/platform/finance/subscription-summary"


@pytest.fixture
def clock(monkeypatch, rate_clock):
    monkeypatch.setattr(throttling.time, "time", lambda: rate_clock["t"])
    return rate_clock


def refused_after(client, path, allowed):
    for _ in range(allowed):
        assert client.get(path).status_code != 429
    response = client.get(path)
    assert response.status_code == 429, response.content[:200]
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "rate_limited"
    return response


@pytest.mark.parametrize("caller", ["session", "key"])
def test_finance_is_429_after_100_a_minute_per_caller(admin, org, clock, caller):
    client = admin.client() if caller == "session" else keyed_client(key_for(org, scopes=("read",)))
    refused_after(client, FINANCE, 100)
    clock["t"] += 60
    assert client.get(FINANCE).status_code == 200


def test_another_caller_keeps_its_own_count(admin, member, org, clock, settings):
    refused_after(admin.client(), FINANCE, 100)
    assert keyed_client(key_for(org, scopes=("read",))).get(FINANCE).status_code == 200


def test_the_dashboard_json_apis_are_limited_per_user(admin, member, clock, settings):
    settings.SESSION_API_RATE_LIMIT = 5
    refused_after(admin.client(), "/api/me", 5)
    assert member.client().get("/api/me").status_code == 200
