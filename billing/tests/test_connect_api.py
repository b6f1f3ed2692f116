"""POST /api/stripe/connect: key format, a live check against Stripe, encrypted storage."""

from __future__ import annotations

import logging

import pytest

from billing.models import StripeConnection
from billing.tests.conftest import WEBHOOK_SECRET
from margint.crypto import decrypt
from stripe_double import DEFAULT_API_KEY

URL = "/api/stripe/connect"


def test_admin_connects_a_restricted_key_which_is_stored_encrypted_and_masked(admin, stripe_server, caplog):
    caplog.set_level(logging.DEBUG)

    response = admin.client().post(
        URL, {"stripeKey": DEFAULT_API_KEY, "webhookSecret": WEBHOOK_SECRET}, format="json"
    )

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    stored = StripeConnection.objects.get(org=admin.org)
    assert data == {
        "id": str(stored.id),
        "keyPrefix": "rk_test_marg...uble",
        "status": "active",
        "createdAt": stored.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert DEFAULT_API_KEY not in stored.encrypted_key and decrypt(stored.encrypted_key) == DEFAULT_API_KEY
    assert decrypt(stored.encrypted_webhook_secret) == WEBHOOK_SECRET
    assert DEFAULT_API_KEY not in response.content.decode()
    assert DEFAULT_API_KEY not in caplog.text
    # The key was tried with one customers.list(limit=1).
    assert [(r.path, r.query, r.api_key) for r in stripe_server.requests] == [
        ("/v1/customers", {"limit": "1"}, DEFAULT_API_KEY)
    ]


def test_a_key_stripe_rejects_is_400_stripe_validation_failed_and_nothing_is_stored(admin, stripe_server):
    response = admin.client().post(URL, {"stripeKey": "rk_live_revoked0000000000000000"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "stripe_validation_failed"
    assert "rk_live_revoked0000000000000000" not in response.content.decode()
    assert not StripeConnection.objects.filter(org=admin.org).exists()


@pytest.mark.parametrize(
    "key",
    [
        "",
        "pk_live_abcdefghijklmnop",
        "sk_live_abcdefghijklmnopqrstu",
        "rk_live_short",
        "rk_live_has spaces in it!!",
    ],
)
def test_a_key_of_the_wrong_form_is_400_validation_error_without_calling_stripe(admin, stripe_server, key):
    response = admin.client().post(URL, {"stripeKey": key}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert stripe_server.requests == []


def test_a_test_secret_key_is_accepted_outside_production(admin, stripe_server):
    stripe_server.app.api_keys = frozenset({"sk_test_margint_double_secret"})

    response = admin.client().post(URL, {"stripeKey": "sk_test_margint_double_secret"}, format="json")

    assert response.status_code == 201
    assert response.json()["data"]["keyPrefix"] == "sk_test_marg...cret"


def test_a_test_secret_key_is_refused_in_production(admin, stripe_server, settings):
    settings.IS_PRODUCTION = True
    stripe_server.app.api_keys = frozenset({"sk_test_margint_double_secret"})

    response = admin.client().post(URL, {"stripeKey": "sk_test_margint_double_secret"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_webhook_secret_must_start_with_whsec(admin, stripe_server):
    response = admin.client().post(
        URL, {"stripeKey": DEFAULT_API_KEY, "webhookSecret": "secret"}, format="json"
    )

    assert response.status_code == 400
    assert not StripeConnection.objects.filter(org=admin.org).exists()


def test_connecting_twice_is_409_conflict(admin, connection):
    response = admin.client().post(URL, {"stripeKey": DEFAULT_API_KEY}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_unreachable_stripe_is_502_and_nothing_is_stored(admin, stripe_server, settings):
    stripe_server.faults.server_error(503, "/v1/customers", times=None)

    response = admin.client().post(URL, {"stripeKey": DEFAULT_API_KEY}, format="json")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "stripe_unavailable"
    assert not StripeConnection.objects.exists()


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_and_viewers_cannot_connect(request, persona, stripe_server):
    person = request.getfixturevalue(persona)

    response = person.client().post(URL, {"stripeKey": DEFAULT_API_KEY}, format="json")

    assert response.status_code == 403
    assert not StripeConnection.objects.exists()


def test_free_tier_gets_403_with_an_upgrade_pointer(free_admin, stripe_server):
    response = free_admin.client().post(URL, {"stripeKey": DEFAULT_API_KEY}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


def test_signed_out_is_401(anon, stripe_server):
    assert anon.post(URL, {"stripeKey": DEFAULT_API_KEY}, format="json").status_code == 401


def test_an_outsider_connecting_connects_only_their_own_org(outsider, org, stripe_server):
    response = outsider.client().post(URL, {"stripeKey": DEFAULT_API_KEY}, format="json")

    assert response.status_code == 201
    assert list(StripeConnection.objects.values_list("org", flat=True)) == [outsider.org.pk]
