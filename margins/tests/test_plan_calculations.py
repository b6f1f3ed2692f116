"""Margin by plan arithmetic: the cost split by revenue share, unattributed cost, worst customers."""

from __future__ import annotations

from decimal import Decimal

from margins.calculations import Month, Tier, TierThresholds
from margins.calculations.plans import CustomerPlans, compute_plan_table, split_cost

APRIL = Month(2026, 4)


def customer(tag: str, cost: int, **plans: int) -> CustomerPlans:
    return CustomerPlans(
        tag, f"cus_{tag}", None, {(product, f"price_{product}"): a for product, a in plans.items()}, cost
    )


def test_split_cost_follows_revenue_share_and_adds_up_exactly():
    assert split_cost(100, {"pro": 300, "seats": 100}) == {"pro": 75, "seats": 25}
    shares = split_cost(10, {"a": 1, "b": 1, "c": 1})
    assert sum(shares.values()) == 10
    assert sorted(shares.values()) == [3, 3, 4]


def test_split_cost_gives_nothing_to_plans_without_positive_revenue():
    assert split_cost(90, {"pro": 100, "credit": -40, "zero": 0}) == {"pro": 90}
    assert split_cost(90, {"credit": -40}) == {}


def test_a_customer_on_two_plans_has_its_cost_split_by_revenue_share():
    table = compute_plan_table(
        period=APRIL,
        customers=[customer("acme", 80, pro=300, addon=100), customer("solo", 10, pro=100)],
        thresholds=TierThresholds(),
    )
    plans = {plan.product_id: plan for plan in table.plans}
    assert plans["pro"].revenue == 400
    assert plans["pro"].cost == 60 + 10
    assert plans["pro"].customers == 2
    assert plans["pro"].cost_per_customer == 35
    assert plans["addon"].cost == 20
    assert plans["pro"].margin_percent == Decimal("82.50")
    assert plans["pro"].tier is Tier.HEALTHY
    assert sum(plan.cost for plan in table.plans) == 90


def test_cost_without_plan_revenue_is_unattributed():
    table = compute_plan_table(
        period=APRIL,
        customers=[customer("ghost", 50), customer("pay", 5, pro=10)],
        thresholds=TierThresholds(),
    )
    assert table.unattributed_customers == 1
    assert table.unattributed_cost == 50
    assert [plan.product_id for plan in table.plans] == ["pro"]


def test_worst_three_customers_by_margin_and_plans_worst_percent_first():
    customers = [customer(f"c{i}", cost=i * 10, pro=50) for i in range(6)] + [customer("x", 1, cheap=100)]
    table = compute_plan_table(period=APRIL, customers=customers, thresholds=TierThresholds())
    assert [plan.product_id for plan in table.plans] == ["pro", "cheap"]
    assert [part.tag_value for part in table.plans[0].worst_customers] == ["c5", "c4", "c3"]
    assert table.plans[0].worst_customers[0].margin == 0
    assert table.plans[0].margin_percent == Decimal("50.00")
    assert table.plans[0].tier is Tier.HEALTHY
