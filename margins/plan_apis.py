"""GET /api/margins/plans: the month's margin by plan, as the margins API writes money (microdollars).

Session, Pro, any role; errors and tier gating are those of the other /api/margins endpoints.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from margins.apis import period_param
from margins.calculations.plans import PlanCustomer, PlanMargin
from margins.exports import progress_json
from margins.plans import PlanReport, plan_report
from margint.permissions import PRO_VIEWER, actor_of


@api_view(["GET"])
@permission_classes(PRO_VIEWER)
def margins_by_plan(request: Request) -> Response:
    period = period_param(request)
    report = plan_report(org=actor_of(request).org, period=period, as_of=timezone.now())
    return Response({"data": report_json(report)})


def report_json(report: PlanReport) -> dict[str, Any]:
    table = report.current
    return {
        "period": str(table.period),
        **progress_json(report.progress),
        "plans": [
            plan_json(plan, report.name(plan.product_id), report.projection_of(plan.product_id))
            for plan in table.plans
        ],
        "unattributed": {
            "customers": table.unattributed_customers,
            "costMicrodollars": table.unattributed_cost,
        },
    }


def plan_json(plan: PlanMargin, name: str, ahead: PlanMargin | None = None) -> dict[str, Any]:
    """A plan of the month; `ahead`, the same plan at the end of the month in progress, fills the
    projected fields (null for a finished month), as a margin table row's."""
    return {
        "productId": plan.product_id or None,
        "productName": name,
        "prices": [
            {"priceId": price or None, "revenueMicrodollars": amount} for price, amount in plan.prices
        ],
        "customers": plan.customers,
        "revenueMicrodollars": plan.revenue,
        "costMicrodollars": plan.cost,
        "marginMicrodollars": plan.margin,
        "marginPercent": float(plan.margin_percent),
        "healthTier": plan.tier.value,
        "costPerCustomerMicrodollars": plan.cost_per_customer,
        "worstCustomers": [customer_json(part) for part in plan.worst_customers],
        "projectedRevenueMicrodollars": ahead.revenue if ahead else None,
        "projectedCostMicrodollars": ahead.cost if ahead else None,
        "projectedMarginPercent": float(ahead.margin_percent) if ahead else None,
        "projectedHealthTier": ahead.tier.value if ahead else None,
    }


def customer_json(part: PlanCustomer) -> dict[str, Any]:
    return {
        "tagValue": part.tag_value,
        "stripeCustomerId": part.stripe_customer_id,
        "customerName": part.customer_name,
        "revenueMicrodollars": part.revenue,
        "costMicrodollars": part.cost,
        "marginMicrodollars": part.margin,
        "marginPercent": float(part.margin_percent),
    }
