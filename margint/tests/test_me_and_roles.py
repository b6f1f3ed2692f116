from __future__ import annotations

from margint.models import Role
from margint.tests.factories import MembershipFactory, OrganizationFactory


def test_anonymous_api_call_gets_json_401_not_a_login_redirect(anon, db):
    response = anon.get("/api/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "authentication_required"


def test_me_returns_user_active_org_and_role(viewer):
    body = viewer.client().get("/api/me").json()["data"]
    assert body["user"]["email"] == "viewer@acme.test"
    assert body["organization"]["id"] == viewer.org.public_id
    assert body["organization"]["tier"] == "pro"
    assert body["organization"]["thresholds"] == {"healthy": 50.0, "moderate": 20.0, "atRisk": 0.0}
    assert body["role"] == "viewer"


def test_outsider_sees_only_their_own_org(outsider, org):
    body = outsider.client().get("/api/me").json()["data"]
    assert body["organization"]["id"] == outsider.org.public_id
    assert [o["id"] for o in body["organizations"]] == [outsider.org.public_id]


def test_user_in_two_orgs_switches_the_active_one(member, other_org):
    MembershipFactory(user=member.user, organization=other_org, role=Role.ADMIN)
    client = member.client()
    first = client.get("/api/me").json()["data"]["organization"]["id"]
    target = other_org.public_id if first == member.org.public_id else member.org.public_id
    switched = client.post("/api/orgs/active", {"orgId": target}, format="json")
    assert switched.status_code == 200
    me = client.get("/api/me").json()["data"]
    assert me["organization"]["id"] == target
    assert me["role"] == ("admin" if target == other_org.public_id else "member")


def test_outsider_cannot_switch_into_an_org_they_do_not_belong_to(outsider, org):
    client = outsider.client()
    response = client.post("/api/orgs/active", {"orgId": org.public_id}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/me").json()["data"]["organization"]["id"] == outsider.org.public_id


def test_switch_with_a_malformed_org_id_is_a_validation_error(member):
    response = member.client().post("/api/orgs/active", {"orgId": "acme; drop"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "orgId" in response.json()["error"]["details"]["fields"]


def test_signed_in_user_without_any_membership_is_forbidden(db):
    from rest_framework.test import APIClient

    from margint.tests.factories import UserFactory

    client = APIClient()
    client.force_login(UserFactory(email="lonely@example.com"))
    assert client.get("/api/me").status_code in (401, 403)


def test_org_public_id_matches_the_documented_pattern(db):
    import re

    org = OrganizationFactory()
    assert re.fullmatch(r"org_[a-zA-Z0-9]+", org.public_id)
