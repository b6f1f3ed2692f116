"""Margin by plan: a month's revenue per plan against the cost of the customers on it.

Pure: no ORM, no clock. A plan is a Stripe product (its prices grouped under it). A customer's
revenue of a plan is what its invoice lines of that product's prices recognize in the month. The
plan's cost is the cost of its customers in the month; a customer on several plans has its cost
split by its revenue share: each plan with positive revenue gets cost x revenue / the customer's
positive plan revenue, in integers that add up exactly to the customer's cost (largest
remainder, the biggest plan first on ties). A plan with zero or negative revenue from a customer
(a proration credit) takes none of its cost. A customer with cost but no positive plan revenue
(no invoice line in the month, or only credits) is reported as unattributed, not in any plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from margins.calculations.periods import Month
from margins.calculations.rows import MonthAmounts, health_tier
from margins.calculations.tiers import Tier, TierThresholds, margin_percent

WORST_CUSTOMERS = 3


@dataclass(frozen=True, slots=True)
class CustomerPlans:
    """One margin-table customer (tag value) in one month: revenue per (product, price), its cost."""

    tag_value: str
    stripe_customer_id: str
    customer_name: str | None
    plan_revenue: Mapping[tuple[str, str], int]
    cost: int


@dataclass(frozen=True, slots=True)
class PlanCustomer:
    """A customer's part of one plan: the plan's revenue from it and the share of its cost."""

    tag_value: str
    stripe_customer_id: str
    customer_name: str | None
    revenue: int
    cost: int

    @property
    def margin(self) -> int:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal:
        return margin_percent(self.revenue, self.cost)


@dataclass(frozen=True, slots=True)
class PlanMargin:
    product_id: str
    prices: tuple[tuple[str, int], ...]  # (price id, revenue), most revenue first
    customers: int
    revenue: int
    cost: int
    margin_percent: Decimal
    tier: Tier
    cost_per_customer: int
    worst_customers: tuple[PlanCustomer, ...]

    @property
    def margin(self) -> int:
        return self.revenue - self.cost


@dataclass(frozen=True, slots=True)
class PlanTable:
    period: Month
    plans: tuple[PlanMargin, ...]  # worst margin % first, then product id
    unattributed_customers: int
    unattributed_cost: int


def split_cost(cost: int, revenue: Mapping[str, int]) -> dict[str, int]:
    """`cost` split over the keys with positive revenue, by revenue share, summing exactly to it.

    Empty when no key has positive revenue. Integer arithmetic: floor shares, then the leftover
    micro-units one each to the largest remainders (then the largest revenue, then the key).
    """
    positive = {key: amount for key, amount in revenue.items() if amount > 0}
    total = sum(positive.values())
    if not total:
        return {}
    shares, remainders = {}, []
    for key, amount in positive.items():
        shares[key], rest = divmod(cost * amount, total)
        remainders.append((-rest, -amount, key))
    leftover = cost - sum(shares.values())
    for _, _, key in sorted(remainders)[:leftover]:
        shares[key] += 1
    return shares


def compute_plan_table(
    *, period: Month, customers: Iterable[CustomerPlans], thresholds: TierThresholds
) -> PlanTable:
    """Every plan of the month with its customers, revenue, cost, margin, tier and worst customers."""
    parts: dict[str, list[PlanCustomer]] = defaultdict(list)
    prices: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unattributed, unattributed_cost = 0, 0
    for customer in customers:
        by_product: dict[str, int] = defaultdict(int)
        for (product, price), amount in customer.plan_revenue.items():
            by_product[product] += amount
            prices[product][price] += amount
        costs = split_cost(customer.cost, by_product)
        if customer.cost and not costs:
            unattributed, unattributed_cost = unattributed + 1, unattributed_cost + customer.cost
        for product, amount in by_product.items():
            if amount or costs.get(product):
                parts[product].append(_part(customer, amount, costs.get(product, 0)))
    plans = [_plan(product, parts[product], prices[product], thresholds) for product in parts]
    plans.sort(key=lambda plan: (plan.margin_percent, plan.product_id))
    return PlanTable(period, tuple(plans), unattributed, unattributed_cost)


def _part(customer: CustomerPlans, revenue: int, cost: int) -> PlanCustomer:
    return PlanCustomer(
        customer.tag_value, customer.stripe_customer_id, customer.customer_name, revenue, cost
    )


def _plan(
    product: str, parts: list[PlanCustomer], prices: Mapping[str, int], thresholds: TierThresholds
) -> PlanMargin:
    revenue = sum(part.revenue for part in parts)
    cost = sum(part.cost for part in parts)
    worst = sorted(parts, key=lambda part: (part.margin, part.margin_percent, part.tag_value))
    return PlanMargin(
        product_id=product,
        prices=tuple(sorted(prices.items(), key=lambda item: (-item[1], item[0]))),
        customers=len(parts),
        revenue=revenue,
        cost=cost,
        margin_percent=margin_percent(revenue, cost),
        tier=health_tier(MonthAmounts(revenue, cost), thresholds),
        cost_per_customer=cost // len(parts),
        worst_customers=tuple(worst[:WORST_CUSTOMERS]),
    )
