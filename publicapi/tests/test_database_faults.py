"""Fault suite, PostgreSQL side: the connection dropped in the middle of a request is a 503 in
the error shape that says to retry; nothing of that request is kept, and the retry stores it once."""

from __future__ import annotations

import pytest
from django.db import connection

from margins.costs import services as cost_services
from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent
from publicapi.tests.key_helpers import key_for, keyed_client


@pytest.fixture
def dropping_connection(monkeypatch):
    """The database connection is cut the first time events are stored, inside the transaction."""
    real = cost_services.writer_for
    state = {"dropped": False}

    def writer_for(org_id):
        if not state["dropped"]:
            state["dropped"] = True
            connection.connection.close()  # as a restarted or failed-over server would
        return real(org_id)

    monkeypatch.setattr(cost_services, "writer_for", writer_for)
    return state


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_ingest_is_a_503_and_the_retry_stores_once(
    requires_postgres, org, other_org, dropping_connection
):
    api = keyed_client(key_for(org))
    body = {"events": [event(idempotencyKey="a"), event(idempotencyKey="b")]}
    failed = api.post("/api/v1/events", body, format="json")
    assert failed.status_code == 503
    error = failed.json()["error"]
    assert error["code"] == "service_unavailable" and "retry" in error["message"].lower()
    assert failed["Retry-After"]
    connection.close()  # what Django does at the end of a request whose connection broke

    retried = api.post("/api/v1/events", body, format="json")
    assert retried.status_code == 202 and retried.json()["data"]["accepted"] == 2
    assert CostEvent.objects.filter(org=org).count() == 2
    assert not CostEvent.objects.filter(org=other_org).exists()
