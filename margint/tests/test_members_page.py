from __future__ import annotations

import pytest

from margint.models import Membership, Role


def _membership(persona) -> Membership:
    return Membership.objects.get(user=persona.user, organization=persona.org)


def test_admin_sees_every_member_with_their_role(admin, member, viewer):
    html = admin.page_client().get("/settings/members/").content.decode()
    table = html.split('id="members-table"')[1].split("</table>")[0]
    assert [email in table for email in ("admin@acme.test", "member@acme.test", "viewer@acme.test")] == [
        True
    ] * 3
    viewer_row = table.split(f'id="member-{_membership(viewer).pk}"')[1].split("</tr>")[0]
    assert '<option value="viewer" selected>' in viewer_row
    assert "only admin" in table.split(f'id="member-{_membership(admin).pk}"')[1].split("</tr>")[0]


def test_htmx_get_returns_only_the_table(admin):
    response = admin.page_client().get("/settings/members/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="members-table"') and "<html" not in html


def test_adding_a_person_answers_with_a_fresh_form_and_the_event_the_table_listens_for(admin, org):
    response = admin.page_client().post(
        "/settings/members/add/",
        {"email": "new@acme.test", "role": "member", "password": "plum-orchard-42"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Trigger"] == '{"memberAdded": {}}'
    assert "new@acme.test added as member." in response.content.decode()
    assert Membership.objects.get(organization=org, user__email="new@acme.test").role == "member"
    table = admin.page_client().get("/settings/members/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="memberAdded from:body"' in table and "new@acme.test" in table


def test_adding_an_existing_member_shows_the_error_next_to_the_email(admin, member):
    response = admin.page_client().post(
        "/settings/members/add/", {"email": "member@acme.test", "role": "admin"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "member@acme.test is already a member." in html.split('id="id_email_error"')[1]
    assert _membership(member).role == Role.MEMBER


def test_changing_a_role_swaps_the_table(admin, member):
    response = admin.page_client().post(
        f"/settings/members/{_membership(member).pk}/role/", {"role": "admin"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Trigger"] == f'{{"memberChanged": {{"id": {_membership(member).pk}}}}}'
    assert "member@acme.test is now admin." in response.content.decode()
    assert _membership(member).role == Role.ADMIN


def test_demoting_the_last_admin_is_refused_with_a_message(admin, member):
    client = admin.page_client()
    response = client.post(
        f"/settings/members/{_membership(admin).pk}/role/", {"role": "viewer"}, HTTP_HX_REQUEST="true"
    )
    assert "keeps at least one admin" in response.content.decode()
    assert "HX-Trigger" not in response
    assert _membership(admin).role == Role.ADMIN
    plain = client.post(f"/settings/members/{_membership(admin).pk}/remove/", follow=True)
    assert "keeps at least one admin" in plain.content.decode()
    assert _membership(admin).role == Role.ADMIN


def test_an_admin_who_steps_down_is_sent_to_the_overview(admin, org):
    other = Membership.objects.create(
        user=_membership(admin).user.__class__.objects.create(username="b@acme.test", email="b@acme.test"),
        organization=org,
        role=Role.ADMIN,
    )
    response = admin.page_client().post(
        f"/settings/members/{_membership(admin).pk}/role/", {"role": "member"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == "/"
    assert _membership(admin).role == Role.MEMBER and other.role == Role.ADMIN


def test_removing_a_member_with_a_plain_post_redirects_back(admin, member, org):
    response = admin.page_client().post(f"/settings/members/{_membership(member).pk}/remove/", follow=True)
    assert response.redirect_chain == [("/settings/members/", 302)]
    assert "member@acme.test was removed from Acme AI." in response.content.decode()
    assert not Membership.objects.filter(organization=org, user=member.user).exists()


def test_outsider_cannot_touch_memberships_of_another_org(outsider, member):
    client = outsider.page_client()
    assert (
        client.post(f"/settings/members/{_membership(member).pk}/role/", {"role": "admin"}).status_code == 404
    )
    assert client.post(f"/settings/members/{_membership(member).pk}/remove/").status_code == 404
    assert _membership(member).role == Role.MEMBER
    assert "member@acme.test" not in client.get("/settings/members/").content.decode()


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_non_admins_are_refused_every_members_action(request, persona, admin):
    client = request.getfixturevalue(persona).page_client()
    assert client.get("/settings/members/").status_code == 403
    assert client.post("/settings/members/add/", {"email": "x@acme.test", "role": "admin"}).status_code == 403
    assert client.post(f"/settings/members/{_membership(admin).pk}/remove/").status_code == 403
    assert Membership.objects.filter(organization=admin.org).count() == 2


def test_free_org_admins_manage_members_too(free_admin):
    assert free_admin.page_client().get("/settings/members/").status_code == 200


def test_the_members_page_states_the_roles_as_the_pages_enforce_them(admin):
    html = admin.page_client().get("/settings/members/").content.decode()
    assert "record budgets" not in html
    assert "admins also change settings, budgets, mappings" in html
