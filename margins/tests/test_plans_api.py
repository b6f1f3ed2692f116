"""GET /api/margins/plans and the margins-by-plan page: plan revenue from paid invoice lines,
cost of the customers on each plan, and who may see them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from billing.revenue import revenue_daily_recompute
from margins.tests.factories import add_cost, map_tag
from margins.tests.plan_helpers import epoch, monthly_line, paid_invoice

M = 1_000_000


@pytest.fixture
def plans(org):
    """April 2026: acme on Pro ($300) and the Add-on ($100), solo on Pro ($100); cost 80 and 10.
    March: solo alone on Pro. A line stored without its product gets none here."""
    map_tag(org, "cus_acme", "acme", name="Acme Corp")
    map_tag(org, "cus_solo", "solo", name="Solo Ltd")
    paid_invoice(
        org,
        "in_acme_apr",
        "cus_acme",
        [
            monthly_line("il_1", 30000, "price_pro_m", "prod_pro", 2026, 4),
            monthly_line("il_2", 10000, "price_addon", "prod_addon", 2026, 4),
        ],
        paid=epoch(2026, 4, 1),
    )
    paid_invoice(
        org,
        "in_solo_apr",
        "cus_solo",
        [monthly_line("il_3", 10000, "price_pro_m", "prod_pro", 2026, 4)],
        paid=epoch(2026, 4, 1),
    )
    paid_invoice(
        org,
        "in_solo_mar",
        "cus_solo",
        [monthly_line("il_4", 10000, "price_pro_m", "prod_pro", 2026, 3)],
        paid=epoch(2026, 3, 1),
    )
    add_cost(org, "acme", date(2026, 4, 3), 80 * M)
    add_cost(org, "solo", date(2026, 4, 3), 10 * M)
    add_cost(org, "solo", date(2026, 3, 3), 30 * M)
    add_cost(org, "nobody-paying", date(2026, 4, 3), 7 * M)
    map_tag(org, "cus_idle", "idle", name="Idle")
    add_cost(org, "idle", date(2026, 4, 4), 5 * M)
    return org


def test_plans_of_the_month_with_revenue_cost_and_worst_customers(viewer, plans):
    response = viewer.client().get("/api/margins/plans?period=2026-04")
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["period"] == "2026-04"
    by_product = {plan["productId"]: plan for plan in body["plans"]}
    pro = by_product["prod_pro"]
    assert pro["productName"] == "prod_pro"
    assert pro["prices"] == [{"priceId": "price_pro_m", "revenueMicrodollars": 400 * M}]
    assert pro["customers"] == 2
    assert pro["revenueMicrodollars"] == 400 * M
    assert pro["costMicrodollars"] == 60 * M + 10 * M  # acme's 80 split 3:1 with the add-on
    assert pro["marginMicrodollars"] == 330 * M
    assert pro["marginPercent"] == 82.5
    assert pro["healthTier"] == "healthy"
    assert pro["costPerCustomerMicrodollars"] == 35 * M
    assert [c["tagValue"] for c in pro["worstCustomers"]] == ["solo", "acme"]
    assert pro["worstCustomers"][1] == {
        "tagValue": "acme",
        "stripeCustomerId": "cus_acme",
        "customerName": "Acme Corp",
        "revenueMicrodollars": 300 * M,
        "costMicrodollars": 60 * M,
        "marginMicrodollars": 240 * M,
        "marginPercent": 80.0,
    }
    assert by_product["prod_addon"]["costMicrodollars"] == 20 * M
    assert body["unattributed"] == {"customers": 1, "costMicrodollars": 5 * M}


def test_an_earlier_month_has_its_own_plans(viewer, plans):
    body = viewer.client().get("/api/margins/plans?period=2026-03").json()["data"]
    assert [(p["productId"], p["revenueMicrodollars"], p["costMicrodollars"]) for p in body["plans"]] == [
        ("prod_pro", 100 * M, 30 * M)
    ]


def test_the_month_in_progress_counts_the_days_to_date_as_the_margin_table_does(viewer, plans, clock_at):
    clock_at(datetime(2026, 4, 10, 12, 0, tzinfo=UTC))
    revenue_daily_recompute(org=plans, keys=None)  # the daily revenue a sync leaves, for the table
    client = viewer.client()
    body = client.get("/api/margins/plans?period=2026-04").json()["data"]
    assert (body["period"], body["asOf"], body["isPartial"]) == ("2026-04", "2026-04-10", True)
    pro = next(plan for plan in body["plans"] if plan["productId"] == "prod_pro")
    acme = next(part for part in pro["worstCustomers"] if part["tagValue"] == "acme")
    assert acme["revenueMicrodollars"] == 100 * M  # ten of the thirty days of its $300
    # Every plan's revenue adds up to the table's: the same customers on the same days.
    table = client.get("/api/margins?period=2026-04").json()["data"]["summary"]
    assert sum(plan["revenueMicrodollars"] for plan in body["plans"]) == table["totalRevenueMicrodollars"]
    assert (table["asOf"], table["isPartial"]) == ("2026-04-10", True)


def test_the_month_in_progress_projects_each_plan_to_month_end_as_the_table_does(viewer, plans, clock_at):
    # Ten of April's thirty days counted: cost runs at three times its amount to date (acme 240,
    # solo 30, idle 15), revenue is the whole month's; acme's cost splits 3:1 between its plans.
    clock_at(datetime(2026, 4, 10, 12, 0, tzinfo=UTC))
    revenue_daily_recompute(org=plans, keys=None)
    client = viewer.client()
    body = client.get("/api/margins/plans?period=2026-04").json()["data"]
    ahead = {
        plan["productId"]: (
            plan["projectedRevenueMicrodollars"],
            plan["projectedCostMicrodollars"],
            plan["projectedMarginPercent"],
            plan["projectedHealthTier"],
        )
        for plan in body["plans"]
    }
    assert ahead == {
        "prod_pro": (400 * M, 210 * M, 47.5, "moderate"),
        "prod_addon": (100 * M, 60 * M, 40.0, "moderate"),
    }
    # The plans' month-end sums, with the cost of customers on no plan, are the table's.
    table = client.get("/api/margins?period=2026-04").json()["data"]["summary"]
    assert sum(v[0] for v in ahead.values()) == table["projectedRevenueMicrodollars"] == 500 * M
    assert sum(v[1] for v in ahead.values()) + 15 * M == table["projectedCostMicrodollars"] == 285 * M
    page = viewer.page_client().get("/margins/plans/?period=2026-04").content.decode()
    assert '<span data-projected="margin">projected 47.5%</span>' in page and "$400.00 for the month" in page


def test_a_finished_month_says_it_counted_every_day(viewer, plans, clock_at):
    clock_at(datetime(2026, 5, 2, 8, 0, tzinfo=UTC))
    body = viewer.client().get("/api/margins/plans?period=2026-04").json()["data"]
    assert (body["asOf"], body["isPartial"]) == ("2026-04-30", False)
    assert {plan["projectedMarginPercent"] for plan in body["plans"]} == {None}
    assert sum(plan["revenueMicrodollars"] for plan in body["plans"]) == 500 * M


def test_the_plans_page_names_the_month_in_progress_and_marks_its_row(viewer, plans, clock_at):
    clock_at(datetime(2026, 4, 10, 12, 0, tzinfo=UTC))
    html = viewer.page_client().get("/margins/plans/?period=2026-04").content.decode()
    assert "April to date, 1–10 Apr" in html
    assert html.count('<tr><td>2026-04 <span class="muted">to date</span></td>') == 2  # both plans
    finished = viewer.page_client().get("/margins/plans/?period=2026-03").content.decode()
    assert "March 2026, complete" in finished and "to date" not in finished
    not_begun = viewer.page_client().get("/margins/plans/?period=2026-05").content.decode()
    assert "May 2026, not begun" in not_begun and "to date" not in not_begun


@pytest.mark.parametrize("period", ["2026-13", "abc", ""])
def test_a_period_that_is_not_yyyy_mm_is_a_validation_error(viewer, period):
    response = viewer.client().get("/api/margins/plans", {"period": period})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"field": "period", "value": period}


def test_anonymous_gets_401_and_free_tier_403(anon, free_admin):
    assert anon.get("/api/margins/plans").json()["error"]["code"] == "authentication_required"
    response = free_admin.client().get("/api/margins/plans")
    assert response.status_code == 403
    assert response.json()["error"]["details"]["upgradeUrl"] == "/upgrade/"


def test_every_role_may_read_and_an_outsider_sees_only_their_own_org(admin, member, viewer, outsider, plans):
    for persona in (admin, member, viewer):
        assert persona.client().get("/api/margins/plans?period=2026-04").status_code == 200
    body = outsider.client().get("/api/margins/plans?period=2026-04").json()["data"]
    assert body["plans"] == []
    assert body["unattributed"] == {"customers": 0, "costMicrodollars": 0}


def test_plans_page_shows_each_plan_with_its_twelve_months(viewer, plans):
    response = viewer.page_client().get("/margins/plans/?period=2026-04")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Margins by plan" in html
    assert 'data-product="prod_pro"' in html and 'data-product="prod_addon"' in html
    assert html.count("<tr><td>202") == 24  # two plans, twelve months each
    assert 'href="/margins/plans/"' in html  # the navigation links here
    partial = (
        viewer.page_client(HTTP_HX_REQUEST="true").get("/margins/plans/?period=2026-03").content.decode()
    )
    assert partial.lstrip().startswith('<div id="plans-body">')
    assert 'data-product="prod_addon"' not in partial


def test_plans_page_is_for_pro_orgs_and_shows_an_outsider_nothing(free_admin, outsider, plans):
    assert free_admin.page_client().get("/margins/plans/").status_code == 403
    html = outsider.page_client().get("/margins/plans/?period=2026-04").content.decode()
    assert "prod_pro" not in html


def test_the_plans_read_takes_as_many_queries_for_many_customers_as_for_few(viewer, plans):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = viewer.client()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/margins/plans?period=2026-04").status_code == 200
        return len(captured)

    queries()  # the first request of a fresh login also saves the session
    few = queries()
    for n in range(20):
        map_tag(plans, f"cus_more_{n}", f"more-{n}")
        line = monthly_line(f"il_more_{n}", 5000, "price_pro_m", "prod_pro", 2026, 4)
        paid_invoice(plans, f"in_more_{n}", f"cus_more_{n}", [line], paid=epoch(2026, 4, 1))
        add_cost(plans, f"more-{n}", date(2026, 4, 5), M)
    assert queries() == few
