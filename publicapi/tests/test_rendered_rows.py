"""presenters.customer_rows_body: the body is the list of rows, largest cost first, under the thresholds given."""

from __future__ import annotations

import json

from margins.calculations import TierThresholds
from publicapi import presenters
from publicapi.customers import CustomerFigures

THRESHOLDS = TierThresholds(healthy=50, moderate=20, at_risk=0)


def figures(external_id: str, cost: int, revenue: int, name: str = "") -> CustomerFigures:
    return CustomerFigures(
        id=f"id-{external_id}",
        external_id=external_id,
        name=name,
        email="",
        stripe_ids=("cus_" + external_id,),
        cost=cost,
        previous_cost=cost // 2,
        revenue=revenue,
        previous_revenue=revenue,
        mrr=revenue,
        mrr_source="invoices",
        spark=(cost // 2, cost - cost // 2),
    )


def rendered_whole(rows: list[CustomerFigures], thresholds: TierThresholds = THRESHOLDS) -> dict:
    ordered = sorted(rows, key=lambda f: (-f.cost, f.external_id))
    return {"data": [presenters.customer_row(f, thresholds) for f in ordered]}


def test_body_is_the_whole_list_rendered_largest_cost_first():
    rows = [figures("b", 1_000_000, 3_000_000), figures("a", 1_000_000, 0), figures("c", 9_000_000, 1)]
    body = presenters.customer_rows_body(rows, THRESHOLDS)
    assert json.loads(body) == rendered_whole(rows)
    assert [row["externalId"] for row in json.loads(body)["data"]] == ["c", "a", "b"]


def test_the_rows_follow_the_thresholds_given():
    rows = [figures("a", 600_000, 1_000_000)]
    first = presenters.customer_rows_body(rows, THRESHOLDS)
    strict = TierThresholds(healthy=70, moderate=50, at_risk=10)
    second = presenters.customer_rows_body(rows, strict)
    assert json.loads(first)["data"][0]["marginState"] == "moderate"
    assert json.loads(second)["data"][0]["marginState"] == "at_risk"
    assert json.loads(second) == rendered_whole(rows, strict)
