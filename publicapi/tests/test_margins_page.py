"""The Margins page (/margins/): summary, table, sort, filter, search, pages, CSV, and who may see it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from margins.calculations import RankedRows, RankedTable
from margins.selectors import MarginReport
from margins.tests.factories import StripeConnectionFactory, add_cost, add_revenue, add_unconverted, map_tag

M = 1_000_000


def _tags(html: str) -> list[str]:
    """The tag values of the table's rows, top to bottom."""
    return re.findall(r'<tr data-tag="([^"]+)"', html)


@pytest.fixture
def acme(org):
    StripeConnectionFactory(org=org, last_synced_at=datetime(2026, 4, 5, 10, 0, tzinfo=UTC))
    add_unconverted(org, "cus_eu", date(2026, 4, 3), 3 * M, "eur")
    map_tag(org, "cus_abc123", "acme-corp", name="Acme Corp")
    for month, cost in ((2, 35), (3, 32), (4, 30)):
        add_revenue(org, "cus_abc123", date(2026, month, 1), 100 * M)
        add_cost(org, "acme-corp", date(2026, month, 2), cost * M)
    map_tag(org, "cus_burn", "burner", name="Burner LLC")
    add_revenue(org, "cus_burn", date(2026, 4, 10), 10 * M)
    add_cost(org, "burner", date(2026, 4, 11), 12 * M)
    map_tag(org, "cus_mid", "middle", name="Zeta Middle")
    add_revenue(org, "cus_mid", date(2026, 4, 10), 1_234 * M)
    add_cost(org, "middle", date(2026, 4, 11), 864 * M)
    add_cost(org, "nobody-mapped", date(2026, 4, 11), 3 * M)
    add_revenue(org, "cus_orphan", date(2026, 4, 11), 7 * M)
    return org


def test_viewer_sees_summary_and_rows_with_formatted_numbers(viewer, acme):
    response = viewer.page_client().get("/margins/?period=2026-04")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="margins-table"' in html
    # Revenue 1,344, cost 906: (1,344 - 906) / 1,344 = 32.59%.
    assert ">32.6%<" in html and ">$1,344.00<" in html and ">$906.00<" in html
    assert ">$3.00<" in html and ">$7.00<" in html  # unattributed cost, unmatched revenue
    assert "€3.00" in html and "no exchange rate into USD" in html and "note-amber" in html
    last_sync = html[html.index(">Last sync<") :]
    assert (
        '<time datetime="2026-04-05T10:00:00Z" data-local="datetime">2026-04-05 10:00 UTC</time>' in last_sync
    )
    assert '<div class="sub">Active</div>' in last_sync
    assert _tags(html) == ["burner", "middle", "acme-corp"]  # worst margin first
    acme_row = html[html.index('<tr data-tag="acme-corp"') :]
    acme_row = acme_row[: acme_row.index("</tr>")]
    assert ">Acme Corp<" in acme_row and ">$100.00<" in acme_row and ">$30.00<" in acme_row
    assert ">$70.00<" in acme_row and ">70.0%<" in acme_row and "badge-healthy" in acme_row
    assert "spark-projected" in acme_row  # three months: a dashed projected point
    assert ">-$2.00<" in html and ">-20.0%<" in html and "badge-critical" in html
    assert 'href="/margins/export.csv?period=2026-04"' in html


def _blended(html: str) -> str:
    return re.search(
        r'data-card="blended"><div class="label">Blended margin</div><div class="value">([^<]*)<', html
    )[1]


def test_a_month_without_revenue_or_cost_has_no_blended_margin(viewer, acme, clock_at):
    # January 2026 had nothing: no margin, not 0.0 %. May, not begun on 20 April, projects none.
    clock_at(datetime(2026, 4, 20, 12, 0, tzinfo=UTC))
    assert _blended(viewer.page_client().get("/margins/?period=2026-01").content.decode()) == "—"
    may = viewer.page_client().get("/margins/?period=2026-05").content.decode()
    assert _blended(may) == "—" and '<span data-projected="margin">projected —</span>' in may
    assert _blended(viewer.page_client().get("/margins/?period=2026-04").content.decode()) == "32.6%"


