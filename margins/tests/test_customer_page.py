"""The customer page (/margins/<tag>/): six months of revenue and cost, breakdowns, and who may see it."""

from __future__ import annotations

import re
from datetime import date

from django.test import Client

from margins.tests.factories import add_cost, add_revenue, map_tag

M = 1_000_000


def _client(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


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
    response = _client(viewer).get("/margins/team/alpha/?period=2026-04")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Acme Corp</h1>" in html and "<code>team/alpha</code>" in html
    assert ">$100.00<" in html and ">$30.00<" in html and ">70.0%<" in html and "badge-healthy" in html
    # Six months up to the period, zeros included: 2025-11 .. 2026-04.
    months = re.findall(r'<td data-label="Month">(\d{4}-\d\d)</td>', html)
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    # April's revenue ($100, the largest amount) is the full 120 px bar; March's $32 cost is 38 px.
    assert 'class="bar-revenue" x="310" y="0" width="18" height="120"' in html
    assert 'class="bar-cost" x="270" y="82" width="18" height="38"' in html
    model_rows = re.findall(
        r'<td data-label="Model">([^<]+)</td><td data-label="Cost" class="num">([^<]+)<', html
    )
    assert model_rows == [("gpt-4o", "$20.00"), ("gpt-4o-mini", "$10.00")]
    feature_rows = re.findall(r'<td data-label="Feature">([^<]+)</td>', html)
    assert feature_rows == ["chat", "search"]
    assert 'href="/margins/?period=2026-04"' in html


def test_table_links_each_customer_to_its_page(viewer, org):
    _acme(org)
    html = _client(viewer).get("/margins/?period=2026-04").content.decode()
    assert 'href="/margins/team/alpha/?period=2026-04"' in html


def test_unknown_tag_and_other_orgs_customers_are_not_found(viewer, outsider, org):
    _acme(org)
    assert _client(viewer).get("/margins/nobody/").status_code == 404
    assert _client(outsider).get("/margins/team/alpha/?period=2026-04").status_code == 404


def test_customer_page_is_pro_and_needs_sign_in(free_admin, db):
    assert _client(free_admin).get("/margins/anything/").status_code == 403
    assert Client().get("/margins/anything/").status_code == 302
