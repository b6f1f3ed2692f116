"""Mappings in Django admin: list, filters, search, actions through services, scoping, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mappings.models import CustomerMapping, MappingChange, MappingRejection
from mappings.tests.factories import CustomerMappingFactory, StripeCustomerFactory
from margint.models import Role
from margint.tests.factories import MembershipFactory, UserFactory

CHANGELIST = reverse("admin:mappings_customermapping_changelist")
ADD = reverse("admin:mappings_customermapping_add")
CHANGES = reverse("admin:mappings_mappingchange_changelist")


def _change_url(mapping) -> str:
    return reverse("admin:mappings_customermapping_change", args=[mapping.pk])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@margint.test", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_admin(org, other_org):
    """Staff, admin of `org`, only a viewer of `other_org`: manages `org`'s mappings and nothing else."""
    user = UserFactory(email="ops@acme.test", is_staff=True)
    MembershipFactory(user=user, organization=org, role=Role.ADMIN)
    MembershipFactory(user=user, organization=other_org, role=Role.VIEWER)
    return user


@pytest.fixture
def two_orgs(org, other_org):
    StripeCustomerFactory(org=org, stripe_id="cus_acme", name="Acme Corp", email="billing@acme.io")
    StripeCustomerFactory(org=org, stripe_id="cus_beta", name="BetaCo", email="ap@beta.co")
    StripeCustomerFactory(org=other_org, stripe_id="cus_rival", name="Rival Ltd", email="ap@rival.io")
    return {
        "acme": CustomerMappingFactory(org=org, stripe_customer_id="cus_acme", tag_value="acme-corp"),
        "beta": CustomerMappingFactory(
            org=org,
            stripe_customer_id="cus_beta",
            tag_value="beta",
            match_type="auto",
            confidence=Decimal("0.613"),
            status="suggested",
        ),
        "rival": CustomerMappingFactory(
            org=other_org,
            stripe_customer_id="cus_rival",
            tag_value="rival",
            match_type="auto",
            confidence=Decimal("0.900"),
            status="pending",
        ),
    }


def _listed(client, **params) -> list[str]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted(m.stripe_customer_id for m in response.context["cl"].result_list)


def test_superuser_lists_every_mapping_with_the_customer_name(superuser, two_orgs):
    response = _client(superuser).get(CHANGELIST)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Acme Corp", "BetaCo", "Rival Ltd", "acme-corp", "0.613", "suggested"):
        assert text in body
    assert _listed(_client(superuser)) == ["cus_acme", "cus_beta", "cus_rival"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"match_type__exact": "auto"}, ["cus_beta", "cus_rival"]),
        ({"status__exact": "pending"}, ["cus_rival"]),
        ({"confidence_band": "exact"}, ["cus_acme"]),
        ({"confidence_band": "high"}, ["cus_rival"]),
        ({"confidence_band": "low"}, ["cus_beta"]),
        ({"q": "cus_bet"}, ["cus_beta"]),
        ({"q": "acme-corp"}, ["cus_acme"]),
        ({"q": "rival ltd"}, ["cus_rival"]),
        ({"q": "AP@BETA.CO"}, ["cus_beta"]),
        ({"q": "billing@"}, ["cus_acme"]),
    ],
)
def test_filters_and_search_by_stripe_id_tag_name_and_email(superuser, two_orgs, params, expected):
    assert _listed(_client(superuser), **params) == expected


def test_confirm_action_calls_the_service_and_is_audited(superuser, two_orgs):
    beta = two_orgs["beta"]
    response = _client(superuser).post(
        CHANGELIST, {"action": "confirm_selected", "_selected_action": [str(beta.pk)]}
    )
    assert response.status_code == 302
    beta.refresh_from_db()
    assert (beta.match_type, beta.confidence, beta.status) == ("manual", Decimal("1.000"), "confirmed")
    change = MappingChange.objects.get(mapping_id=beta.pk)
    assert (change.action, change.source, change.actor) == ("confirmed", "admin", superuser)


def test_reject_action_deletes_and_remembers(superuser, two_orgs):
    beta = two_orgs["beta"]
    _client(superuser).post(CHANGELIST, {"action": "reject_selected", "_selected_action": [str(beta.pk)]})
    assert not CustomerMapping.objects.filter(pk=beta.pk).exists()
    assert list(MappingRejection.objects.values_list("stripe_customer_id", "tag_value", "rejected_by")) == [
        ("cus_beta", "beta", superuser.pk)
    ]
    assert MappingChange.objects.get(mapping_id=beta.pk).action == "rejected"


def test_adding_in_admin_creates_a_manual_mapping_through_the_service(superuser, org):
    response = _client(superuser).post(
        ADD,
        {"org": str(org.pk), "stripe_customer_id": "cus_new", "tag_key": "customer", "tag_value": "newco"},
    )
    assert response.status_code == 302
    mapping = CustomerMapping.objects.get(stripe_customer_id="cus_new")
    assert (mapping.org, mapping.tag_value, mapping.match_type, mapping.status) == (
        org,
        "newco",
        "manual",
        "confirmed",
    )
    change = MappingChange.objects.get(mapping_id=mapping.pk)
    assert (change.action, change.source, change.before) == ("created", "admin", None)


def test_admin_validation_refuses_control_characters(superuser, org):
    response = _client(superuser).post(
        ADD, {"org": str(org.pk), "stripe_customer_id": "cus\x01", "tag_key": "customer", "tag_value": "x"}
    )
    assert response.status_code == 200
    assert "Must not contain control characters." in response.content.decode()
    assert not CustomerMapping.objects.exists()