def test_the_templates_hold_no_table(viewer, acme):
    # A template's Context is a reference cycle: a table it held (10,000 rows) would wait for the
    # garbage collector instead of going with the request.
    response = viewer.page_client().get("/margins/?period=2026-04")
    held = [value for context in response.context for value in context.flatten().values()]
    assert held and not any(isinstance(value, (MarginReport, RankedTable, RankedRows)) for value in held)


def test_htmx_request_returns_the_table_fragment_and_summary_out_of_band(viewer, acme):
    response = viewer.page_client().get("/margins/?period=2026-04&tier=critical", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and '<form id="margins-filters"' not in html
    assert html.lstrip().startswith('<div id="margins-table"')
    assert 'id="margins-summary" aria-label="Summary of 2026-04" hx-swap-oob="true"' in html
    assert _tags(html) == ["burner"]


def test_the_page_loads_its_twelve_month_chart_right_after_itself(viewer, acme, clock_at):
    clock_at(datetime(2026, 4, 20, 12, 0, tzinfo=UTC))
    html = viewer.page_client().get("/margins/?period=2026-04").content.decode()
    # The first answer holds the table and a placeholder that asks for the chart once it is in,
    # with a link for a browser without JavaScript.
    placeholder = html[html.index('id="margins-trend"') :]
    assert placeholder.startswith('id="margins-trend" hx-get="/margins/trend.html" hx-trigger="load"')
    assert 'href="/margins/trend.html"' in placeholder and 'g class="chart-month' not in html
    chart = viewer.page_client().get("/margins/trend.html", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in chart and chart.count('<g class="chart-month') == 12
    assert 'id="margins-trend"' in chart
    # April in progress: the three customers' revenue and cost to date, as the summary cards.
    assert "2026-04 (in progress): revenue $1,344.00, AI cost $906.00, margin 32.6%" in chart
    page = viewer.page_client().get("/margins/trend.html").content.decode()
    assert "<html" in page and page.count('<g class="chart-month') == 12


def test_outsider_chart_counts_only_their_own_organization(outsider, other_org, acme, clock_at):
    clock_at(datetime(2026, 4, 20, 12, 0, tzinfo=UTC))
    map_tag(other_org, "cus_rival", "rival-co", name="Rival Co")
    add_revenue(other_org, "cus_rival", date(2026, 4, 1), 5 * M)
    chart = outsider.page_client().get("/margins/trend.html", HTTP_HX_REQUEST="true").content.decode()
    assert "2026-04 (in progress): revenue $5.00, AI cost $0.00" in chart


@pytest.mark.parametrize(
    ("query", "tags"),
    [
        ("sort=customer&dir=asc", ["acme-corp", "burner", "middle"]),
        ("sort=customer&dir=desc", ["middle", "burner", "acme-corp"]),
        ("sort=revenue&dir=desc", ["middle", "acme-corp", "burner"]),
        ("sort=cost&dir=asc", ["burner", "acme-corp", "middle"]),
        ("sort=margin&dir=desc", ["middle", "acme-corp", "burner"]),
        ("sort=percent&dir=desc", ["acme-corp", "middle", "burner"]),
        ("sort=tier&dir=desc", ["acme-corp", "middle", "burner"]),
        ("tier=healthy", ["acme-corp"]),
        ("tier=moderate", ["middle"]),
        ("q=zeta", ["middle"]),
        ("q=BURN", ["burner"]),
        ("q=corp&tier=critical", []),
    ],
)
def test_sort_filter_and_search_choose_the_rows(viewer, acme, query, tags):
    html = (
        viewer.page_client().get(f"/margins/?period=2026-04&{query}", HTTP_HX_REQUEST="true").content.decode()
    )
    assert _tags(html) == tags


def test_sort_links_keep_filters_and_reverse_the_current_column(viewer, acme):
    html = (
        viewer.page_client()
        .get("/margins/?period=2026-04&tier=healthy&sort=revenue&dir=desc")
        .content.decode()
    )
    assert 'href="/margins/?period=2026-04&amp;sort=revenue&amp;dir=asc&amp;tier=healthy"' in html
    assert 'aria-sort="descending"' in html
    assert 'href="/margins/export.csv?period=2026-04&amp;sort=revenue&amp;dir=desc&amp;tier=healthy"' in html


def test_a_large_table_comes_fifty_rows_a_page(viewer, org):
    for n in range(120):
        map_tag(org, f"cus_{n:03d}", f"t-{n:03d}", name=f"Customer {n:03d}")
        add_revenue(org, f"cus_{n:03d}", date(2026, 4, 1), (n + 1) * M)
    client = viewer.page_client()
    first = client.get("/margins/?period=2026-04&sort=customer&dir=asc").content.decode()
    assert _tags(first) == [f"t-{n:03d}" for n in range(50)]
    assert "Customers 1–50 of 120" in first and "Page 1 of 3" in first
    assert 'href="/margins/?period=2026-04&amp;sort=customer&amp;dir=asc&amp;page=2"' in first
    last = client.get("/margins/?period=2026-04&sort=customer&dir=asc&page=3").content.decode()
    assert _tags(last) == [f"t-{n:03d}" for n in range(100, 120)]
    beyond = client.get("/margins/?period=2026-04&sort=customer&dir=asc&page=99").content.decode()
    assert _tags(beyond) == _tags(last)


def test_csv_has_the_filtered_rows_of_every_page_in_the_shown_order(viewer, acme):
    response = viewer.page_client().get("/margins/export.csv?period=2026-04&sort=revenue&dir=desc&q=e")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="margins-2026-04.csv"'
    lines = response.content.decode().split("\r\n")
    assert lines[0].startswith("Customer,Stripe ID,Tag Value")
    assert lines[1:4] == [
        "Zeta Middle,cus_mid,middle,1234.00,864.00,29.98,370.00,moderate",
        "Acme Corp,cus_abc123,acme-corp,100.00,30.00,70.00,70.00,healthy",
        "Burner LLC,cus_burn,burner,10.00,12.00,-20.00,-2.00,critical",
    ]


def test_invalid_month_falls_back_to_the_current_month(viewer, acme):
    html = viewer.page_client().get("/margins/?period=2026-13").content.decode()
    assert 'aria-label="Summary of 2026-13"' not in html and 'id="margins-table"' in html


def test_outsider_sees_only_their_own_organizations_rows(outsider, other_org, acme):
    map_tag(other_org, "cus_rival", "rival-co", name="Rival Co")
    add_revenue(other_org, "cus_rival", date(2026, 4, 1), 5 * M)
    html = outsider.page_client().get("/margins/?period=2026-04").content.decode()
    assert _tags(html) == ["rival-co"]
    assert "Acme Corp" not in html
    csv_text = outsider.page_client().get("/margins/export.csv?period=2026-04").content.decode()
    assert "acme-corp" not in csv_text and "rival-co" in csv_text


def test_free_org_sees_the_upgrade_page(free_admin):
    response = free_admin.page_client().get("/margins/")
    assert response.status_code == 403
    assert 'id="margins-table"' not in response.content.decode()
    assert "This is a Pro feature" in response.content.decode()
    assert free_admin.page_client().get("/margins/export.csv").status_code == 403
    assert free_admin.page_client().get("/margins/trend.html").status_code == 403


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/margins/?period=2026-04")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/margins/%3Fperiod%3D2026-04"


def test_navigation_links_to_the_routed_margins_page(viewer, acme):
    html = viewer.page_client().get("/").content.decode()
    assert 'href="/margins/"' in html
