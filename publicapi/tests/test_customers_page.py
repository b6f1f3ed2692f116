"""The customers index (/customers/): every mapped customer, searched and paged, each linking to its page."""

from __future__ import annotations

import re
from datetime import date

from django.test import Client

from margins.tests.factories import add_cost, map_tag
from margint.navigation import nav_links
from margint.tenancy import memberships_of


def _tags(html: str) -> list[str]:
    return re.findall(r'<tr data-tag="([^"]+)"', html)


def test_every_counting_mapping_is_a_customer_by_name_with_a_link_to_its_page(viewer, org):
    map_tag(org, "cus_b", "beta", name="Beta Co")
    map_tag(org, "cus_b2", "beta", name="Beta Europe")  # two Stripe accounts, one customer
    map_tag(org, "cus_a", "alpha", status="pending", name="Alpha Inc")
    map_tag(org, "cus_s", "maybe", status="suggested", name="Suggested Only")
    add_cost(org, "alpha", date(2026, 4, 2), 1_000)
    html = viewer.page_client().get("/customers/").content.decode()
    assert _tags(html) == ["alpha", "beta"]  # a suggestion does not make a customer
    assert 'href="/margins/alpha/"' in html and 'href="/margins/beta/"' in html
    assert "<code>cus_b</code>, <code>cus_b2</code>" in html
    assert "Customers 1–2 of 2" in html and ">review</span>" in html  # alpha's match awaits review


def test_search_by_name_or_tag_and_pages_of_fifty(viewer, org):
    for n in range(55):
        map_tag(org, f"cus_{n:03d}", f"team-{n:03d}", name=f"Squad {n:03d}")
    client = viewer.page_client()
    first = client.get("/customers/").content.decode()
    assert "Customers 1–50 of 55" in first and 'href="/customers/?page=2"' in first
    second = client.get("/customers/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert second.lstrip().startswith('<div id="customers-table">') and len(_tags(second)) == 5
    assert _tags(client.get("/customers/?q=squad 007").content.decode()) == ["team-007"]
    assert _tags(client.get("/customers/?q=TEAM-054").content.decode()) == ["team-054"]
    assert "No customer matches" in client.get("/customers/?q=nobody").content.decode()


def test_an_outsider_sees_none_of_the_orgs_customers(outsider, org):
    map_tag(org, "cus_b", "beta", name="Beta Co")
    html = outsider.page_client().get("/customers/").content.decode()
    assert "beta" not in html and "Beta Co" not in html and "No mapped customers yet." in html


def test_the_navigation_entry_opens_this_page_and_it_is_pro_only(viewer, free_admin, db):
    links = {link.label: link.href for link in nav_links(memberships_of(viewer.user)[0], "/customers/")}
    assert links["Customers"] == "/customers/" and links["Mappings"] == "/mappings/"
    assert viewer.page_client().get(links["Customers"]).status_code == 200
    assert free_admin.page_client().get("/customers/").status_code == 403
    assert Client().get("/customers/").status_code == 302
