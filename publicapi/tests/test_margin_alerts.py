"""margin.threshold_crossed: once per worsening, with the tiers the table shows, signed and delivered."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from margins.selectors import margin_table
from margins.tests.factories import add_cost, add_revenue, map_tag
from publicapi.margin_alerts import margin_alerts_evaluate
from publicapi.notifications import signing
from publicapi.notifications.models import WebhookDelivery, WebhookEvent
from publicapi.notifications.services import webhook_endpoint_create
from publicapi.tasks import margin_alerts_evaluate_task

M = 1_000_000
MID_APRIL = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


def month(org, tag: str, sid: str, year_month: tuple[int, int], revenue: int, cost: int) -> None:
    year, mon = year_month
    add_revenue(org, sid, date(year, mon, 1), revenue)
    add_cost(org, tag, date(year, mon, 2), cost)


def worsening_org(org):
    """acme: healthy in March (70 %), at risk by mid-April (10 %). beta improves. gamma is new."""
    map_tag(org, "cus_acme", "acme", name="Acme Corp")
    month(org, "acme", "cus_acme", (2026, 3), 100 * M, 30 * M)
    month(org, "acme", "cus_acme", (2026, 4), 40 * M, 36 * M)
    map_tag(org, "cus_beta", "beta", name="Beta")
    month(org, "beta", "cus_beta", (2026, 3), 100 * M, 90 * M)
    month(org, "beta", "cus_beta", (2026, 4), 100 * M, 10 * M)
    map_tag(org, "cus_gamma", "gamma", name="Gamma")
    month(org, "gamma", "cus_gamma", (2026, 4), 10 * M, 20 * M)
    return org


def test_a_worsened_tier_emits_one_event_with_the_documented_envelope(org):
    worsening_org(org)
    assert margin_alerts_evaluate(org=org, as_of=MID_APRIL) == 1
    event = WebhookEvent.objects.get(org=org)
    assert event.id.startswith("evt_")
    payload = event.payload
    assert set(payload) == {"id", "type", "api_version", "created_at", "data"}
    assert (payload["id"], payload["type"], payload["api_version"]) == (
        event.id,
        "margin.threshold_crossed",
        "2026-04-01",
    )
    assert payload["data"] == {
        "object": {
            "customer": {"stripeId": "cus_acme", "name": "Acme Corp", "tagValue": "acme"},
            "margin": {
                "previous": 70.0,
                "current": 10.0,
                "previousTier": "healthy",
                "currentTier": "at_risk",
            },
            "revenue_microdollars": 40 * M,
            "cost_microdollars": 36 * M,
            "period": "2026-04",
        }
    }


def test_the_alert_tiers_are_the_tables_tiers(org):
    worsening_org(org)
    margin_alerts_evaluate(org=org, as_of=MID_APRIL)
    current = {r.tag_value: r.health_tier.value for r in margin_table(org=org, as_of=MID_APRIL).table.rows}
    march = margin_table(org=org, period=None, as_of=datetime(2026, 3, 31, tzinfo=UTC)).table.rows
    previous = {r.tag_value: r.health_tier.value for r in march}
    margin = WebhookEvent.objects.get(org=org).payload["data"]["object"]["margin"]
    assert (margin["previousTier"], margin["currentTier"]) == (previous["acme"], current["acme"])


def test_the_same_crossing_is_never_emitted_twice(org):
    worsening_org(org)
    assert margin_alerts_evaluate(org=org, as_of=MID_APRIL) == 1
    assert margin_alerts_evaluate(org=org, as_of=MID_APRIL) == 0
    assert margin_alerts_evaluate(org=org, as_of=datetime(2026, 4, 16, tzinfo=UTC)) == 0
    assert WebhookEvent.objects.filter(org=org).count() == 1


def test_falling_further_is_a_new_crossing(org):
    worsening_org(org)
    margin_alerts_evaluate(org=org, as_of=MID_APRIL)
    add_cost(org, "acme", date(2026, 4, 10), 10 * M)  # 40 revenue, 46 cost: critical now
    assert margin_alerts_evaluate(org=org, as_of=MID_APRIL) == 1
    crossings = [
        (
            e.payload["data"]["object"]["margin"]["previousTier"],
            e.payload["data"]["object"]["margin"]["currentTier"],
        )
        for e in WebhookEvent.objects.filter(org=org).order_by("created_at")
    ]
    assert crossings == [("healthy", "at_risk"), ("healthy", "critical")]


def test_improving_new_and_steady_customers_raise_nothing(org):
    map_tag(org, "cus_beta", "beta")
    month(org, "beta", "cus_beta", (2026, 3), 100 * M, 90 * M)
    month(org, "beta", "cus_beta", (2026, 4), 100 * M, 10 * M)
    map_tag(org, "cus_gamma", "gamma")
    month(org, "gamma", "cus_gamma", (2026, 4), 10 * M, 20 * M)
    map_tag(org, "cus_steady", "steady")
    month(org, "steady", "cus_steady", (2026, 3), 100 * M, 60 * M)
    month(org, "steady", "cus_steady", (2026, 4), 100 * M, 70 * M)
    assert margin_alerts_evaluate(org=org, as_of=MID_APRIL) == 0


def test_free_tier_orgs_get_no_alerts(free_org):
    worsening_org(free_org)
    assert margin_alerts_evaluate(org=free_org, as_of=MID_APRIL) == 0


def test_alerts_never_mix_organizations(org, other_org):
    worsening_org(org)
    margin_alerts_evaluate(org=other_org, as_of=MID_APRIL)
    assert WebhookEvent.objects.count() == 0


def test_the_task_evaluates_one_org_now(org, clock_at):
    # March's last second: the task reads the same clock as the test, so March it is.
    clock_at(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    map_tag(org, "cus_acme", "acme")
    add_revenue(org, "cus_acme", date(2026, 2, 1), 100 * M)
    add_cost(org, "acme", date(2026, 2, 1), 10 * M)
    add_revenue(org, "cus_acme", date(2026, 3, 1), 100 * M)
    add_cost(org, "acme", date(2026, 3, 1), 95 * M)
    assert margin_alerts_evaluate_task.delay(str(org.pk)).get(timeout=10) == 1


def test_an_alert_reaches_a_subscribed_endpoint_signed(
    org, webhook_receiver, django_capture_on_commit_callbacks
):
    worsening_org(org)
    endpoint, secret = webhook_endpoint_create(
        org=org, url=webhook_receiver.url, event_types=["margin.threshold_crossed"]
    )
    budget_only, _ = webhook_endpoint_create(
        org=org, url=webhook_receiver.url, event_types=["budget.exceeded"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        margin_alerts_evaluate(org=org, as_of=MID_APRIL)
    (request,) = webhook_receiver.received
    assert request.path == "/hooks/margint"
    assert signing.verify(secret=secret, header=request.headers["Margint-Signature"], body=request.body)
    body = json.loads(request.body)
    assert body["type"] == "margin.threshold_crossed"
    assert body["data"]["object"]["customer"]["tagValue"] == "acme"
    assert request.headers["Margint-Event-Id"] == body["id"]
    assert WebhookDelivery.objects.get().endpoint_id == endpoint.id
    assert not WebhookDelivery.objects.filter(endpoint=budget_only).exists()