def test_changing_the_tag_value_in_admin_is_audited_and_history_is_shown(superuser, two_orgs):
    beta = two_orgs["beta"]
    client = _client(superuser)
    response = client.post(_change_url(beta), {"tag_value": "beta-co"})
    assert response.status_code == 302
    beta.refresh_from_db()
    assert (beta.tag_value, beta.match_type, beta.status) == ("beta-co", "manual", "confirmed")
    change = MappingChange.objects.get(mapping_id=beta.pk)
    assert (change.before["tagValue"], change.after["tagValue"], change.source) == (
        "beta",
        "beta-co",
        "admin",
    )

    page = client.get(_change_url(beta)).content.decode()
    assert "root@margint.test via admin" in page
    assert "&quot;tagValue&quot;: &quot;beta-co&quot;" in page


def test_deleting_in_admin_is_audited(superuser, two_orgs):
    acme = two_orgs["acme"]
    url = reverse("admin:mappings_customermapping_delete", args=[acme.pk])
    assert _client(superuser).post(url, {"post": "yes"}).status_code == 302
    assert not CustomerMapping.objects.filter(pk=acme.pk).exists()
    assert MappingChange.objects.get(mapping_id=acme.pk).action == "deleted"


def test_staff_member_sees_only_the_orgs_where_they_are_admin(staff_admin, two_orgs):
    client = _client(staff_admin)
    assert _listed(client) == ["cus_acme", "cus_beta"]
    assert _listed(client, q="rival") == []
    assert client.get(_change_url(two_orgs["acme"])).status_code == 200


def test_staff_member_cannot_open_or_change_another_orgs_mapping(staff_admin, two_orgs):
    rival = two_orgs["rival"]
    client = _client(staff_admin)

    opened = client.get(_change_url(rival))
    changed = client.post(_change_url(rival), {"tag_value": "stolen"})
    client.post(CHANGELIST, {"action": "confirm_selected", "_selected_action": [str(rival.pk)]})
    client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": [str(rival.pk)]})

    assert opened.status_code == 302  # admin's "does not exist" redirect
    assert changed.status_code == 302
    rival.refresh_from_db()
    assert (rival.tag_value, rival.match_type, rival.status) == ("rival", "auto", "pending")
    assert not MappingRejection.objects.exists()
    assert not MappingChange.objects.exists()


def test_staff_member_can_only_choose_their_admin_orgs_when_adding(staff_admin, org, other_org):
    client = _client(staff_admin)
    form = client.get(ADD).context["adminform"].form
    assert list(form.fields["org"].queryset) == [org]

    response = client.post(
        ADD,
        {"org": str(other_org.pk), "stripe_customer_id": "cus_x", "tag_key": "customer", "tag_value": "x"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not CustomerMapping.objects.exists()


def test_staff_member_actions_work_on_their_own_org(staff_admin, two_orgs):
    beta = two_orgs["beta"]
    _client(staff_admin).post(CHANGELIST, {"action": "confirm_selected", "_selected_action": [str(beta.pk)]})
    beta.refresh_from_db()
    assert beta.status == "confirmed"
    assert MappingChange.objects.get(mapping_id=beta.pk).actor == staff_admin


def test_audit_list_is_read_only_and_scoped(staff_admin, two_orgs, superuser):
    client = _client(superuser)
    for name in ("acme", "rival"):
        client.post(CHANGELIST, {"action": "confirm_selected", "_selected_action": [str(two_orgs[name].pk)]})
    # acme was already manual and confirmed: confirming it changed nothing, so nothing was recorded.
    assert MappingChange.objects.count() == 1

    staff = _client(staff_admin)
    assert staff.get(CHANGES).context["cl"].result_count == 0
    assert client.get(CHANGES).context["cl"].result_count == 1
    change = MappingChange.objects.get()
    assert client.get(reverse("admin:mappings_mappingchange_change", args=[change.pk])).status_code == 200
    assert staff.get(reverse("admin:mappings_mappingchange_change", args=[change.pk])).status_code == 302
    assert client.get(reverse("admin:mappings_mappingchange_add")).status_code == 403


def test_staff_without_an_admin_membership_do_not_see_mappings(org, two_orgs):
    user = UserFactory(email="helper@acme.test", is_staff=True)
    MembershipFactory(user=user, organization=org, role=Role.MEMBER)
    client = _client(user)
    assert client.get(CHANGELIST).status_code == 403
    assert "Customer mappings" not in client.get(reverse("admin:index")).content.decode()


def test_changelist_queries_do_not_grow_with_the_rows_on_the_page(superuser, two_orgs, org, other_org):
    client = _client(superuser)
    client.get(CHANGELIST)  # the session and the admin's first-request reads

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CHANGELIST).status_code == 200
        return len(captured)

    few = queries()
    for n in range(20):
        StripeCustomerFactory(org=org if n % 2 else other_org, stripe_id=f"cus_more{n}", name=f"More {n}")
        CustomerMappingFactory(org=org if n % 2 else other_org, stripe_customer_id=f"cus_more{n}")
    assert queries() == few


def test_audit_list_is_searchable_by_mapping_id_and_by_who(superuser, two_orgs):
    client = _client(superuser)
    beta, rival = two_orgs["beta"], two_orgs["rival"]
    for mapping in (beta, rival):
        client.post(CHANGELIST, {"action": "confirm_selected", "_selected_action": [str(mapping.pk)]})

    def found(term: str) -> list:
        return sorted(str(c.mapping_id) for c in client.get(CHANGES, {"q": term}).context["cl"].result_list)

    assert found(str(beta.pk)) == [str(beta.pk)]
    assert found("root@margint") == sorted([str(beta.pk), str(rival.pk)])
    assert found("nobody@") == []
