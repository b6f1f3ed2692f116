"""Celery tasks (per-org sync with time limits, the two-hourly fan-out) and the follow-up hooks."""

from __future__ import annotations

import types
from datetime import datetime

import pytest
from celery.schedules import crontab

from billing import signals
from billing.models import StripeConnection, SyncRun
from billing.sync import sync_run_claim
from billing.tasks import revenue_sync_fan_out, revenue_sync_org
from billing.tests.accounts import simple_account
from billing.tests.helpers import total
from mappings.models import CustomerMapping
from margint.celery import app as celery_app
from stripe_double import DEFAULT_API_KEY


def test_beat_fans_the_sync_out_every_two_hours(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["billing-revenue-sync"]

    assert entry["task"] == "billing.tasks.revenue_sync_fan_out"
    assert entry["schedule"] == crontab(minute=0, hour="*/2")
    assert entry["task"] in celery_app.tasks


def test_the_per_org_task_has_soft_and_hard_time_limits(settings):
    assert (revenue_sync_org.soft_time_limit, revenue_sync_org.time_limit) == (
        settings.STRIPE_SYNC_SOFT_TIME_LIMIT, settings.STRIPE_SYNC_TIME_LIMIT,
    )  # fmt: skip
    assert revenue_sync_org.soft_time_limit < revenue_sync_org.time_limit


def test_the_fan_out_syncs_each_active_pro_connection_only(
    org, connection, stripe_account, free_org, other_org
):
    simple_account(stripe_account, invoices=2)
    StripeConnection.objects.create(org=free_org, encrypted_key="x", key_prefix="rk_test_free")
    StripeConnection.objects.create(
        org=other_org, encrypted_key="x", key_prefix="rk_test_gone", status="revoked"
    )

    queued = revenue_sync_fan_out.delay().get()

    assert queued == 1
    assert list(SyncRun.objects.values_list("org", "trigger", "status")) == [(org.pk, "cron", "succeeded")]
    assert total(org) == 2 * 10_000_000


def test_the_task_reports_a_sync_already_running(org, connection):
    running = sync_run_claim(org=org, trigger="manual")

    assert revenue_sync_org.delay(str(org.pk)).get() == {
        "status": "already_running",
        "runId": str(running.pk),
    }


def test_connecting_queues_the_first_sync_once_the_connection_is_committed(
    admin, stripe_server, stripe_account, django_capture_on_commit_callbacks
):
    simple_account(stripe_account, invoices=3)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin.client().post("/api/stripe/connect", {"stripeKey": DEFAULT_API_KEY}, format="json")

    assert response.status_code == 201 and len(callbacks) == 1
    run = SyncRun.objects.get(org=admin.org)
    assert (run.trigger, run.status) == ("connect", "succeeded")
    assert total(admin.org) == 3 * 10_000_000


@pytest.fixture
def other_apps(monkeypatch):
    """Stand-ins for the mappings and margin-alert services that the receivers of revenue_synced call."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        "mappings.receivers.automatch_run",
        lambda *, org, as_of: (
            calls.append(("automatch", org.pk, as_of)) or types.SimpleNamespace(created=["m1", "m2"])
        ),
    )
    monkeypatch.setattr(
        "publicapi.receivers.margin_alerts_evaluate",
        lambda *, org, as_of: calls.append(("alerts", org.pk, as_of)) or 3,
    )
    return calls


def test_after_a_sync_auto_matching_and_margin_alerts_run_and_are_counted(
    member, connection, stripe_account, other_apps
):
    simple_account(stripe_account, invoices=1)

    data = member.client().post("/api/stripe/revenue-sync").json()["data"]

    assert data["autoMatchesCreated"] == 2
    assert [(name, org) for name, org, _ in other_apps] == [
        ("automatch", member.org.pk),
        ("alerts", member.org.pk),
    ]
    assert all(isinstance(as_of, datetime) and as_of.tzinfo for _, _, as_of in other_apps)
    assert SyncRun.objects.get().stats["alertsRaised"] == 3


def test_the_real_receivers_find_nothing_to_do_for_an_org_without_data(org):
    responses = signals.revenue_synced.send(sender=None, org=org, as_of=datetime.now().astimezone())
    assert signals.counts_of(responses) == {"autoMatchesCreated": 0, "alertsRaised": 0}


def test_disconnect_deletes_mappings_through_the_mappings_service_when_there_is_one(
    admin, connection, monkeypatch
):
    deleted_for = []
    monkeypatch.setattr("mappings.receivers.mappings_clear", lambda *, org: deleted_for.append(org.pk) or 0)
    CustomerMapping.objects.create(org=admin.org, stripe_customer_id="cus_1", tag_value="one")

    admin.client().delete("/api/stripe/disconnect")

    assert deleted_for == [admin.org.pk]
