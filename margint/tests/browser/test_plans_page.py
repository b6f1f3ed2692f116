"""The margins-by-plan page in a real browser: plan cards, the month select swaps only the body."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from margins.tests.factories import add_cost, map_tag
from margins.tests.plan_helpers import epoch, monthly_line, paid_invoice
from margint.tests.browser.conftest import shoot

pytestmark = pytest.mark.browser

M = 1_000_000


@pytest.fixture
def plans(org):
    for n, (plan, cents) in enumerate((("prod_pro", 30000), ("prod_pro", 10000), ("prod_team", 90000))):
        map_tag(org, f"cus_{n}", f"tenant-{n}", name=f"Tenant {n}")
        for month in (3, 4):
            line = monthly_line(f"il_{n}_{month}", cents, f"price_{plan}", plan, 2026, month)
            paid_invoice(org, f"in_{n}_{month}", f"cus_{n}", [line], paid=epoch(2026, month, 1))
            add_cost(org, f"tenant-{n}", date(2026, month, 3), (n + 1) * 40 * M)
    return org


def test_plan_cards_and_the_month_select_swap_only_the_body(open_page, viewer, plans):
    page = open_page(viewer, "/margins/plans/?period=2026-04")
    expect(page.locator("section.plan")).to_have_count(2)
    expect(page.locator('nav.nav a[aria-current="page"]')).to_have_text("Plans")
    page.evaluate("document.getElementById('plans-head').__kept = true")
    shoot(page, "plans")
    page.locator("#plans-period").select_option("2026-02")
    expect(page.locator("#plans-body .empty")).to_be_visible()
    assert page.evaluate("document.getElementById('plans-head').__kept === true")
    assert page.url.endswith("period=2026-02")
