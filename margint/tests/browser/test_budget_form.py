"""The budget form in Chromium: the chosen scope's fields only, and type-ahead from the org's cost."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from publicapi.budgets.models import Budget
from publicapi.tests.factories import add_cost

pytestmark = pytest.mark.browser


def test_choosing_a_scope_shows_its_fields_and_type_ahead_fills_them(open_page, admin, org):
    add_cost(org, "acme-corp", date.today(), 1_000, feature="chat")
    page = open_page(admin, "/budgets/")
    customer, feature = page.get_by_label("Customer"), page.get_by_label("Feature")
    expect(customer).to_be_hidden()
    expect(feature).to_be_hidden()
    page.get_by_label("Scope").select_option("customer_feature")
    expect(customer).to_be_visible()
    expect(feature).to_be_visible()
    customer.press_sequentially("acme")
    expect(page.locator('#budget-customer-options option[value="acme-corp"]')).to_have_count(1)
    page.get_by_label("Scope").select_option("feature")
    expect(customer).to_be_hidden()
    feature.fill("chat")
    page.get_by_label("Monthly limit").fill("25")
    page.get_by_role("button", name="Add budget").click()
    expect(page.locator("#budgets-table")).to_contain_text("chat")
    budget = Budget.objects.get(org=org)
    assert (budget.scope, budget.feature, budget.customer_external_id) == ("feature", "chat", "")
