"""DELETE /api/stripe/disconnect: the connection and, in one transaction, everything derived from it."""

from __future__ import annotations

import pytest

from billing import models as billing_models
from billing.models import StripeConnection
from billing.services import stripe_connect
from billing.sync import revenue_sync_run
from billing.tests.accounts import every_case_account, simple_account
from mappings.models import CustomerMapping
from stripe_double import StripeDataset, serve

URL = "/api/stripe/disconnect"
REVENUE_MODELS = [
    billing_models.StripeCustomer,
    billing_models.StripeSubscription,
    billing_models.StripeSubscriptionItem,
    billing_models.StripeInvoice,
    billing_models.StripeInvoiceLine,
    billing_models.StripeCreditNote,
    billing_models.RevenueAllocation,
    billing_models.RevenueDaily,
    billing_models.SyncRun,
]


def counts(org) -> dict[str, int]:
    return {model.__name__: model.objects.filter(org=org).count() for model in REVENUE_MODELS}


@pytest.fixture
def synced(org, connection, stripe_account):
    cases = every_case_account(stripe_account)
    revenue_sync_run(org=org, trigger="manual")
    CustomerMapping.objects.create(org=org, stripe_customer_id=cases.annual, tag_value="annual-co")
    return cases


@pytest.fixture
def other_synced(other_org, settings):
    dataset = StripeDataset()
    simple_account(dataset, invoices=3)
    with serve(dataset, api_keys=["rk_test_rival_account_key"]) as server:
        previous, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, server.url
        stripe_connect(org=other_org, stripe_key="rk_test_rival_account_key", start_sync=False)
        revenue_sync_run(org=other_org, trigger="manual")
        settings.STRIPE_API_BASE = previous
    CustomerMapping.objects.create(org=other_org, stripe_customer_id="cus_rival", tag_value="rival")
    return other_org


def test_disconnect_deletes_revenue_mirrors_runs_and_mappings(admin, synced, other_synced):
    other_before = counts(other_synced)
    assert all(counts(admin.org).values())

    response = admin.client().delete(URL)

    assert response.status_code == 200
    assert response.json() == {"data": {"deleted": True}}
    assert not StripeConnection.objects.filter(org=admin.org).exists()
    assert set(counts(admin.org).values()) == {0}
    assert not CustomerMapping.objects.filter(org=admin.org).exists()
    # The other organization keeps everything.
    assert counts(other_synced) == other_before
    assert CustomerMapping.objects.filter(org=other_synced).count() == 1
    assert StripeConnection.objects.filter(org=other_synced).exists()


def test_after_disconnect_a_new_connection_starts_a_fresh_first_sync(admin, synced, stripe_server, settings):
    admin.client().delete(URL)
    settings.STRIPE_SYNC_OVERLAP_HOURS = 1

    admin.client().post("/api/stripe/connect", {"stripeKey": "rk_test_margint_double"}, format="json")
    run = revenue_sync_run(org=admin.org, trigger="manual")

    assert run.status == "succeeded" and run.stats["resumedFrom"] is None
    assert run.stats["invoicesFetched"] == 10  # the full lookback again, not an incremental window


def test_disconnect_without_a_connection_is_404(admin):
    assert admin.client().delete(URL).status_code == 404


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_and_viewers_cannot_disconnect(request, persona, synced):
    person = request.getfixturevalue(persona)

    assert person.client().delete(URL).status_code == 403
    assert StripeConnection.objects.filter(org=person.org).exists()


def test_free_tier_gets_403_with_an_upgrade_pointer(free_admin):
    response = free_admin.client().delete(URL)

    assert response.status_code == 403
    assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


def test_an_outsider_cannot_disconnect_another_org(outsider, org, synced):
    response = outsider.client().delete(URL)

    assert response.status_code == 404
    assert StripeConnection.objects.filter(org=org).exists()
    assert all(counts(org).values())
