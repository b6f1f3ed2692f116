"""With a Redis that does not answer, keyed APIs work from PostgreSQL: keys are verified, events
ingested, budgets checked, rate limits fail open with a warning; no call waits past its timeout."""

from __future__ import annotations

import logging
import time
from datetime import date

from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent
from publicapi.budgets.services import budget_create
from publicapi.tests.factories import add_cost
from publicapi.tests.key_helpers import key_for, keyed_client

# Every request below makes several cache calls; one timeout (0.2 s) trips the breaker and the
# rest are skipped, so each request ends well within this.
BOUND_SECONDS = 2.0


def timed(call):
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < BOUND_SECONDS
    return response


def test_keyed_reads_answer_from_postgresql(org, dead_redis):
    api = keyed_client(key_for(org))
    response = timed(lambda: api.get("/api/v1/customers"))
    assert response.status_code == 200, response.content


def test_an_unknown_key_is_still_refused(org, dead_redis):
    api = keyed_client("mk_live_" + "x" * 40)
    assert timed(lambda: api.get("/api/v1/customers")).status_code == 401


def test_ingestion_stores_each_event_once(org, dead_redis):
    api = keyed_client(key_for(org))
    body = {"events": [event(idempotencyKey="a"), event(idempotencyKey="b")]}
    first = timed(lambda: api.post("/api/v1/events", body, format="json"))
    again = timed(lambda: api.post("/api/v1/events", body, format="json"))
    assert first.status_code == again.status_code == 202
    assert (first.json()["data"]["accepted"], again.json()["data"]["duplicates"]) == (2, 2)
    assert CostEvent.objects.filter(org=org).count() == 2


def test_budget_checks_answer_from_the_database(org, dead_redis, frozen_now):
    api = keyed_client(key_for(org))
    add_cost(org, "acme", date(2026, 3, 2), 2_000_000)
    budget_create(org=org, scope="customer", customer="acme", monthly_limit_micro=1_000_000, action="block")
    response = timed(lambda: api.get("/api/v1/budgets/check?customer=acme"))
    assert response.status_code == 200
    assert response.json()["allowed"] is False


def test_rate_limits_fail_open_with_a_logged_warning(org, dead_redis, caplog):
    api = keyed_client(key_for(org))
    with caplog.at_level(logging.WARNING):
        response = timed(lambda: api.get("/api/v1/customers"))
    assert response.status_code == 200
    assert any("rate limit not counted" in r.getMessage() for r in caplog.records)


def test_the_budgets_page_answers(admin, dead_redis, frozen_now):
    budget_create(org=admin.org, scope="workspace", monthly_limit_micro=1_000_000, action="warn")
    assert timed(lambda: admin.page_client().get("/budgets/")).status_code == 200


def test_another_orgs_key_sees_nothing_of_org(org, other_org, dead_redis, frozen_now):
    add_cost(org, "acme", date(2026, 3, 2), 2_000_000)
    outsider = keyed_client(key_for(other_org))
    response = timed(lambda: outsider.get("/api/v1/customers"))
    assert response.status_code == 200
    assert response.json()["data"] == []
