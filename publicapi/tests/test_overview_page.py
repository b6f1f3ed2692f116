from __future__ import annotations

from datetime import UTC, date, datetime

from margins.tests.factories import add_cost


def test_overview_shows_month_to_date_cost_in_the_reporting_currency(admin, org, clock_at):
    # March's last second: the page reads the test's clock, so this month is March.
    today = clock_at(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)).date()
    add_cost(org, "acme", today, 1_234_567_890)
    add_cost(org, "acme", date(2026, 2, 28), 5_000)  # last month's last day
    org.reporting_currency = "eur"
    org.save()
    html = admin.page_client().get("/").content.decode()
    # The org's whole cost, unmapped tags included (the margins block beside it counts mapped ones).
    assert "AI cost, March so far, every tag</div>" in html and "€1,234.57" in html
    assert "<$0.01" not in html and "&lt;€0.01" in html  # last month's fraction of a cent
    assert "Send AI cost events" in html and 'class="done"' in html
    assert "Not connected" in html and 'href="/stripe/"' in html


def test_free_org_overview_has_no_pro_facts_and_points_to_upgrade(free_admin):
    html = free_admin.page_client().get("/").content.decode()
    assert "Stripe revenue, " not in html and "Mapped customers" not in html
    assert 'href="/upgrade/"' in html


def test_overview_of_a_viewer_offers_no_admin_pages(viewer):
    html = viewer.page_client().get("/").content.decode()
    assert "/settings/api-keys/" not in html and "An admin creates the API key" in html
    # The Stripe page is in the navigation (viewers read its status), not in the admin's step.
    steps = html.split('class="steps"')[1].split("</ol>")[0]
    assert 'href="/stripe/"' not in steps and "An admin connects it." in steps


def test_overview_reads_a_fixed_number_of_queries(admin, org, django_assert_max_num_queries):
    client = admin.page_client()
    # The month-to-date facts, and the margins page's own picture (table, worst five, 12-month
    # trend), the month in progress counting its revenue on the days so far.
    with django_assert_max_num_queries(24):
        assert client.get("/").status_code == 200
