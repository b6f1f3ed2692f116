"""Every dashboard page at 390 px, as the admin of a Pro organization with data: nothing scrolls sideways.

The margin table's rows take two lines there and the table sorts with a select. Also the charts
in the browser: their months, hover titles, figures table and the cards that open the table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from margins.tests.factories import StripeConnectionFactory, SyncRunFactory, add_cost, add_revenue, map_tag
from margint.tests.browser.conftest import PHONE
from publicapi.budgets.services import budget_create

pytestmark = pytest.mark.browser

M = 1_000_000
NOW = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)

# Every page of the dashboard an admin can open (the navigation's links are checked to be among them).
PAGES = [
    "/",
    "/margins/?period=2026-04",
    "/margins/?period=2026-04&tier=critical",
    "/margins/acme-corp/?period=2026-04",
    "/margins/plans/",
    "/customers/",
    "/mappings/?tab=queue",
    "/mappings/?tab=review",
    "/mappings/?tab=all",
    "/stripe/",
    "/budgets/",
    "/webhooks/",
    "/settings/api-keys/",
    "/settings/",
    "/settings/members/",
    "/upgrade/",
    "/api/v1/docs",
]


@pytest.fixture
def pro_org_with_data(org, clock_at):
    clock_at(NOW)
    StripeConnectionFactory(org=org, last_synced_at=datetime(2026, 4, 20, 10, 0, tzinfo=UTC))
    SyncRunFactory(org=org, stats={"skippedCurrencies": {"eur": 3}})
    map_tag(org, "cus_abc123", "acme-corp", name="Acme Corporation International Holdings")
    for month, cost in ((2, 35), (3, 32), (4, 30)):
        add_revenue(org, "cus_abc123", date(2026, month, 1), 100_000 * M)
        add_cost(
            org, "acme-corp", date(2026, month, 2), cost * 1_000 * M, model="gpt-4o-2024-08-06-long-name"
        )
    for n in range(12):
        tag = f"team-with-a-rather-long-tag-{n:03d}"
        map_tag(org, f"cus_{n:03d}", tag, name=f"Team {n:03d}")
        add_revenue(org, f"cus_{n:03d}", date(2026, 4, 1), (n + 1) * 1_000 * M)
        add_cost(org, tag, date(2026, 4, 2), (n + 1) * 300 * M * (n % 4))
    add_cost(org, "nobody-mapped-with-a-long-name", date(2026, 4, 11), 3 * M)
    budget_create(
        org=org, scope="customer", customer="acme-corp", monthly_limit_micro=40_000 * M, action="warn"
    )
    return org


def test_every_dashboard_page_fits_390_px(open_page, admin, pro_org_with_data):
    page = open_page(admin, path="/", viewport=PHONE)
    nav = page.locator("nav.nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert nav and all(any(p.split("?")[0] == href for p in PAGES) for href in nav), nav
    wide = {}
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
    assert wide == {}


def test_margin_rows_take_two_lines_and_sort_with_a_select_on_a_phone(open_page, admin, pro_org_with_data):
    page = open_page(admin, path="/margins/?period=2026-04", viewport=PHONE)
    row = page.locator("#margins-table tbody tr").first
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    assert row.bounding_box()["height"] < 3 * line + 20
    # Every amount shows whole (acme-corp's are $100,000.00 and up): none is cut to fit.
    cut = page.evaluate(
        """[...document.querySelectorAll('#margins-table td[data-label="Revenue"],'
            + '#margins-table td[data-label="Cost"], #margins-table td[data-label="Margin"]')]
           .filter(td => td.scrollWidth > td.clientWidth || td.getClientRects().length === 0)
           .map(td => td.textContent.trim())"""
    )
    assert cut == []
    page.get_by_label("Sort", exact=True).select_option("revenue:desc")
    page.wait_for_url(lambda url: "order=revenue" in url)
    expect(page.locator("#margins-table tbody tr").first).to_have_attribute("data-tag", "acme-corp")
    page.get_by_label("Sort", exact=True).select_option("revenue:asc")
    expect(page.locator("#margins-table tbody tr").first).to_have_attribute(
        "data-tag", "team-with-a-rather-long-tag-000"
    )


def test_overview_chart_shows_twelve_months_with_values_and_its_cards_open_the_table(
    open_page, admin, pro_org_with_data
):
    page = open_page(admin, path="/")
    months = page.locator("#overview-chart g.chart-month")
    expect(months).to_have_count(12)
    current = page.locator("#overview-chart g.chart-month.is-current")
    assert current.get_attribute("data-month") == "2026-04"
    assert current.locator("title").text_content().startswith("2026-04 (in progress): revenue $")
    assert page.locator("#overview-chart .chart-svg").bounding_box()["width"] > 900  # full width
    page.get_by_text("Figures by month").first.click()
    expect(page.locator("#overview-chart table tbody tr")).to_have_count(12)
    expect(page.locator("#overview-worst tbody tr")).to_have_count(5)
    page.locator('a[data-card="critical"]').click()
    page.wait_for_url(lambda url: "tier=critical" in url)
    assert page.locator("#margins-tier").input_value() == "critical"


def test_customer_chart_navigates_months_and_links_to_stripe(open_page, admin, pro_org_with_data):
    page = open_page(admin, path="/margins/acme-corp/?period=2026-04")
    expect(page.locator("#customer-chart g.chart-month")).to_have_count(6)
    assert page.get_by_role("link", name="open in Stripe's dashboard").get_attribute("href") == (
        "https://dashboard.stripe.com/customers/cus_abc123"
    )
    page.locator('a[rel="prev"]').first.click()
    page.wait_for_url(lambda url: "period=2026-03" in url)
    # March's six months end before the month in progress: nothing is marked.
    expect(page.locator("#customer-chart g.chart-month").last).to_have_attribute("data-month", "2026-03")
    expect(page.locator("#customer-chart g.chart-month.is-current")).to_have_count(0)
    assert page.locator('[data-card="cost-per-request"] .value').inner_text().startswith("32,000.0000")
