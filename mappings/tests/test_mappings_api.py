"""GET/POST/DELETE /api/customer-mappings as the customer-mappings document specifies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mappings.models import CustomerMapping, MappingChange, MappingRejection
from mappings.selectors import counting_mappings
from mappings.tests.factories import CustomerMappingFactory, StripeCustomerFactory

URL = "/api/customer-mappings"


def _snapshot(org):
    return sorted(
        (m.stripe_customer_id, m.tag_key, m.tag_value, m.match_type, m.confidence, m.status)
        for m in CustomerMapping.objects.filter(org=org)
    )


def test_list_returns_every_mapping_of_the_org_with_the_document_fields(viewer, other_org):
    org = viewer.org
    StripeCustomerFactory(org=org, stripe_id="cus_abc123", name="Acme Corp")
    mapping = CustomerMappingFactory(org=org, stripe_customer_id="cus_abc123", tag_value="acme-corp")
    CustomerMapping.objects.filter(pk=mapping.pk).update(created_at=datetime(2026, 4, 10, 12, tzinfo=UTC))
    CustomerMappingFactory(org=other_org, stripe_customer_id="cus_abc123", tag_value="rival")

    response = viewer.client().get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "id": str(mapping.pk),
                "orgId": org.public_id,
                "stripeCustomerId": "cus_abc123",
                "tagKey": "customer",
                "tagValue": "acme-corp",
                "matchType": "manual",
                "confidence": 1.0,
                "createdAt": "2026-04-10T12:00:00.000Z",
                "status": "confirmed",
                "customerName": "Acme Corp",
            }
        ]
    }


def test_list_shows_auto_matches_with_their_confidence_and_status_and_null_name_when_unknown(viewer):
    CustomerMappingFactory(
        org=viewer.org, stripe_customer_id="cus_x", match_type="auto", confidence="0.613", status="suggested"
    )
    item = viewer.client().get(URL).json()["data"][0]
    assert (item["matchType"], item["confidence"], item["status"], item["customerName"]) == (
        "auto",
        0.613,
        "suggested",
        None,
    )


def test_upsert_creates_with_201_then_updates_with_200(admin):
    client = admin.client()
    body = {"stripeCustomerId": "cus_abc123", "tagValue": "acme-corp"}

    created = client.post(URL, body, format="json")
    updated = client.post(URL, {**body, "tagValue": "acme-corporation"}, format="json")

    assert created.status_code == 201
    assert created.json()["data"]["tagValue"] == "acme-corp"
    assert created.json()["data"]["tagKey"] == "customer"
    assert created.json()["data"]["matchType"] == "manual"
    assert created.json()["data"]["confidence"] == 1.0
    assert updated.status_code == 201  # the contract: 201 for an update too
    assert updated.json()["data"]["id"] == created.json()["data"]["id"]
    assert _snapshot(admin.org) == [
        ("cus_abc123", "customer", "acme-corporation", "manual", 1, "confirmed"),
    ]


def test_upsert_is_keyed_on_stripe_customer_and_tag_key(admin):
    client = admin.client()
    client.post(URL, {"stripeCustomerId": "cus_1", "tagValue": "acme"}, format="json")
    other_key = client.post(
        URL, {"stripeCustomerId": "cus_1", "tagValue": "t-1", "tagKey": "team"}, format="json"
    )
    assert other_key.status_code == 201
    assert [row[:3] for row in _snapshot(admin.org)] == [
        ("cus_1", "customer", "acme"),
        ("cus_1", "team", "t-1"),
    ]


def test_upsert_with_match_type_auto_counts_and_waits_for_review(admin):
    response = admin.client().post(
        URL, {"stripeCustomerId": "cus_1", "tagValue": "acme", "matchType": "auto"}, format="json"
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["matchType"], data["confidence"], data["status"]) == ("auto", 0.9, "pending")
    assert [m.stripe_customer_id for m in counting_mappings(org=admin.org)] == ["cus_1"]


def test_updating_an_auto_match_by_hand_makes_it_manual(admin):
    CustomerMappingFactory(
        org=admin.org,
        stripe_customer_id="cus_1",
        tag_value="acme",
        match_type="auto",
        confidence="0.700",
        status="suggested",
    )
    response = admin.client().post(URL, {"stripeCustomerId": "cus_1", "tagValue": "acme"}, format="json")
    assert response.status_code == 201  # the contract: 201 for an update too
    assert _snapshot(admin.org) == [("cus_1", "customer", "acme", "manual", 1, "confirmed")]


def test_several_stripe_customers_may_map_to_one_tag_value(admin):
    client = admin.client()
    for sid in ("cus_us", "cus_eu"):
        assert (
            client.post(URL, {"stripeCustomerId": sid, "tagValue": "acme"}, format="json").status_code == 201
        )
    assert [(m.stripe_customer_id, m.tag_value) for m in counting_mappings(org=admin.org)] == [
        ("cus_eu", "acme"),
        ("cus_us", "acme"),
    ]
    listed = client.get(URL).json()["data"]
    assert sorted(item["stripeCustomerId"] for item in listed if item["tagValue"] == "acme") == [
        "cus_eu",
        "cus_us",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tagValue": "acme"}, "stripeCustomerId"),
        ({"stripeCustomerId": "cus_1"}, "tagValue"),
        ({"stripeCustomerId": "", "tagValue": "acme"}, "stripeCustomerId"),
        ({"stripeCustomerId": "   ", "tagValue": "acme"}, "stripeCustomerId"),
        ({"stripeCustomerId": "c" * 255, "tagValue": "acme"}, "stripeCustomerId"),
        ({"stripeCustomerId": "cus_1", "tagValue": "t" * 255}, "tagValue"),
        ({"stripeCustomerId": "cus_1\n", "tagValue": "acme"}, "stripeCustomerId"),
        ({"stripeCustomerId": "cus_1", "tagValue": "ac\x00me"}, "tagValue"),
        ({"stripeCustomerId": "cus_1", "tagValue": "ac\x7fme"}, "tagValue"),
        ({"stripeCustomerId": "cus_1", "tagValue": "ac\u0085me"}, "tagValue"),
        ({"stripeCustomerId": 12345, "tagValue": "acme"}, "stripeCustomerId"),
        ({"stripeCustomerId": "cus_1", "tagValue": "acme", "tagKey": "cu\tstomer"}, "tagKey"),
        ({"stripeCustomerId": "cus_1", "tagValue": "acme", "matchType": "fuzzy"}, "matchType"),
        ({"stripeCustomerId": "cus_1", "tagValue": "acme", "matchType": None}, "matchType"),
    ],
)
def test_invalid_upserts_are_400_naming_the_field_and_change_nothing(admin, body, field):
    CustomerMappingFactory(org=admin.org, stripe_customer_id="cus_1", tag_value="before")
    before = _snapshot(admin.org)

    response = admin.client().post(URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == [field]
    assert error["message"].startswith(f"{field}: ")
    assert _snapshot(admin.org) == before
    assert not MappingChange.objects.exists()


def test_identifiers_of_254_characters_are_accepted(admin):
    body = {"stripeCustomerId": "c" * 254, "tagValue": "t" * 254}
    assert admin.client().post(URL, body, format="json").status_code == 201


def test_a_body_that_is_not_an_object_is_a_validation_error(admin):
    response = admin.client().post(URL, ["cus_1", "acme"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_manual_mapping_forgets_an_earlier_rejection_of_the_same_pair(admin):
    MappingRejection.objects.create(org=admin.org, stripe_customer_id="cus_1", tag_value="acme")
    MappingRejection.objects.create(org=admin.org, stripe_customer_id="cus_1", tag_value="other")
    admin.client().post(URL, {"stripeCustomerId": "cus_1", "tagValue": "acme"}, format="json")
    assert list(MappingRejection.objects.values_list("tag_value", flat=True)) == ["other"]


def test_delete_removes_the_mapping(admin):
    mapping = CustomerMappingFactory(org=admin.org)
    response = admin.client().delete(f"{URL}?id={mapping.pk}")
    assert response.status_code == 200
    assert response.json() == {"data": {"deleted": True}}
    assert not CustomerMapping.objects.filter(pk=mapping.pk).exists()


@pytest.mark.parametrize("given", ["unknown", "malformed"])
def test_delete_of_an_unknown_or_malformed_id_is_404(admin, given):
    CustomerMappingFactory(org=admin.org)
    mapping_id = uuid.uuid4() if given == "unknown" else "not-a-uuid"
    response = admin.client().delete(f"{URL}?id={mapping_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert CustomerMapping.objects.count() == 1


def test_delete_without_an_id_is_a_validation_error_naming_id(admin):
    response = admin.client().delete(URL)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"] == {"id": ["This query parameter is required."]}


def test_outsider_never_sees_and_cannot_delete_another_orgs_mapping(outsider, org):
    mapping = CustomerMappingFactory(org=org)
    client = outsider.client()

    assert client.get(URL).json() == {"data": []}
    response = client.delete(f"{URL}?id={mapping.pk}")

    assert response.status_code == 404
    assert CustomerMapping.objects.filter(pk=mapping.pk).exists()


@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_viewers_and_members_can_read_but_not_write(request, persona, org):
    mapping = CustomerMappingFactory(org=org)
    client = request.getfixturevalue(persona).client()

    assert client.get(URL).status_code == 200
    posted = client.post(URL, {"stripeCustomerId": "cus_9", "tagValue": "x"}, format="json")
    deleted = client.delete(f"{URL}?id={mapping.pk}")

    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert posted.json()["error"]["code"] == "forbidden"
    assert CustomerMapping.objects.count() == 1


ALL_ENDPOINTS = [
    ("get", URL),
    ("post", URL),
    ("delete", f"{URL}?id={uuid.uuid4()}"),
    ("post", f"{URL}/{uuid.uuid4()}/confirm"),
    ("post", f"{URL}/{uuid.uuid4()}/reject"),
    ("post", f"{URL}/auto-match"),
    ("get", "/api/margins/unmatched"),
]


@pytest.mark.parametrize(("method", "url"), ALL_ENDPOINTS)
def test_free_tier_gets_403_with_an_upgrade_pointer_on_every_endpoint(free_admin, method, url):
    response = getattr(free_admin.client(), method)(
        url, {"stripeCustomerId": "c", "tagValue": "t"}, format="json"
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert error["details"]["upgradeUrl"] == "/upgrade/"
    assert not CustomerMapping.objects.exists()


@pytest.mark.parametrize(("method", "url"), ALL_ENDPOINTS)
def test_anonymous_callers_get_401_on_every_endpoint(anon, db, method, url):
    response = getattr(anon, method)(url, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_required"


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_size(viewer):
    client = viewer.client()
    client.get(URL)  # the session's first read

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    CustomerMappingFactory(org=viewer.org)
    one = queries()
    for n in range(25):
        StripeCustomerFactory(org=viewer.org, stripe_id=f"cus_n{n}", name=f"Customer {n}")
        CustomerMappingFactory(org=viewer.org, stripe_customer_id=f"cus_n{n}")
    assert queries() == one
    assert len(client.get(URL).json()["data"]) == 26
