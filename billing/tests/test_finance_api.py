"""GET /api/v1/platform/finance/subscription-summary and .../stripe-sync-status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import StripeWebhookEvent
from billing.sync import revenue_sync_run
from billing.tests.accounts import JAN_1, at
from publicapi.tests.key_helpers import org_client
from stripe_double import Line

SUMMARY = "/api/v1/platform/finance/subscription-summary"
SYNC_STATUS = "/api/v1/platform/finance/stripe-sync-status"


@pytest.fixture
def subscriptions(org, connection, stripe_account):
    """Pro x3 (one past due, one trialing), Starter x2, a canceled Pro, an open invoice that failed."""
    pro = stripe_account.add_price(unit_amount=19900, created=JAN_1, nickname="Pro monthly")
    starter = stripe_account.add_price(unit_amount=4900, created=JAN_1, nickname="Starter monthly")
    usage = stripe_account.add_price(unit_amount=2, created=JAN_1, usage_type="metered", nickname="Usage")
    plans = [(pro, "active"), (pro, "past_due"), (pro, "trialing"), (starter, "active"), (starter, "active"),
             (pro, "canceled")]  # fmt: skip
    for number, (price, status) in enumerate(plans):
        customer = stripe_account.add_customer(created=JAN_1, name=f"Sub {number}")["id"]
        # The metered item comes first: the plan is still the licensed price.
        stripe_account.add_subscription(customer=customer, items=[(usage["id"], 1), (price["id"], 1)],
                                        created=JAN_1 + number, status=status)  # fmt: skip
    late = stripe_account.add_customer(created=JAN_1, name="Late")["id"]
    stripe_account.add_invoice(customer=late, created=at(2026, 2, 1), status="open", lines=[
        Line(amount=19900, period_start=at(2026, 2, 1), period_end=at(2026, 3, 1)),
    ])  # fmt: skip
    revenue_sync_run(org=org, trigger="manual")
    return pro, starter


def test_subscription_summary_counts_live_subscriptions_by_plan(admin, subscriptions):
    pro, starter = subscriptions

    response = admin.client().get(SUMMARY)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["active_subscriptions"] == 5
    assert data["by_status"] == {"active": 3, "past_due": 1, "trialing": 1}
    assert data["plan_distribution"] == [
        {"plan_id": pro["id"], "plan_name": "Pro monthly", "count": 3},
        {"plan_id": starter["id"], "plan_name": "Starter monthly", "count": 2},
    ]
    # MRR counts active and past due, not the trial: $199 x 2 + $49 x 2.
    assert (data["mrr_micro"], data["currency"]) == (496_000_000, "usd")
    assert data["stripe_dashboard_url"] == "https://dashboard.stripe.com/test/revenue"
    assert data["as_of"].endswith("Z")


def test_a_read_scoped_api_key_reads_the_summary_with_rate_limit_headers(org, subscriptions):
    response = org_client(org, scopes=("read",)).get(SUMMARY)

    assert response.status_code == 200
    assert response.json()["data"]["active_subscriptions"] == 5
    assert response["X-RateLimit-Limit"] == str(org.read_rate_limit)


def test_an_api_key_without_the_read_scope_is_403(org, subscriptions):
    assert org_client(org, scopes=("write",)).get(SUMMARY).status_code == 403


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_sessions_below_admin_are_403(request, persona, subscriptions):
    assert request.getfixturevalue(persona).client().get(SUMMARY).status_code == 403


@pytest.mark.parametrize("url", [SUMMARY, SYNC_STATUS])
def test_free_tier_is_403_with_an_upgrade_pointer_by_session_or_key(free_admin, url):
    for client in (free_admin.client(), org_client(free_admin.org, scopes=("read",))):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


@pytest.mark.parametrize("url", [SUMMARY, SYNC_STATUS])
def test_signed_out_is_401(anon, url):
    assert anon.get(url).status_code == 401


def test_an_outsider_sees_only_their_own_org(outsider, subscriptions):
    data = outsider.client().get(SUMMARY).json()["data"]

    assert (data["active_subscriptions"], data["plan_distribution"], data["mrr_micro"]) == (0, [], 0)
    status = outsider.client().get(SYNC_STATUS).json()["data"]
    assert (status["failed_payments_count"], status["last_sync_run"], status["last_webhook_event"]) == (
        0,
        None,
        None,
    )


def _webhook(org, event_id: str, *, minutes_ago: int, status: str = "processed", error: str = "") -> None:
    now = timezone.now()
    row = StripeWebhookEvent.objects.create(
        org=org, stripe_id=event_id, type="invoice.paid", created=now - timedelta(minutes=minutes_ago),
        status=status, error=error, processed_at=now - timedelta(minutes=minutes_ago),
    )  # fmt: skip
    StripeWebhookEvent.objects.filter(pk=row.pk).update(received_at=now - timedelta(minutes=minutes_ago))


def test_sync_status_is_healthy_with_a_webhook_in_the_last_ten_minutes(admin, subscriptions):
    _webhook(admin.org, "evt_old", minutes_ago=50)
    _webhook(admin.org, "evt_recent", minutes_ago=9)

    data = admin.client().get(SYNC_STATUS).json()["data"]

    assert data["webhook_health"] == "healthy"
    assert data["last_webhook_event"]["id"] == "evt_recent"
    assert data["last_webhook_event"]["type"] == "invoice.paid"
    assert data["failed_payments_count"] == 1
    assert data["last_sync_run"]["status"] == "succeeded"
    assert data["last_sync_run"]["invoices_fetched"] == 1
    assert data["stripe_dashboard_url"] == "https://dashboard.stripe.com/test/payments"


def test_sync_status_is_delayed_after_ten_minutes_without_a_webhook(admin, subscriptions):
    _webhook(admin.org, "evt_quiet", minutes_ago=11)

    assert admin.client().get(SYNC_STATUS).json()["data"]["webhook_health"] == "delayed"


def test_sync_status_is_delayed_when_no_webhook_ever_arrived(admin, subscriptions):
    data = admin.client().get(SYNC_STATUS).json()["data"]

    assert (data["webhook_health"], data["last_webhook_received"]) == ("delayed", None)


def test_sync_status_is_error_when_processing_failed_in_the_last_hour(admin, subscriptions):
    _webhook(admin.org, "evt_broken", minutes_ago=30, status="failed", error="ValueError: boom")
    _webhook(admin.org, "evt_fine", minutes_ago=1)

    data = admin.client().get(SYNC_STATUS).json()["data"]

    assert (data["webhook_health"], data["webhook_errors_last_hour"]) == ("error", 1)


def test_a_failure_older_than_an_hour_no_longer_counts(admin, subscriptions):
    _webhook(admin.org, "evt_broken", minutes_ago=61, status="failed", error="ValueError: boom")
    _webhook(admin.org, "evt_fine", minutes_ago=1)

    assert admin.client().get(SYNC_STATUS).json()["data"]["webhook_health"] == "healthy"


def test_a_read_key_reads_the_sync_status(org, subscriptions):
    response = org_client(org, scopes=("read",)).get(SYNC_STATUS)

    assert response.status_code == 200 and response.json()["success"] is True
