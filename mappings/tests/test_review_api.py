"""Confirm, reject and auto-match on demand: who may, what changes, what is remembered."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from mappings.models import CustomerMapping, MappingChange, MappingRejection
from mappings.tests.factories import CustomerMappingFactory, StripeCustomerFactory
from margins.tests.factories import CostCustomerFactory

URL = "/api/customer-mappings"


def _auto(org, **fields):
    defaults = {"match_type": "auto", "confidence": Decimal("0.800"), "status": "suggested"}
    return CustomerMappingFactory(org=org, **{**defaults, **fields})


def test_confirm_turns_an_auto_match_into_a_manual_mapping(admin):
    StripeCustomerFactory(org=admin.org, stripe_id="cus_1", name="Beta Co")
    mapping = _auto(admin.org, stripe_customer_id="cus_1", tag_value="beta")

    response = admin.client().post(f"{URL}/{mapping.pk}/confirm")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["matchType"], data["confidence"], data["status"], data["customerName"]) == (
        str(mapping.pk),
        "manual",
        1.0,
        "confirmed",
        "Beta Co",
    )
    change = MappingChange.objects.get(mapping_id=mapping.pk)
    assert (change.action, change.source, change.actor, change.actor_label) == (
        "confirmed",
        "api",
        admin.user,
        "admin@acme.test",
    )
    assert (change.before["matchType"], change.before["confidence"], change.before["status"]) == (
        "auto",
        "0.800",
        "suggested",
    )
    assert (change.after["matchType"], change.after["confidence"], change.after["status"]) == (
        "manual",
        "1.000",
        "confirmed",
    )


def test_reject_deletes_the_mapping_and_remembers_the_pair(admin):
    mapping = _auto(admin.org, stripe_customer_id="cus_1", tag_value="beta")

    response = admin.client().post(f"{URL}/{mapping.pk}/reject")

    assert response.status_code == 200
    assert response.json() == {"data": {"deleted": True, "rejected": True}}
    assert not CustomerMapping.objects.exists()
    rejection = MappingRejection.objects.get()
    assert (rejection.org, rejection.stripe_customer_id, rejection.tag_value, rejection.rejected_by) == (
        admin.org,
        "cus_1",
        "beta",
        admin.user,
    )
    change = MappingChange.objects.get(mapping_id=mapping.pk)
    assert (change.action, change.after, change.before["tagValue"]) == ("rejected", None, "beta")


def test_rejected_pairs_are_not_proposed_by_the_next_auto_match(admin):
    StripeCustomerFactory(org=admin.org, stripe_id="cus_1", name="Beta")
    CostCustomerFactory(org=admin.org, external_id="beta")
    client = admin.client()
    first = client.post(f"{URL}/auto-match").json()["data"]
    proposal = CustomerMapping.objects.get()

    client.post(f"{URL}/{proposal.pk}/reject")
    second = client.post(f"{URL}/auto-match").json()["data"]

    assert (first["created"], first["suggested"]) == (1, 1)
    assert (second["created"], second["rejected"]) == (0, 1)
    assert not CustomerMapping.objects.exists()


@pytest.mark.parametrize("action", ["confirm", "reject"])
@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_only_admins_confirm_or_reject(request, org, persona, action):
    mapping = _auto(org)
    response = request.getfixturevalue(persona).client().post(f"{URL}/{mapping.pk}/{action}")
    assert response.status_code == 403
    mapping.refresh_from_db()
    assert (mapping.match_type, mapping.status) == ("auto", "suggested")
    assert not MappingRejection.objects.exists()


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_outsider_gets_404_on_another_orgs_mapping(outsider, org, action):
    mapping = _auto(org)
    response = outsider.client().post(f"{URL}/{mapping.pk}/{action}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    mapping.refresh_from_db()
    assert (mapping.match_type, mapping.status) == ("auto", "suggested")
    assert not MappingRejection.objects.exists()
    assert not MappingChange.objects.exists()


@pytest.mark.parametrize("action", ["confirm", "reject"])
@pytest.mark.parametrize("mapping_id", [str(uuid.uuid4()), "nope", "1"])
def test_unknown_or_malformed_ids_are_404(admin, action, mapping_id):
    response = admin.client().post(f"{URL}/{mapping_id}/{action}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_members_may_run_auto_match_and_get_the_counts(member):
    StripeCustomerFactory(org=member.org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    StripeCustomerFactory(org=member.org, stripe_id="cus_2", name="Zeta Labs")
    CostCustomerFactory(org=member.org, external_id="acme")
    CostCustomerFactory(org=member.org, external_id="zeta-labs")
    CostCustomerFactory(org=member.org, external_id="unrelated")

    response = member.client().post(f"{URL}/auto-match")

    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "created": 2,
            "pending": 1,
            "suggested": 1,
            "candidates": 3,
            "ambiguous": 0,
            "contested": 0,
            "rejected": 0,
            "tagTaken": 0,
        }
    }


def test_viewers_may_not_run_auto_match(viewer):
    StripeCustomerFactory(org=viewer.org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    CostCustomerFactory(org=viewer.org, external_id="acme")
    assert viewer.client().post(f"{URL}/auto-match").status_code == 403
    assert not CustomerMapping.objects.exists()


def test_outsiders_auto_match_runs_on_their_own_org_only(outsider, org):
    StripeCustomerFactory(org=org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    CostCustomerFactory(org=org, external_id="acme")
    response = outsider.client().post(f"{URL}/auto-match")
    assert response.json()["data"]["created"] == 0
    assert not CustomerMapping.objects.exists()
