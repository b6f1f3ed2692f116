"""Mappings, customers and the margins CSV in a real browser: review an auto-match and see margins
change, map with type-ahead, download the CSV, and a viewer who can neither see nor make a change."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mappings.models import CustomerMapping, MappingChange
from margins.exports import CSV_COLUMNS
from margins.tests.factories import add_cost, add_revenue, map_tag, stripe_customer
from margint.tests.browser.conftest import shoot
from publicapi.budgets.services import budget_create

pytestmark = pytest.mark.browser

M = 1_000_000


@pytest.fixture
def review(org, clock_at):
    """This month: one mapped customer, and Globex whose auto-match is only a suggestion (not counted).

    The pages read the test's clock, stopped at a month's last minute: a browser test lasts seconds,
    and the month must not turn while it runs.
    """
    today = clock_at(datetime(2026, 5, 31, 23, 59, tzinfo=UTC)).date()
    map_tag(org, "cus_acme", "acme-corp", name="Acme Corp")
    add_revenue(org, "cus_acme", today, 1_500 * M)
    add_cost(org, "acme-corp", today, 300 * M)
    add_revenue(org, "cus_globex", today, 1_200 * M, name="Globex Corporation")
    add_cost(org, "globex", today, 200 * M)
    suggestion = map_tag(org, "cus_globex", "globex", status="suggested")
    CustomerMapping.objects.filter(pk=suggestion.pk).update(confidence=Decimal("0.714"))
    add_revenue(org, "cus_initech", today, 90 * M, name="Initech")
    add_cost(org, "initech-prod", today, 40 * M)
    budget_create(org=org, scope="customer", customer="globex", monthly_limit_micro=250 * M, action="block")
    return suggestion


def _mark(page) -> None:
    page.evaluate("window.__sameDocument = true")


def _same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_confirming_an_auto_match_leaves_the_list_and_the_customer_joins_the_margins(
    open_page, admin, review
):
    page = open_page(admin, "/margins/")
    expect(page.locator("#margins-table tbody tr")).to_have_count(1)
    expect(page.locator('#margins-table tr[data-tag="globex"]')).to_have_count(0)

    page.get_by_role("link", name="Mappings").click()
    page.wait_for_url("**/mappings/")
    assert page.locator('nav.nav a[aria-current="page"]').inner_text() == "Mappings"
    expect(page.locator("#pending tbody tr")).to_have_count(1)
    expect(page.locator('#unmatched-stripe tr[data-stripe="cus_globex"]')).to_have_count(1)
    shoot(page, "mappings")
    _mark(page)

    page.get_by_role("button", name="Confirm cus_globex as globex").click()
    expect(page.get_by_role("status").filter(has_text="Confirmed: cus_globex → globex.")).to_be_visible()
    expect(page.locator("#pending tbody tr")).to_have_count(0)
    expect(page.locator("#pending")).to_contain_text("Nothing awaits review.")
    expect(page.locator('#unmatched-stripe tr[data-stripe="cus_globex"]')).to_have_count(0)
    expect(page.locator('#unmapped-tags tr[data-tag="globex"]')).to_have_count(0)
    assert _same_document(page), "only the lists should swap"
    review.refresh_from_db()
    assert (review.status, review.match_type) == ("confirmed", "manual")
    shoot(page, "mappings-confirmed")

    page.get_by_role("link", name="Margins").click()
    row = page.locator('#margins-table tr[data-tag="globex"]')
    expect(row).to_have_count(1)
    # The revenue to date, then (in the month in progress) the month's beside it.
    expect(row.locator('td[data-label="Revenue"]')).to_have_text(re.compile(r"^\$1,200\.00"))
    expect(row.locator('td[data-label="Cost"]')).to_have_text(re.compile(r"^\$200\.00"))

    page.get_by_role("link", name="Customers").click()
    page.wait_for_url("**/customers/")
    expect(page.locator("#customers-table tbody tr")).to_have_count(2)
    shoot(page, "customers")
    page.get_by_role("link", name="Globex Corporation").click()
    page.wait_for_url("**/margins/globex/")
    expect(page.locator('#customer-mappings tr[data-stripe="cus_globex"]')).to_contain_text("confirmed")
    budget = page.locator("#customer-budgets tbody tr")
    expect(budget).to_have_count(1)
    expect(budget).to_contain_text("$200.00")
    expect(budget).to_contain_text("80.0%")
    shoot(page, "customer-mappings-budgets")


def test_an_admin_maps_with_type_ahead_sees_a_field_error_then_deletes(open_page, admin, org, review):
    stripe_customer(org, "cus_hooli", name="Hooli XYZ")
    page = open_page(admin, "/mappings/")
    _mark(page)
    stripe_field = page.get_by_label("Stripe customer", exact=True)
    stripe_field.press_sequentially("initech", delay=20)
    # The server's suggestions replace the datalist: only Initech's id matches what was typed.
    expect(page.locator("#stripe-suggestions option")).to_have_count(1)
    expect(page.locator("#stripe-suggestions option")).to_have_attribute("value", "cus_initech")
    stripe_field.fill("cus_initech")
    page.get_by_label("Customer tag", exact=True).fill("   ")
    page.get_by_role("button", name="Map", exact=True).click()
    expect(page.locator("#id_tag_value_error")).to_have_text("This field is required.")
    expect(page.get_by_label("Customer tag", exact=True)).to_be_focused()
    assert not CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_initech").exists()
    shoot(page, "mappings-form-error")

    tag_field = page.get_by_label("Customer tag", exact=True)
    tag_field.fill("")
    tag_field.press_sequentially("initech-p", delay=20)
    expect(page.locator("#tag-suggestions option")).to_have_count(1)
    expect(page.locator("#tag-suggestions option")).to_have_attribute("value", "initech-prod")
    page.get_by_label("Customer tag", exact=True).fill("initech-prod")
    page.get_by_role("button", name="Map", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="cus_initech is mapped to initech-prod.")
    ).to_be_visible()
    # The lists fetched themselves on mappingCreated: the new mapping is in the table, out of the queue.
    row = page.locator('#mappings-table tr[data-stripe="cus_initech"]')
    expect(row).to_have_count(1)
    expect(page.locator('#unmatched-stripe tr[data-stripe="cus_initech"]')).to_have_count(0)
    assert _same_document(page)

    page.get_by_role("link", name=re.compile("^All mappings")).click()
    page.wait_for_url("**/mappings/?tab=all")
    expect(row).to_be_visible()
    assert _same_document(page)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("link", name="Delete cus_initech → initech-prod").click()
    expect(page.get_by_role("status").filter(has_text="Deleted: cus_initech → initech-prod.")).to_be_visible()
    expect(page.locator('#mappings-table tr[data-stripe="cus_initech"]')).to_have_count(0)
    assert not CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_initech").exists()


def test_without_javascript_delete_asks_on_its_own_page(open_page, admin, org, review):
    page = open_page(admin, "/mappings/", java_script_enabled=False)
    page.get_by_role("link", name=re.compile("^All mappings")).click()
    page.wait_for_url("**/mappings/?tab=all")
    page.locator('#mappings-table tr[data-stripe="cus_acme"]').get_by_role(
        "link", name=re.compile("^Delete")
    ).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Delete this mapping?"
    shoot(page, "mappings-delete-confirm")
    page.get_by_role("button", name="Delete mapping").click()
    page.wait_for_url("**/mappings/?tab=all")
    expect(page.get_by_role("status").filter(has_text="Deleted: cus_acme → acme-corp.")).to_be_visible()
    assert not CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_acme").exists()


def test_the_margins_csv_downloads_what_the_table_shows(open_page, viewer, review, tmp_path):
    page = open_page(viewer, "/margins/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    period = timezone.now().strftime("%Y-%m")
    assert download.suggested_filename == f"margins-{period}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1:] == [
        ["Acme Corp", "cus_acme", "acme-corp", "1500.00", "300.00", "80.00", "1200.00", "healthy"]
    ]


def test_a_viewer_sees_no_change_actions_and_a_direct_post_is_refused(open_page, viewer, org, review):
    page = open_page(viewer, "/mappings/")
    expect(page.locator("#pending tbody tr")).to_have_count(1)
    for name in ("Confirm", "Reject", "Run auto-match now", "Map"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.locator("#main").get_by_role("link", name=re.compile(r"^(Delete|Map) "))).to_have_count(0)
    expect(page.get_by_label("Stripe customer", exact=True)).to_have_count(0)
    shoot(page, "mappings-viewer")
    # Hand-made POSTs carrying the page's own CSRF token: only the role check can refuse them.
    statuses = page.evaluate(
        """async (id) => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const post = (url, fields) => fetch(url, {method: "POST", body: new URLSearchParams(fields),
                headers: {"X-CSRFToken": token}}).then(r => r.status);
            return [
                await post(`/mappings/${id}/confirm/`, {}),
                await post(`/mappings/${id}/delete/`, {}),
                await post("/mappings/new/", {stripe_customer_id: "cus_initech", tag_value: "initech-prod"}),
            ];
        }""",
        str(review.pk),
    )
    assert statuses == [403, 403, 403]
    review.refresh_from_db()
    assert review.status == "suggested"
    assert not CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_initech").exists()
    assert not MappingChange.objects.exists()
    response = page.request.post(
        f"/mappings/{review.pk}/reject/",
        headers={
            "X-CSRFToken": page.evaluate(
                "JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']"
            )
        },
    )
    assert response.status == 403
    assert CustomerMapping.objects.filter(pk=review.pk).exists()
