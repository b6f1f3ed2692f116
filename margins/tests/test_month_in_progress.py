"""The month in progress on every dashboard surface: the JSON table and customer, both CSVs, the
margins and customer pages, the overview and the alerts, with known answers (margins/tests/month_data.py)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from margins.alerts import margin_alerts_evaluate
from margins.tests.factories import add_cost, map_tag
from margins.tests.month_data import CASE_IDS, CASES, Case, M, case_data, invoice_line
from margins.webhooks.models import WebhookEvent
from margint import formatting

PROJECTED = (
    "projectedRevenueMicrodollars",
    "projectedCostMicrodollars",
    "projectedMarginPercent",
    "projectedHealthTier",
)


@pytest.fixture(params=CASES, ids=CASE_IDS)
def case(request, org, clock_at) -> Case:
    case: Case = request.param
    case_data(org, case)
    clock_at(case.now)
    return case


def _row_figures(row: dict) -> tuple:
    return (
        row["revenueMicrodollars"],
        row["costMicrodollars"],
        row["marginPercent"],
        row["healthTier"],
        *(row[field] for field in PROJECTED),
    )


def test_the_table_counts_the_days_to_date_and_projects_the_month(viewer, case):
    body = viewer.client().get(f"/api/margins?period={case.period}").json()["data"]
    summary = body["summary"]
    assert (summary["asOf"], summary["isPartial"]) == (case.as_of, case.is_partial)
    assert (
        summary["totalRevenueMicrodollars"],
        summary["totalCostMicrodollars"],
        summary["blendedMarginPercent"],
        summary["criticalCount"],
        summary["atRiskCount"],
        *(summary[field] for field in PROJECTED),
    ) == case.summary
    assert {row["tagValue"]: _row_figures(row) for row in body["customers"]} == case.rows


def test_the_default_period_is_the_month_in_progress(viewer, case):
    summary = viewer.client().get("/api/margins").json()["data"]["summary"]
    if case.is_partial:
        assert (summary["asOf"], summary["isPartial"]) == (case.as_of, True)
    else:  # the day after a month ends, the new month has counted its days up to today
        assert (summary["asOf"], summary["isPartial"]) == (case.now.date().isoformat(), True)


def test_the_customer_endpoint_says_which_days_it_counted(viewer, case):
    body = viewer.client().get(f"/api/margins/late?period={case.period}").json()["data"]
    assert (body["asOf"], body["isPartial"]) == (case.as_of, case.is_partial)
    assert _row_figures(body) == case.rows["late"]
    # The month's bar in the series is the month to date too.
    last = body["revenueOverTime"][-1]
    assert (last["period"], last["revenue"], last["cost"]) == (str(case.period), *case.rows["late"][:2])


def _csv_figures(text: str) -> dict[str, tuple[str, str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    return {row[2]: (row[3], row[4], row[7]) for row in rows[1:]}


def _dollars(micros: int) -> str:
    return f"{micros / M:.2f}"


def test_both_csv_exports_count_the_days_to_date(viewer, case):
    expected = {tag: (_dollars(f[0]), _dollars(f[1]), f[3]) for tag, f in case.rows.items()}
    api = viewer.client().get(f"/api/margins?period={case.period}&format=csv")
    page = viewer.page_client().get(f"/margins/export.csv?period={case.period}")
    assert _csv_figures(api.content.decode()) == expected
    assert _csv_figures(page.content.decode()) == expected


def _money(micros: int) -> str:
    return formatting.money(micros, "usd")


def test_the_margins_page_labels_the_month_and_shows_projections(viewer, case):
    html = viewer.page_client().get(f"/margins/?period={case.period}").content.decode()
    assert case.label in html
    revenue, cost, *_rest, projected_revenue, projected_cost, _percent, _tier = case.summary
    assert _money(revenue) in html and _money(cost) in html
    if case.is_partial:
        assert f'data-projected="revenue">{_money(projected_revenue)} for the month' in html
        assert f'data-projected="cost">projected {_money(projected_cost)}' in html
    else:
        assert "data-projected" not in html


def test_the_customer_page_labels_the_month_and_shows_projections(viewer, case):
    html = viewer.page_client().get(f"/margins/late/?period={case.period}").content.decode()
    assert case.label in html
    revenue, cost, *_, projected_revenue, projected_cost, _percent, _tier = case.rows["late"]
    if case.is_partial:
        assert f'data-projected="revenue">{_money(projected_revenue)} for the month' in html
        assert f'data-projected="cost">projected {_money(projected_cost)}' in html
    else:
        assert "data-projected" not in html


def _overview_figure(html: str, name: str) -> str:
    return re.search(rf'data-overview="{name}">([^<]*)<', html)[1]


def test_the_overview_shows_the_figures_of_the_margins_summary(admin, case):
    html = admin.page_client().get("/").content.decode()
    summary = admin.client().get("/api/margins").json()["data"]["summary"]
    assert _overview_figure(html, "revenue") == _money(summary["totalRevenueMicrodollars"])
    assert _overview_figure(html, "cost") == _money(summary["totalCostMicrodollars"])
    if case.is_partial:
        assert case.label in html
        assert f"{_money(summary['projectedRevenueMicrodollars'])} for the month" in html


def test_an_outsider_sees_none_of_it(outsider, case):
    body = outsider.client().get(f"/api/margins?period={case.period}").json()["data"]
    assert body["customers"] == [] and body["summary"]["totalRevenueMicrodollars"] == 0
    assert (body["summary"]["asOf"], body["summary"]["isPartial"]) == (case.as_of, case.is_partial)
    assert outsider.client().get(f"/api/margins/late?period={case.period}").status_code == 404


# -- alerts -----------------------------------------------------------------------------------


def sliding_org(org, first: date, days: int, through: int, cost_per_day: int = 3 * M // 2) -> None:
    """slide: healthy last month (70 %); this month 1 unit of revenue a day against 1.5 of cost."""
    map_tag(org, "cus_slide", "slide", name="Slide")
    before = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    invoice_line(org, "cus_slide", (first - before).days * M, before, first)
    add_cost(org, "slide", before, (first - before).days * M * 3 // 10)
    invoice_line(org, "cus_slide", days * M, first, date.fromordinal(first.toordinal() + days))
    for offset in range(through):
        add_cost(org, "slide", date.fromordinal(first.toordinal() + offset), cost_per_day)


@pytest.mark.parametrize(
    ("now", "alerts"),
    [
        (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), 0),  # the first day: critical to date, but too early
        (datetime(2026, 12, 6, 12, 0, tzinfo=UTC), 0),
        (datetime(2026, 12, 7, 12, 0, tzinfo=UTC), 1),
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), 1),  # the last day
    ],
)
def test_margin_alerts_of_the_month_in_progress_wait_for_seven_days(org, clock_at, now, alerts):
    sliding_org(org, date(2026, 12, 1), 31, through=now.day)
    clock_at(now)
    assert margin_alerts_evaluate(org=org, as_of=now) == alerts
    if alerts:
        data = WebhookEvent.objects.get(org=org).payload["data"]["object"]
        assert (data["revenue_microdollars"], data["cost_microdollars"]) == (
            now.day * M,
            now.day * 3 * M // 2,
        )


def test_margin_alerts_wait_for_ten_units_of_money(org, clock_at):
    now = clock_at(datetime(2028, 2, 10, 9, 0, tzinfo=UTC))  # a leap February, ten days in
    sliding_org(org, date(2028, 2, 1), 29, through=10, cost_per_day=3 * M // 2)
    assert margin_alerts_evaluate(org=org, as_of=now) == 1
    other = org.__class__.objects.create(name="Small", tier=org.tier)
    small = 1_000  # a thousandth of a unit a day: the tiers worsen, the money means nothing
    map_tag(other, "cus_s", "s")
    invoice_line(other, "cus_s", 31 * small, date(2028, 1, 1), date(2028, 2, 1))
    add_cost(other, "s", date(2028, 1, 2), 3 * small)
    invoice_line(other, "cus_s", 29 * small, date(2028, 2, 1), date(2028, 3, 1))
    add_cost(other, "s", date(2028, 2, 2), 40 * small)
    assert margin_alerts_evaluate(org=other, as_of=now) == 0
