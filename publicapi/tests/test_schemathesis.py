"""Generated requests against every documented v1 and v0 operation of a seeded organization:
no 5xx, and every status, content type and body matches our OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from publicapi.budgets.services import budget_create
from publicapi.tests.factories import add_cost, add_revenue, map_tag
from publicapi.tests.key_helpers import key_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


@dataclass
class Seeded:
    org: object
    secret: str


@pytest.fixture
def api_schema(db):
    # Django closes the connection when a WSGI request ends; the test transaction lives on it.
    # (Django's own test client does the same disconnect.)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(org) -> Seeded:
    """An org with mapped and unmapped customers, revenue, cost and budgets of every kind."""
    org.read_rate_limit = 1_000_000
    org.save()
    today = timezone.now().date()
    map_tag(org, "cus_a", "acme")
    for offset in range(0, 100, 3):
        day = today - timedelta(days=offset)
        add_cost(org, "acme", day, 1_234_567 + offset, feature="chat")
        add_cost(org, "beta", day, 55_555, feature="search", model="gpt-4o-mini")
        add_revenue(org, "cus_a", day, 3_000_000)
        add_revenue(org, "cus_z", day, 700_001)
    budget_create(org=org, scope="workspace", monthly_limit_micro=1_000_000, action="block")
    budget_create(org=org, scope="customer", customer="acme", monthly_limit_micro=10**12, action="warn")
    budget_create(org=org, scope="feature", feature="chat", monthly_limit_micro=5_000_000, action="warn")
    return Seeded(org=org, secret=key_for(org))


OPERATIONS = [
    ("GET", "/api/v1/customers"),
    ("GET", "/api/v1/customers/{externalId}"),
    ("GET", "/api/v1/costs/overview"),
    ("GET", "/api/v1/budgets"),
    ("POST", "/api/v1/budgets"),
    ("DELETE", "/api/v1/budgets/{id}"),
    ("GET", "/api/v1/budgets/check"),
    ("GET", "/v0/profitability"),
]


def test_every_operation_listed_here_is_documented(api_schema):
    # Operations other apps add under /api/v1 (event ingestion) join this list when they are ready for it.
    documented = {
        (method.upper(), path) for path, item in api_schema.raw_schema["paths"].items() for method in item
    }
    assert set(OPERATIONS) <= documented


# Generated external ids reach the version key verbatim (its format is shared with ingestion);
# Redis takes any bytes, the warning only concerns memcached.
@pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_generated_request_is_answered_as_documented(api_schema, seeded, method, path):
    headers = {"Authorization": f"Bearer {seeded.secret}"}

    @given(case=api_schema[path][method].as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def answered_as_documented(case):
        query = case.query if isinstance(case.query, dict) else None
        # Half of the summaries ask for the seeded merchant, so more than the 404 branch is exercised.
        if query is not None and "merchantId" in query and len(str(query.get("from", ""))) % 2 == 0:
            query["merchantId"] = seeded.org.public_id
        case.call_and_validate(headers=headers, checks=CHECKS)

    answered_as_documented()
