"""Cost anomaly alerts end to end: daily cost rows in, a stored anomaly, one signed
`cost.anomaly_detected` delivery per customer and day, the badge, the beat task."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from margins.tests.factories import add_cost, add_revenue, map_tag
from publicapi.anomalies.models import AnomalySettings, CostAnomaly
from publicapi.anomalies.services import cost_anomalies_detect
from publicapi.anomalies.tasks import cost_anomalies_scan
from publicapi.notifications import signing
from publicapi.notifications.models import WebhookEvent
from publicapi.notifications.services import webhook_endpoint_create

M = 1_000_000
DAY = date(2026, 4, 20)


def history(org, tag: str, costs: list[int], last: date = DAY) -> None:
    """Daily costs ending on `last`, oldest first."""
    for offset, cost in enumerate(reversed(costs)):
        if cost:
            add_cost(org, tag, last - timedelta(days=offset), cost)


def steady(days: int = 40, base: int = 20 * M) -> list[int]:
    return [base + (i % 5 - 2) * M for i in range(days)]


@pytest.fixture
def endpoint(org, webhook_receiver):
    endpoint, secret = webhook_endpoint_create(org=org, url=webhook_receiver.url)
    endpoint.secret = secret
    return endpoint


def test_a_spike_raises_one_signed_webhook_and_a_stored_anomaly(
    org, endpoint, webhook_receiver, django_capture_on_commit_callbacks
):
    history(org, "spiky", steady() + [150 * M])
    with django_capture_on_commit_callbacks(execute=True):
        assert cost_anomalies_detect(org=org, days=[DAY - timedelta(days=1), DAY]) == 1
    (request,) = webhook_receiver.received
    assert signing.verify(
        secret=endpoint.secret, header=request.headers["Margint-Signature"], body=request.body
    )
    payload = json.loads(request.body)
    assert payload["type"] == "cost.anomaly_detected"
    found = payload["data"]["object"]
    assert (found["customer"], found["day"], found["cost_microdollars"]) == (
        {"tagValue": "spiky"},
        "2026-04-20",
        150 * M,
    )
    assert found["baseline"]["median_microdollars"] == 20 * M
    anomaly = CostAnomaly.objects.get(org=org)
    assert (anomaly.external_id, anomaly.day, anomaly.cost_micro) == ("spiky", DAY, 150 * M)


def test_once_per_customer_and_day_however_often_it_runs(
    org, endpoint, webhook_receiver, django_capture_on_commit_callbacks
):
    history(org, "spiky", steady() + [150 * M])
    with django_capture_on_commit_callbacks(execute=True):
        cost_anomalies_detect(org=org, days=[DAY])
        add_cost(org, "spiky", DAY, 50 * M)  # the day grows further
        assert cost_anomalies_detect(org=org, days=[DAY]) == 0
    assert len(webhook_receiver.received) == 1
    assert CostAnomaly.objects.count() == 1


@pytest.mark.parametrize(
    "costs",
    [
        pytest.param(steady(), id="steady"),
        pytest.param([int(10 * M * 1.02**i) for i in range(60)], id="slow-growth"),
        pytest.param([2 * M] * 6 + [300 * M], id="new-customer"),
    ],
)
def test_no_alert_for_steady_slowly_growing_or_new_customers(org, endpoint, costs):
    history(org, "calm", costs)
    assert cost_anomalies_detect(org=org, days=[DAY]) == 0
    assert not CostAnomaly.objects.exists()
    assert not WebhookEvent.objects.filter(type="cost.anomaly_detected").exists()


def test_sensitivity_is_per_organization(org, other_org):
    for each in (org, other_org):
        history(each, "doubling", steady() + [42 * M])
    AnomalySettings.objects.create(org=other_org, sensitivity="low")
    assert cost_anomalies_detect(org=org, days=[DAY]) == 1
    assert cost_anomalies_detect(org=other_org, days=[DAY]) == 0
    AnomalySettings.objects.filter(org=other_org).update(sensitivity="off")
    history(other_org, "huge", steady() + [500 * M])
    assert cost_anomalies_detect(org=other_org, days=[DAY]) == 0
    assert list(CostAnomaly.objects.values_list("org_id", flat=True)) == [org.pk]


def test_a_free_org_gets_no_alerts(free_org):
    history(free_org, "spiky", steady() + [150 * M])
    assert cost_anomalies_detect(org=free_org, days=[DAY]) == 0


def test_the_beat_task_checks_yesterday_and_today_of_every_pro_org(org, free_org, clock_at):
    clock_at(datetime(2026, 4, 21, 9, 0, tzinfo=UTC))
    history(org, "spiky", steady() + [150 * M])  # yesterday's spike
    history(free_org, "spiky", steady() + [150 * M])
    assert cost_anomalies_scan() >= 1
    assert list(CostAnomaly.objects.values_list("org_id", "day")) == [(org.pk, DAY)]


def test_the_badge_on_the_margins_table_and_the_customer_page(viewer, outsider, org):
    map_tag(org, "cus_spiky", "spiky", name="Spiky Inc")
    map_tag(org, "cus_calm", "calm", name="Calm Co")
    for sid in ("cus_spiky", "cus_calm"):
        add_revenue(org, sid, date(2026, 4, 2), 500 * M)
    history(org, "spiky", steady() + [150 * M])
    history(org, "calm", steady())
    cost_anomalies_detect(org=org, days=[DAY])
    table = viewer.page_client().get("/margins/?period=2026-04").content.decode()
    assert table.count("data-anomaly") == 1
    assert "Cost spike" in table.split('data-tag="spiky"')[1].split("</tr>")[0]
    page = viewer.page_client().get("/margins/spiky/?period=2026-04").content.decode()
    assert "data-anomaly" in page and "2026-04-20" in page
    assert "data-anomaly" not in viewer.page_client().get("/margins/spiky/?period=2026-03").content.decode()
    assert outsider.page_client().get("/margins/spiky/?period=2026-04").status_code == 404


def test_an_admin_sets_the_sensitivity_and_others_may_not(admin, member, outsider, org, other_org):
    client = admin.page_client()
    assert re.search(r'value="medium"[^>]*checked', client.get("/settings/anomalies/").content.decode())
    assert client.post("/settings/anomalies/", {"sensitivity": "low"}).status_code == 302
    assert AnomalySettings.objects.get(org=org).sensitivity == "low"
    assert client.post("/settings/anomalies/", {"sensitivity": "wild"}).status_code == 400
    assert AnomalySettings.objects.get(org=org).sensitivity == "low"
    assert member.page_client().post("/settings/anomalies/", {"sensitivity": "off"}).status_code == 403
    outsider.page_client().post("/settings/anomalies/", {"sensitivity": "off"})
    assert AnomalySettings.objects.get(org=org).sensitivity == "low"
    assert AnomalySettings.objects.get(org=other_org).sensitivity == "off"
