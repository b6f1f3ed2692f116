"""The overview and the margins page show one picture (margin_picture): same figures, same worst five."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from margins.calculations import Month
from margins.selectors.trend import margin_picture, margin_trend
from margins.tests.factories import add_cost, add_revenue, map_tag

M = 1_000_000
NOW = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
COSTS = (20, 30, 45, 60, 85, 110, 130)  # of 100 revenue: margins 80 .. -30 %, two critical, one at risk


@pytest.fixture
def seven_customers(org, clock_at):
    clock_at(NOW)
    for index in range(7):
        tag = f"team-{index}"
        map_tag(org, f"cus_{index}", tag, name=f"Team {index}")
        for month in (2, 3, 4):
            add_revenue(org, f"cus_{index}", date(2026, month, 1), 100 * M)
            add_cost(org, tag, date(2026, month, 2), COSTS[index] * M)
    add_cost(org, "unmapped", date(2026, 4, 2), 5 * M)  # counts in neither the table nor the trend
    return org


def _cards(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-card="([a-z_]+)".*?<div class="value[^"]*">(.*?)</div>', html, re.S))


def _worst(html: str) -> list[str]:
    return re.findall(r'<tr data-tag="([^"]+)"', html)


def test_overview_and_margins_page_agree_figure_for_figure(viewer, seven_customers):
    overview = viewer.page_client().get("/").content.decode()
    margins = viewer.page_client().get("/margins/?period=2026-04").content.decode()
    assert _cards(overview) == _cards(margins)
    cards = _cards(overview)
    assert cards["blended"] == "31.4%" and cards["critical"] == "2" and cards["at_risk"] == "1"
    # The overview's five worst are the table's first five (worst first).
    overview_part = overview[overview.index('id="overview-worst"') :]
    assert (
        _worst(overview_part)[:5] == _worst(margins)[:5] == ["team-6", "team-5", "team-4", "team-3", "team-2"]
    )
    # Both charts carry the same months and figures; the margins page loads its own after itself.
    chart = viewer.page_client().get("/margins/trend.html", headers={"HX-Request": "true"}).content.decode()
    titles = re.findall(r"<title>(\d{4}-\d\d[^<]*)</title>", overview)
    assert titles == re.findall(r"<title>(\d{4}-\d\d[^<]*)</title>", chart) and len(titles) == 12
    assert titles[-1].startswith("2026-04 (in progress): revenue $700.00")


def test_summary_cards_open_the_filtered_table(viewer, seven_customers):
    html = viewer.page_client().get("/").content.decode()
    assert 'data-card="critical" href="/margins/?period=2026-04&amp;tier=critical"' in html
    critical = viewer.page_client().get("/margins/?period=2026-04&tier=critical").content.decode()
    assert _worst(critical) == ["team-6", "team-5"]


def test_trend_is_the_table_summary_of_each_month(seven_customers):
    picture = margin_picture(org=seven_customers, as_of=NOW)
    trend = margin_trend(org=seven_customers, as_of=NOW)
    assert [p.month for p in trend] == list(Month(2026, 4).months_back(12))
    april = trend[-1]
    summary = picture.report.table.summary
    assert april.in_progress and not trend[-2].in_progress
    assert (april.revenue, april.cost, april.margin_percent) == (
        summary.total_revenue,
        summary.total_cost,
        summary.blended_margin_percent,
    )
    assert trend[0].revenue == 0 and trend[0].margin_percent is None


def test_another_orgs_figures_never_show(outsider, seven_customers):
    html = outsider.page_client().get("/").content.decode()
    assert "team-" not in html and "$700.00" not in html
    assert all(p.revenue == 0 and p.cost == 0 for p in margin_trend(org=outsider.org, as_of=NOW))


def test_sort_select_orders_the_table(viewer, seven_customers):
    html = viewer.page_client().get("/margins/?period=2026-04&order=cost:asc").content.decode()
    assert _worst(html)[0] == "team-0"
    assert '<option value="cost:asc" selected>Cost, low to high</option>' in html
    html = viewer.page_client().get("/margins/?period=2026-04&order=bogus:up").content.decode()
    assert _worst(html)[0] == "team-6"
