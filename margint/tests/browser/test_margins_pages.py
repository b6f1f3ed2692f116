"""The Margins page in a real browser: filter, sort and search swap only the table; a customer opens."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from margins.tests.factories import add_cost, add_revenue, map_tag
from margint.tests.browser.conftest import shoot

pytestmark = pytest.mark.browser

M = 1_000_000


@pytest.fixture
def demo_margins(org):
    map_tag(org, "cus_abc123", "acme-corp", name="Acme Corp")
    for month, cost in ((2, 35), (3, 32), (4, 30)):
        add_revenue(org, "cus_abc123", date(2026, month, 1), 100 * M)
        add_cost(org, "acme-corp", date(2026, month, 2), cost * M, model="gpt-4o")
    map_tag(org, "cus_burn", "burner", name="Burner LLC")
    add_revenue(org, "cus_burn", date(2026, 4, 10), 10 * M)
    add_cost(org, "burner", date(2026, 4, 11), 12 * M)
    map_tag(org, "cus_mid", "middle", name="Zeta Middle")
    add_revenue(org, "cus_mid", date(2026, 4, 10), 1_234 * M)
    add_cost(org, "middle", date(2026, 4, 11), 864 * M)
    for n in range(55):
        map_tag(org, f"cus_{n:03d}", f"team-{n:03d}", name=f"Team {n:03d}")
        add_revenue(org, f"cus_{n:03d}", date(2026, 4, 1), (n + 1) * M)
        add_cost(org, f"team-{n:03d}", date(2026, 4, 2), (n + 1) * M // 4)
    add_cost(org, "nobody-mapped", date(2026, 4, 11), 3 * M)
    return org


def _tags(page) -> list[str]:
    return page.locator("#margins-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.tag)")


def _mark(page) -> None:
    """Markers outside the table: a window flag and a property on the page heading's own node."""
    page.evaluate("window.__sameDocument = true; document.getElementById('margins-head').__kept = true")


def _kept(page) -> bool:
    return page.evaluate(
        "window.__sameDocument === true && document.getElementById('margins-head').__kept === true"
    )


def test_filter_sort_and_search_swap_only_the_table_then_a_customer_opens(open_page, viewer, demo_margins):
    page = open_page(path="/margins/?period=2026-04")
    page.get_by_label("Email").fill("viewer@acme.test")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/margins/?period=2026-04")
    assert page.locator('nav.nav a[aria-current="page"]').inner_text() == "Margins"
    # The twelve-month chart comes in its own request right after the page.
    expect(page.locator("#margins-trend g.chart-month")).to_have_count(12)
    expect(page.locator("#margins-table")).to_contain_text("Customers 1–50 of 58")
    assert _tags(page)[0] == "burner"
    shoot(page, "margins")
    _mark(page)

    page.get_by_label("Health").select_option("critical")
    page.wait_for_url(re.compile(r"tier=critical"))
    expect(page.locator("#margins-table tbody tr")).to_have_count(1)
    assert _tags(page) == ["burner"] and _kept(page)

    page.get_by_label("Health").select_option("")
    expect(page.locator("#margins-table tbody tr")).to_have_count(50)
    page.locator('th a[data-sort="revenue"]').click()
    page.wait_for_url(re.compile(r"sort=revenue&dir=desc"))
    expect(page.locator("#margins-table tbody tr").first).to_have_attribute("data-tag", "middle")
    assert _tags(page)[:3] == ["middle", "acme-corp", "team-054"] and _kept(page)

    page.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator("#margins-table tbody tr")).to_have_count(8)
    assert _kept(page)

    page.get_by_label("Search").fill("zeta")
    page.wait_for_url(re.compile(r"q=zeta"))
    expect(page.locator("#margins-table tbody tr")).to_have_count(1)
    assert _tags(page) == ["middle"] and _kept(page)
    assert "sort=revenue" in page.url and "page=" not in page.url
    shoot(page, "margins-filtered")

    page.get_by_role("link", name="Zeta Middle").click()
    page.wait_for_url("**/margins/middle/?period=2026-04")
    assert page.get_by_role("heading", level=1).inner_text() == "Zeta Middle"
    expect(page.locator("svg.chart-svg rect.bar-revenue")).to_have_count(6)
    shoot(page, "customer")
