"""The customer page (/margins/<tag>/): six months of revenue and cost, breakdowns, and who may see it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from django.test import Client

from margins.costs.services import events_ingest
from margins.costs.tests.ingestion_helpers import event
from margins.tests.factories import add_cost, add_revenue, map_tag
from publicapi.budgets.selectors import budget_statuses
from publicapi.budgets.services import budget_create

M = 1_000_000


def _acme(org):
    map_tag(org, "cus_abc123", "team/alpha", name="Acme Corp")
    for month, cost in ((2, 35), (3, 32), (4, 30)):
        add_revenue(org, "cus_abc123", date(2026, month, 1), 100 * M)
        add_cost(org, "team/alpha", date(2026, month, 2), (cost - 10) * M, model="gpt-4o", requests=150)
        add_cost(
            org,
            "team/alpha",
            date(2026, month, 3),
            10 * M,
            model="gpt-4o-mini",
            feature="search",
            requests=800,
        )


def test_customer_page_shows_its_row_chart_and_breakdowns(viewer, org):
    _acme(org)
    response = viewer.page_client().get("/margins/team/alpha/?period=2026-04")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Acme Corp</h1>" in html and "<code>team/alpha</code>" in html
    assert ">$100.00<" in html and ">$30.00<" in html and ">70.0%<" in html and "badge-healthy" in html
    # Six months up to the period, zeros included: 2025-11 .. 2026-04.
    months = re.findall(r'<th scope="row">(\d{4}-\d\d)', html)
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    # Bars drawn to one scale from 0: April's $100 revenue against March's $32 cost.
    april, march = _bar(html, "2026-04", "revenue"), _bar(html, "2026-03", "cost")
    assert april > 0 and abs(april / march - 100 / 32) < 0.05
    assert "<title>2026-04: revenue $100.00, AI cost $30.00, margin 70.0%</title>" in html
    assert 'href="https://dashboard.stripe.com/customers/cus_abc123"' in html
    assert 'rel="prev" href="/margins/team/alpha/?period=2026-03"' in html
    assert 'rel="next" href="/margins/team/alpha/?period=2026-05"' in html
    # $30 of cost over 150 + 800 requests in April.
    assert re.search(r'data-card="cost-per-request".*?>0\.0316 <', html, re.S)
    assert re.search(r"950 requests in 2026-04", html)
    model_rows = re.findall(
        r'<td data-label="Model">([^<]+)</td><td data-label="Cost" class="num">([^<]+)<', html
    )
    assert model_rows == [("gpt-4o", "$20.00"), ("gpt-4o-mini", "$10.00")]
    feature_rows = re.findall(r'<td data-label="Feature">([^<]+)</td>', html)
    assert feature_rows == ["chat", "search"]
    assert 'href="/margins/?period=2026-04"' in html


def test_table_links_each_customer_to_its_page(viewer, org):
    _acme(org)
    html = viewer.page_client().get("/margins/?period=2026-04").content.decode()
    assert 'href="/margins/team/alpha/?period=2026-04"' in html


def test_unknown_tag_and_other_orgs_customers_are_not_found(viewer, outsider, org):
    _acme(org)
    assert viewer.page_client().get("/margins/nobody/").status_code == 404
    assert outsider.page_client().get("/margins/team/alpha/?period=2026-04").status_code == 404


def test_customer_page_is_pro_and_needs_sign_in(free_admin, db):
    assert free_admin.page_client().get("/margins/anything/").status_code == 403
    assert Client().get("/margins/anything/").status_code == 302


def test_customer_page_lists_the_stripe_customers_mapped_to_it(viewer, org):
    _acme(org)
    map_tag(org, "cus_eu", "team/alpha", name="Acme Europe")
    map_tag(org, "cus_guess", "team/alpha", status="suggested", name="Acme Maybe")
    map_tag(org, "cus_other", "someone-else", name="Other Co")
    html = viewer.page_client().get("/margins/team/alpha/?period=2026-04").content.decode()
    section = html.split('id="customer-mappings"', 1)[1]
    assert re.findall(r'<tr data-stripe="([^"]+)"', section) == ["cus_abc123", "cus_eu", "cus_guess"]
    assert "suggested, not counted" in section and "cus_other" not in section
    assert 'href="/mappings/?q=team/alpha"' in section


def test_customer_page_shows_the_budgets_a_check_for_it_applies(viewer, org, clock_at):
    _acme(org)
    # May's last second, after _acme's months: the page's month and month-to-date are the test's.
    today = clock_at(datetime(2026, 5, 31, 23, 59, 59, tzinfo=UTC)).date()
    add_cost(org, "team/alpha", today, 45 * M, feature="chat")
    add_cost(org, "rival", today, 5 * M, feature="chat")
    mine = budget_create(
        org=org, scope="customer", customer="team/alpha", monthly_limit_micro=50 * M, action="block"
    )
    workspace = budget_create(org=org, scope="workspace", monthly_limit_micro=200 * M, action="warn")
    pair = budget_create(
        org=org,
        scope="customer_feature",
        customer="team/alpha",
        feature="chat",
        monthly_limit_micro=90 * M,
        action="warn",
    )
    theirs = budget_create(org=org, scope="customer", customer="rival", monthly_limit_micro=M, action="block")
    html = viewer.page_client().get("/margins/team/alpha/").content.decode()
    section = html.split('id="customer-budgets"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'<tr data-budget="([^"]+)"', section)
    assert (
        sorted(shown) == sorted([str(mine.pk), str(workspace.pk), str(pair.pk)])
        and str(theirs.pk) not in shown
    )
    # The figures are the budget check's own: spend $45.00 of $50.00, 90.0%, past the 80% warning.
    (checked,) = [
        s
        for s in budget_statuses(org=org, customer="team/alpha", feature="", today=today)
        if s.rule.id == str(mine.pk)
    ]
    assert (checked.spent, str(checked.percent)) == (45 * M, "90.00")
    row = section.split(f'data-budget="{mine.pk}"', 1)[1].split("</tr>", 1)[0]
    assert ">$45.00<" in row and ">$50.00<" in row and "90.0%" in row and "Past 80%" in row


def test_customer_page_without_budgets_says_so(viewer, org):
    _acme(org)
    html = viewer.page_client().get("/margins/team/alpha/").content.decode()
    assert "No budget applies to this customer." in html


def _bar(html: str, month: str, kind: str) -> float:
    group = html[html.index(f'data-month="{month}"') :]
    return float(re.search(rf'class="bar-{kind}" [^>]*height="([0-9.]+)"', group)[1])


def _losing(org):
    """A customer losing money in April 2026: $120 of cost against its $100."""
    map_tag(org, "cus_loss", "team/loss", name="Loss Ltd")
    add_revenue(org, "cus_loss", date(2026, 4, 1), 100 * M)
    add_cost(org, "team/loss", date(2026, 4, 2), 120 * M)


def test_an_admin_sets_the_suggested_budget_from_the_customer_page(admin, viewer, org):
    _losing(org)
    html = admin.page_client().get("/margins/team/loss/?period=2026-04").content.decode()
    link = re.search(r'<a href="([^"]+)" data-set-budget>set as a budget</a>', html).group(1)
    assert link == (
        "/budgets/?scope=customer&amp;customer=team%2Floss&amp;monthly_limit=50.00&amp;action=block#budget-form"
    )
    # The link fills the form, which the admin still submits: the scope's customer field shows.
    form = admin.page_client().get(link.replace("&amp;", "&")).content.decode()
    assert '<option value="customer" selected>' in form
    assert (
        'value="team/loss"' in form and 'value="50.00"' in form and '<option value="block" selected>' in form
    )
    assert "scope-off" not in form.split('data-scope-field="customer"')[1].split(">")[0]
    # A viewer, who cannot add budgets, sees the suggestion without the link.
    seen = viewer.page_client().get("/margins/team/loss/?period=2026-04").content.decode()
    assert "Suggested budget" in seen and "data-set-budget" not in seen


def test_a_customer_with_its_own_budget_shows_it_beside_the_suggestion(admin, org):
    _losing(org)
    budget_create(org=org, scope="customer", customer="team/loss", monthly_limit_micro=40 * M, action="block")
    html = admin.page_client().get("/margins/team/loss/?period=2026-04").content.decode()
    assert "keeps it healthy · its budget: $40.00" in html and "data-set-budget" not in html


def test_the_budgets_page_takes_only_what_its_form_offers_from_a_link(admin, org):
    strange = (
        "/budgets/?scope=everything&action=%00&customer=" + "x" * 300 + "&monthly_limit=1e999&thresholds="
    )
    response = admin.page_client().get(strange)
    assert response.status_code == 200
    form = response.content.decode()
    assert "selected>everything" not in form and "x" * 300 not in form
    assert 'value="1e999"' in form  # a text the admin sees, and the form refuses when submitted
    form = {"scope": "customer", "customer": "a", "monthly_limit": "1e999", "action": "block"}
    refused = admin.page_client().post("/budgets/", form)
    assert refused.status_code == 400 and 'id="id_monthly_limit_error"' in refused.content.decode()
    assert not org.budgets.exists()


def test_a_model_without_a_price_is_marked_beside_its_zero_cost(viewer, org, clock_at):
    now = clock_at(datetime(2026, 4, 20, 12, 0, tzinfo=UTC))
    map_tag(org, "cus_house", "house", name="House Co")
    add_revenue(org, "cus_house", date(2026, 4, 1), 100 * M)
    priced = event(now=now, customer="house", costMicrodollars=5 * M)
    house = [
        event(now=now, customer="house", provider="acme", model="house-v2", costMicrodollars=None)
        for _ in range(3)
    ]
    events_ingest(org=org, events=[priced, *house], now=now)
    html = viewer.page_client().get("/margins/house/?period=2026-04").content.decode()
    models = html.split('id="models-h"')[1].split("</section>")[0]
    assert re.search(
        r'data-label="Model">house-v2</td><td data-label="Cost" class="num">\$0\.00 <span[^>]*>3 unpriced</span>',
        models,
    )
    assert re.search(r'data-label="Model">gpt-4o</td><td data-label="Cost" class="num">\$5\.00</td>', models)


def test_the_set_budget_link_rounds_the_suggestion_down_to_the_cent(admin, org):
    # $123.456789 of revenue: half is $61.7283945, whose cents round down to 61.72, not up to 61.73.
    map_tag(org, "cus_odd", "odd", name="Odd Cents")
    add_revenue(org, "cus_odd", date(2026, 4, 1), 123_456_789)
    add_cost(org, "odd", date(2026, 4, 2), 200 * M)
    html = admin.page_client().get("/margins/odd/?period=2026-04").content.decode()
    assert "monthly_limit=61.72&amp;" in html
