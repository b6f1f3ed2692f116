"""The month in progress on every dashboard surface: the JSON table and customer, both CSVs, the
margins and customer pages, the overview and the alerts, with known answers (margins/tests/month_data.py)."""

from __future__ import annotations

import csv
import io
import re

from margins.tests.month_data import Case, M, known_answer_case  # noqa: F401 (the `case` fixture)
from margint import formatting

PROJECTED = (
    "projectedRevenueMicrodollars",
    "projectedCostMicrodollars",
    "projectedMarginPercent",
    "projectedHealthTier",
)


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


# Half the month's revenue (the default healthy threshold is 50 %) for a critical row with any:
# "late" has earned nothing yet but is owed its month's 17 (15 in February); newco earns nothing.
SUGGESTED = {
    "first_day": {"late": 8_500_000},
    "sixth_day": {"late": 8_500_000},
    "last_day": {},
    "finished": {},
    "leap_february": {"late": 7_500_000},
}


def test_the_budget_suggestion_caps_the_whole_month(viewer, case):
    table = viewer.client().get(f"/api/margins?period={case.period}").json()["data"]["customers"]
    suggested = {row["tagValue"]: row["budgetSuggestionMicrodollars"] for row in table}
    assert suggested == {"acme": None, "late": None, "newco": None, **SUGGESTED[case.name]}
    detail = viewer.client().get(f"/api/margins/late?period={case.period}").json()["data"]
    assert detail["budgetSuggestionMicrodollars"] == suggested["late"]


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
    return re.search(rf'data-card="{name}".*?<div class="value">([^<]*)<', html, re.S)[1]


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
