"""Margin by plan: billing's revenue per plan joined with the cost of the customers on each plan.

The customers are the margin table's: tag values with mappings that count, their Stripe
customers' plan revenue added up, their cost from the monthly cost totals. The arithmetic
(the cost split by revenue share, tiers, the worst customers) is `margins.calculations.plans`.
Read by `GET /api/margins/plans` and the margins-by-plan page. See docs/plans.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from billing.plans import PlanNames, PlanRevenue, plan_names, plan_revenue
from billing.selectors import stripe_customer_names
from mappings.selectors import counting_links
from margins.calculations import Month, MonthProgress, month_progress, project_cost
from margins.calculations.plans import CustomerPlans, PlanMargin, PlanTable, compute_plan_table
from margins.selectors import monthly_cost, org_thresholds, utc_day
from margint.models import Organization

HISTORY_MONTHS = 12


@dataclass(frozen=True)
class PlanReport:
    """Plan tables of consecutive months (oldest first; the last one is the period's) and names."""

    tables: tuple[PlanTable, ...]
    names: Mapping[str, str]  # product id -> plan name
    progress: MonthProgress  # the period's counted days: its figures are to date while partial
    # The month in progress at its end: each customer's revenue recognized for the whole month and
    # its cost to date carried at its daily rate (`project_cost`), split over plans the same way.
    projected: PlanTable | None = None

    @property
    def current(self) -> PlanTable:
        return self.tables[-1]

    def projection_of(self, product_id: str) -> PlanMargin | None:
        """A plan of the period at the end of the month in progress (None otherwise, or if the
        plan has no revenue nor cost by then)."""
        if self.projected is None:
            return None
        return next((plan for plan in self.projected.plans if plan.product_id == product_id), None)

    def name(self, product_id: str) -> str:
        if not product_id:
            return "Without a price"
        return self.names.get(product_id) or product_id


def plan_report(*, org: Organization, period: Month, as_of: datetime, months: int = 1) -> PlanReport:
    """The plan tables of the `months` months up to `period`, in a fixed number of queries.

    The month in progress counts its revenue on its days up to and including `as_of`'s UTC day,
    the same days as its cost, as the margin table does (`month_progress`, one rule for both;
    docs/month-in-progress.md); a finished month counts all its days.
    """
    window = period.months_back(months)
    progress = month_progress(period, utc_day(as_of))
    names = plan_names(org=org)
    revenue = plan_revenue(org=org, start=window[0].first_day, end=progress.counted_end, names=names)
    cost = monthly_cost(org=org, months=window)
    links = counting_links(org=org)
    customer_names = stripe_customer_names(org=org)
    per_sid = _by_stripe_customer(revenue)
    thresholds = org_thresholds(org)
    tables = tuple(
        compute_plan_table(
            period=month,
            customers=_customers(links, per_sid, cost, customer_names, month, index),
            thresholds=thresholds,
        )
        for index, month in enumerate(window)
    )
    projected = None
    if progress.is_partial and progress.as_of is not None:
        whole = plan_revenue(org=org, start=period.first_day, end=period.next().first_day, names=names)
        ahead = {tag: (project_cost(amounts[-1], progress),) for tag, amounts in cost.items()}
        customers = _customers(links, _by_stripe_customer(whole), ahead, customer_names, period, 0)
        projected = compute_plan_table(period=period, customers=customers, thresholds=thresholds)
    return PlanReport(tables=tables, names=_names(names), progress=progress, projected=projected)


def _by_stripe_customer(rows: Sequence[PlanRevenue]) -> dict[tuple[str, date], dict[tuple[str, str], int]]:
    out: dict[tuple[str, date], dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        out[(row.stripe_customer_id, row.month)][(row.product_id, row.price_id)] += row.amount_micro
    return out


def _customers(
    links: Mapping[str, tuple[str, ...]],
    per_sid: Mapping[tuple[str, date], Mapping[tuple[str, str], int]],
    cost: Mapping[str, tuple[int, ...]],
    names: Mapping[str, str],
    month: Month,
    index: int,
) -> list[CustomerPlans]:
    customers = []
    for tag, sids in links.items():
        plans: dict[tuple[str, str], int] = defaultdict(int)
        for sid in sids:
            for key, amount in per_sid.get((sid, month.first_day), {}).items():
                plans[key] += amount
        tag_cost = cost[tag][index] if tag in cost else 0
        if plans or tag_cost:
            lead = sids[0]
            customers.append(CustomerPlans(tag, lead, names.get(lead) or None, dict(plans), tag_cost))
    return customers


def _names(names: PlanNames) -> dict[str, str]:
    return dict(names.product_names)
