"""The margins-by-plan page (/margins/plans/): each plan's month and its 12-month picture.

Numbers come from `margins.plans.plan_report`, the same read as GET /api/margins/plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from margins.calculations import InvalidPeriod, Month
from margins.calculations.plans import PlanMargin, PlanTable
from margins.labels import month_label
from margins.plans import HISTORY_MONTHS, PlanReport, plan_report
from margins.selectors import month_of
from margint.decorators import member_required
from margint.htmx import page_or_partial
from margint.sparkline import Point


@dataclass(frozen=True)
class PlanMonth:
    period: Month
    plan: PlanMargin | None  # None: nobody on the plan that month


@dataclass(frozen=True)
class PlanPicture:
    name: str
    plan: PlanMargin
    months: tuple[PlanMonth, ...]  # newest first
    ahead: PlanMargin | None = None  # the plan at the end of the month in progress

    @property
    def sparkline(self) -> tuple[Point, ...]:
        return tuple(
            Point(str(month.period), None if month.plan is None else Decimal(month.plan.margin_percent))
            for month in reversed(self.months)
        )


def plan_pictures(report: PlanReport) -> list[PlanPicture]:
    """The period's plans in the table's order, each with its months of the report."""
    by_month = [{plan.product_id: plan for plan in table.plans} for table in report.tables]
    return [
        PlanPicture(
            name=report.name(plan.product_id),
            plan=plan,
            months=tuple(
                PlanMonth(table.period, plans.get(plan.product_id))
                for table, plans in reversed(list(zip(report.tables, by_month, strict=True)))
            ),
            ahead=report.projection_of(plan.product_id),
        )
        for plan in report.current.plans
    ]


def _period(request: HttpRequest, now_period: Month) -> Month:
    try:
        return Month.parse(request.GET["period"]) if request.GET.get("period") else now_period
    except InvalidPeriod:
        return now_period


@require_GET
@member_required(pro=True)
def plans_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    period = _period(request, month_of(now))
    report = plan_report(org=request.org, period=period, as_of=now, months=HISTORY_MONTHS)
    table: PlanTable = report.current
    context = {
        "currency": request.org.reporting_currency,
        "period": period,
        "months": list(reversed(month_of(now).months_back(HISTORY_MONTHS))),
        "table": table,
        "month_label": month_label(report.progress),
        # The period, each plan's newest month, has counted some of its days (not all, not none).
        "to_date": report.progress.is_partial and report.progress.as_of is not None,
        "pictures": plan_pictures(report),
    }
    return page_or_partial(request, "margins/plans.html", "margins/partials/_plans.html", context)
