"""presenters.customer_rows_body: rows rendered once are reused, and the body is the list rendered whole."""

from __future__ import annotations

import json

import pytest
from rest_framework.renderers import JSONRenderer

from margins import memo
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


def rendered_whole(rows: list[CustomerFigures], thresholds: TierThresholds = THRESHOLDS) -> bytes:
    ordered = sorted(rows, key=lambda f: (-f.cost, f.external_id))
    return JSONRenderer().render({"data": [presenters.customer_row(f, thresholds) for f in ordered]})


@pytest.fixture(autouse=True)
def fresh():
    memo.clear()
    yield
    memo.clear()


def test_body_is_the_whole_list_rendered_largest_cost_first():
    rows = [figures("b", 1_000_000, 3_000_000), figures("a", 1_000_000, 0), figures("c", 9_000_000, 1)]
    body = presenters.customer_rows_body(rows, THRESHOLDS, scope="org:90d")
    assert body == rendered_whole(rows)
    assert [row["externalId"] for row in json.loads(body)["data"]] == ["c", "a", "b"]


def test_a_changed_customer_is_rendered_again_and_the_others_are_reused(monkeypatch):
    rows = [figures("a", 1_000_000, 2_000_000), figures("b", 500_000, 100_000, name="Beta")]
    presenters.customer_rows_body(rows, THRESHOLDS, scope="org:90d")
    rendered = []
    real = presenters.customer_row
    monkeypatch.setattr(presenters, "customer_row", lambda f, t: rendered.append(f.external_id) or real(f, t))
    changed = [figures("a", 1_000_000, 2_000_000), figures("b", 700_000, 100_000, name="Beta, Inc. \u2028")]
    body = presenters.customer_rows_body(changed, THRESHOLDS, scope="org:90d")
    assert rendered == ["b"]
    monkeypatch.setattr(presenters, "customer_row", real)
    assert body == rendered_whole(changed)


def test_other_thresholds_render_every_row_again():
    rows = [figures("a", 600_000, 1_000_000)]
    first = presenters.customer_rows_body(rows, THRESHOLDS, scope="org:90d")
    strict = TierThresholds(healthy=70, moderate=50, at_risk=10)
    second = presenters.customer_rows_body(rows, strict, scope="org:90d")
    assert json.loads(first)["data"][0]["marginState"] == "moderate"
    assert json.loads(second)["data"][0]["marginState"] == "at_risk"
    assert second == rendered_whole(rows, strict)
