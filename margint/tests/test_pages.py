from __future__ import annotations

from django.test import Client


def test_login_page_renders_with_local_htmx(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "/static/django_htmx/htmx" in html
    # Without the CSRF token: 64 random letters and digits hold "cdn" in one page out of ~500.
    token = str(response.context["csrf_token"])
    assert token in html
    assert "cdn" not in html.replace(token, "").lower()


def test_home_redirects_anonymous_users_to_login(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_signing_in_lands_on_the_active_organization(admin):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "admin@acme.test", "password": "correct-horse-battery"}, follow=True
    )
    html = response.content.decode()
    assert "Acme AI" in html and admin.org.public_id in html


def test_logout_ends_the_session(admin):
    client = admin.page_client()
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_switcher_form_switches_and_refuses_foreign_orgs(member, other_org, org):
    from margint.tests.factories import MembershipFactory

    MembershipFactory(user=member.user, organization=other_org, role="viewer")
    client = member.page_client()
    client.post("/orgs/switch/", {"org": other_org.public_id, "next": "/"})
    assert "Rival Inc" in client.get("/").content.decode().split("<h1>")[1]
    client.post("/orgs/switch/", {"org": "org_notmine", "next": "https://evil.example/"})
    assert "Rival Inc" in client.get("/").content.decode().split("<h1>")[1]


def test_free_org_home_points_to_the_upgrade_page(free_admin):
    client = free_admin.page_client()
    assert "/upgrade/" in client.get("/").content.decode()


def test_the_upgrade_page_tells_a_pro_org_it_already_has_every_page(admin, free_admin):
    pro_html = admin.page_client().get("/upgrade/").content.decode()
    free_html = free_admin.page_client().get("/upgrade/").content.decode()
    assert "This is a Pro feature" not in pro_html
    assert "Acme AI is on the Pro plan" in pro_html
    assert "This is a Pro feature" in free_html
