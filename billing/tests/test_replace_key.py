"""Replace key on the Stripe page: a new key of the same account keeps everything; another account's is refused.

Against the Stripe double on loopback, which answers GET /v1/account per key.
"""

from __future__ import annotations

import pytest

from billing.models import RevenueDaily, StripeConnection, StripeCustomer
from billing.sync import revenue_sync_run
from billing.tests.accounts import every_case_account
from mappings.models import CustomerMapping
from margint.crypto import decrypt
from stripe_double import DEFAULT_API_KEY, serve

URL = "/stripe/replace-key/"
HX = {"HTTP_HX_REQUEST": "true"}
NEW_KEY = "rk_test_same_account_rotated_0002"
RIVAL_KEY = "rk_test_rival_account_key_0001"


@pytest.fixture
def stripe_server(stripe_account, settings):
    """The double with a second key of the same account and a key of another account."""
    server = serve(stripe_account, accounts={NEW_KEY: "acct_margint_double", RIVAL_KEY: "acct_rival"})
    settings.STRIPE_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def synced(org, connection, stripe_account):
    every_case_account(stripe_account)
    revenue_sync_run(org=org, trigger="manual")
    CustomerMapping.objects.create(org=org, stripe_customer_id="cus_any", tag_value="any-co")
    return org


def _kept(org) -> tuple[int, int, int]:
    return (
        StripeCustomer.objects.filter(org=org).count(),
        RevenueDaily.objects.filter(org=org).count(),
        CustomerMapping.objects.filter(org=org).count(),
    )


def test_a_new_key_of_the_same_account_replaces_the_key_and_keeps_everything(admin, synced, stripe_server):
    before = _kept(synced)
    assert before[0] > 0 and before[1] > 0 and before[2] == 1
    response = admin.page_client().post(URL, {"stripe_key": NEW_KEY}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "The Stripe key is replaced." in html
    assert NEW_KEY not in html  # never echoed back, not even masked in full
    connection = StripeConnection.objects.get(org=synced)
    assert decrypt(connection.encrypted_key) == NEW_KEY and connection.key_prefix.startswith("rk_test_")
    assert _kept(synced) == before
    assert [r.path for r in stripe_server.requests if r.path == "/v1/account"] == ["/v1/account"] * 2


def test_a_key_of_another_account_is_refused_with_the_reason(admin, synced):
    before = _kept(synced)
    response = admin.page_client().post(URL, {"stripe_key": RIVAL_KEY}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "belongs to Stripe account acct_rival, but the connected account is acct_margint_double" in html
    assert RIVAL_KEY not in html
    assert decrypt(StripeConnection.objects.get(org=synced).encrypted_key) == DEFAULT_API_KEY
    assert _kept(synced) == before


def test_a_key_stripe_refuses_is_said_so_and_changes_nothing(admin, synced):
    response = admin.page_client().post(URL, {"stripe_key": "rk_test_unknown_key_0003"}, **HX)
    html = response.content.decode()
    assert "Stripe did not accept this key" in html and "rk_test_unknown_key_0003" not in html
    assert decrypt(StripeConnection.objects.get(org=synced).encrypted_key) == DEFAULT_API_KEY


def test_with_the_current_key_revoked_the_new_key_must_see_the_synced_customers(
    admin, synced, stripe_server, stripe_account
):
    stripe_server.app.api_keys = frozenset({NEW_KEY, RIVAL_KEY})  # the old key is revoked
    response = admin.page_client().post(URL, {"stripe_key": NEW_KEY}, **HX)
    assert "The Stripe key is replaced." in response.content.decode()
    assert decrypt(StripeConnection.objects.get(org=synced).encrypted_key) == NEW_KEY


def test_members_and_outsiders_cannot_replace_the_key(member, outsider, synced):
    assert member.page_client().post(URL, {"stripe_key": NEW_KEY}).status_code == 403
    response = outsider.page_client().post(URL, {"stripe_key": NEW_KEY}, **HX)
    assert "Stripe is not connected" in response.content.decode()
    assert decrypt(StripeConnection.objects.get(org=synced).encrypted_key) == DEFAULT_API_KEY
    assert not StripeConnection.objects.filter(org=outsider.org).exists()


def test_a_malformed_key_is_named_at_its_field(admin, synced):
    response = admin.page_client().post(URL, {"stripe_key": "sk_nonsense"}, **HX)
    assert 'id="id_stripe_key_error"' in response.content.decode()
