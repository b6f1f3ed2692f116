"""Workspace API keys on the keyed endpoints: both headers, and every way a key is refused."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from margins.costs.tests.ingestion_helpers import event
from margins.models import CostEvent
from publicapi.keys import KEY_PREFIX, api_key_create, api_key_revoke, api_key_verify
from publicapi.models import ApiKey
from publicapi.tests.key_helpers import key_for, keyed_client

EVENTS = "/api/v1/events"
UNPRICED = "/api/v1/events/unpriced"


def post_events(client, events):
    return client.post(EVENTS, {"events": events}, format="json")


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_key_is_accepted_in_either_header(org, header):
    client = keyed_client(key_for(org), header)
    response = post_events(client, [event(idempotencyKey=f"via-{header}")])
    assert response.status_code == 202
    assert response.json()["data"]["accepted"] == 1
    assert client.get(UNPRICED).status_code == 200


def test_the_secret_is_shown_once_and_only_its_prefix_and_digest_are_stored(org):
    minted = api_key_create(org=org, name="backend")
    stored = ApiKey.objects.get(pk=minted.api_key.pk)
    assert minted.secret.startswith(KEY_PREFIX) and len(minted.secret) == len(KEY_PREFIX) + 40
    assert minted.secret[len(KEY_PREFIX) :].isalnum()
    assert stored.prefix == minted.secret[:16]
    assert minted.secret not in (stored.digest, stored.prefix, stored.name)
    assert len(stored.digest) == 64


def assert_unauthenticated(response):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_required"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "X-RateLimit-Limit" not in response


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        {"HTTP_AUTHORIZATION": "Bearer mk_live_short"},
        {"HTTP_AUTHORIZATION": "Bearer sk_live_" + "a" * 40},
        {"HTTP_AUTHORIZATION": "Bearer mk_live_" + "!" * 40},
        {"HTTP_AUTHORIZATION": "Bearer mk_live_" + "a" * 40},
        {"HTTP_X_API_KEY": ""},
        {"HTTP_X_API_KEY": "mk_live_" + "b" * 40},
    ],
)
def test_missing_malformed_or_unknown_keys_are_401(org, credentials):
    client = APIClient()
    client.credentials(**credentials)
    assert_unauthenticated(post_events(client, [event()]))
    assert_unauthenticated(client.get(UNPRICED))
    assert CostEvent.objects.count() == 0


def test_a_key_with_a_changed_character_is_401(org):
    secret = key_for(org)
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert_unauthenticated(post_events(keyed_client(tampered), [event()]))


def test_a_revoked_key_is_401_at_once(org):
    minted = api_key_create(org=org, name="old")
    client = keyed_client(minted.secret)
    assert post_events(client, [event()]).status_code == 202
    api_key_revoke(api_key=minted.api_key)
    assert_unauthenticated(post_events(client, [event()]))
    assert api_key_verify(minted.secret) is None
    assert CostEvent.objects.count() == 1


def test_a_read_only_key_cannot_ingest(org):
    response = post_events(keyed_client(key_for(org, scopes=("read",))), [event()])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert response.json()["error"]["message"] == "This API key lacks the 'write' scope."
    assert response["X-RateLimit-Limit"] == "600"  # a keyed answer, counted like any other
    assert CostEvent.objects.count() == 0


def test_a_write_only_key_cannot_read(org):
    response = keyed_client(key_for(org, scopes=("write",))).get(UNPRICED)
    assert response.status_code == 403
    assert response["X-RateLimit-Limit"] == "120"


def test_a_signed_in_member_without_a_key_cannot_use_keyed_endpoints(admin):
    client = admin.client()
    assert_unauthenticated(post_events(client, [event()]))
    assert_unauthenticated(client.get(UNPRICED))


def test_an_outsider_key_never_writes_or_reads_another_org(org, other_org):
    mine, theirs = keyed_client(key_for(org)), keyed_client(key_for(other_org))
    post_events(
        mine, [event(customer="cus_secret", model="house-model", costMicrodollars=None, idempotencyKey="k")]
    )
    response = post_events(theirs, [event(customer="cus_secret", idempotencyKey="k")])
    assert response.json()["data"] == {"accepted": 1, "duplicates": 0, "rejected": [], "unpriced": 0}
    assert CostEvent.objects.filter(org=org).count() == 1
    assert CostEvent.objects.filter(org=other_org).count() == 1
    assert [row["model"] for row in mine.get(UNPRICED).json()["data"]] == ["house-model"]
    assert theirs.get(UNPRICED).json() == {"data": []}


def test_last_used_at_is_kept(org):
    minted = api_key_create(org=org, name="backend")
    assert minted.api_key.last_used_at is None
    before = timezone.now()
    keyed_client(minted.secret).get(UNPRICED)
    minted.api_key.refresh_from_db()
    assert minted.api_key.last_used_at >= before


def test_django_admin_lists_keys_without_secrets_and_revokes_them(org, django_user_model):
    staff = django_user_model.objects.create_superuser(
        "root@margint.test", "root@margint.test", "pw-long-enough-9"
    )
    minted = api_key_create(org=org, name="ci runner")
    client = APIClient()
    client.force_login(staff)
    listing = client.get("/admin/publicapi/apikey/")
    assert listing.status_code == 200
    assert "ci runner" in listing.content.decode() and minted.secret not in listing.content.decode()
    response = client.post(
        "/admin/publicapi/apikey/", {"action": "revoke", "_selected_action": [str(minted.api_key.pk)]}
    )
    assert response.status_code == 302
    minted.api_key.refresh_from_db()
    assert minted.api_key.revoked_at is not None
    assert_unauthenticated(keyed_client(minted.secret).get(UNPRICED))
