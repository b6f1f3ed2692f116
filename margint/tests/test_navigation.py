from __future__ import annotations

import pytest
from django.urls import resolve

from margint.navigation import NAV_ENTRIES, nav_links
from margint.tenancy import memberships_of


def _labels(persona, path="/"):
    return [link.label for link in nav_links(memberships_of(persona.user)[0], path)]


def test_admin_of_a_pro_org_sees_every_page(admin):
    assert _labels(admin) == [
        "Overview",
        "Margins",
        "Plans",
        "Customers",
        "Mappings",
        "Stripe",
        "Budgets",
        "Webhooks",
        "API keys",
        "Settings",
        "Members",
    ]


def test_member_sees_stripe_but_no_admin_pages(member):
    assert _labels(member) == ["Overview", "Margins", "Plans", "Customers", "Mappings", "Stripe", "Budgets"]


def test_viewer_sees_only_reading_pages(viewer):
    # Stripe's status and runs are readable by viewers, as GET /api/stripe/status is.
    assert _labels(viewer) == ["Overview", "Margins", "Plans", "Customers", "Mappings", "Stripe", "Budgets"]


def test_free_org_gets_one_upgrade_link_in_place_of_pro_pages(free_admin, free_org):
    links = nav_links(memberships_of(free_admin.user)[0], "/")
    assert [(link.label, link.href, link.upgrade) for link in links] == [
        ("Overview", "/", False),
        ("Upgrade", "/upgrade/", True),
        ("API keys", "/settings/api-keys/", False),
        ("Members", "/settings/members/", False),
    ]


def test_the_longest_matching_link_is_the_current_one(admin):
    links = nav_links(memberships_of(admin.user)[0], "/settings/members/")
    assert [link.label for link in links if link.current] == ["Members"]
    links = nav_links(memberships_of(admin.user)[0], "/")
    assert [link.label for link in links if link.current] == ["Overview"]


def test_routed_entries_resolve_and_future_ones_are_plain_paths(db):
    for entry in NAV_ENTRIES:
        if entry.url_name:
            assert resolve(entry.href).url_name == entry.url_name
        else:
            assert entry.path.startswith("/") and entry.path.endswith("/")


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("admin", ["/settings/api-keys/", "/settings/members/", "/webhooks/"], []),
        (
            "viewer",
            ["/margins/", "/stripe/"],
            ["/settings/api-keys/", "/settings/members/", "/settings/", "/webhooks/"],
        ),
    ],
)
def test_rendered_navigation_follows_the_role(request, persona, visible, hidden):
    client = request.getfixturevalue(persona).page_client()
    nav = client.get("/").content.decode().split('<nav class="nav"')[1].split("</nav>")[0]
    for href in visible:
        assert f'href="{href}"' in nav
    for href in hidden:
        assert f'href="{href}"' not in nav
    assert 'href="/" aria-current="page"' in nav
