"""The organization's margin month by month, and the one picture the overview and margins page share.

`margin_picture` is what both pages read: the month's margin table (`margin_table`, the same
function the API and the CSV read), its five worst customers and twelve months of the mapped
customers' revenue, cost and margin. Both pages call it with the same arguments, so the
blended margin, the counts and the worst customers they show agree figure for figure.

The trend counts the same customers the table counts (tag values with a mapping that counts),
so its point for a month is that month's table summary: revenue, cost and blended margin.
It reads the monthly totals summed per month, two grouped queries whatever the customer count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import BigIntegerField, Sum
from django.db.models.functions import Cast

from mappings.models import COUNTING_STATUSES, CustomerMapping
from mappings.selectors import MARGIN_TAG_KEY
from margins.calculations import MarginRow, Month, margin_percent
from margins.models import CustomerMonthlyCost, CustomerMonthlyRevenue
from margins.selectors.table import MarginReport, margin_table, month_of
from margint.models import Organization

TREND_MONTHS = 12
WORST_COUNT = 5


@dataclass(frozen=True)
class TrendMonth:
    month: Month
    revenue: int
    cost: int
    margin: int
    margin_percent: Decimal | None  # None without revenue: no margin to speak of
    in_progress: bool  # the month of `as_of`: revenue and cost so far


@dataclass(frozen=True)
class MarginPicture:
    report: MarginReport
    worst: tuple[MarginRow, ...]
    trend: tuple[TrendMonth, ...]


def margin_trend(*, org: Organization, as_of: datetime, months: int = TREND_MONTHS) -> tuple[TrendMonth, ...]:
    """Revenue, cost and margin of the customers the margin table counts, `months` months to `as_of`'s."""
    current = month_of(as_of)
    span = current.months_back(months)
    days = [m.first_day for m in span]
    # The mappings that count, as the table's statement joins them (margins/selectors/month_amounts.py).
    counting = CustomerMapping.objects.filter(org=org, tag_key=MARGIN_TAG_KEY, status__in=COUNTING_STATUSES)
    cost_rows = CustomerMonthlyCost.objects.filter(
        org=org, month__in=days, customer__external_id__in=counting.values("tag_value")
    )
    revenue_rows = CustomerMonthlyRevenue.objects.filter(
        org=org, month__in=days, stripe_customer__stripe_id__in=counting.values("stripe_customer_id")
    )
    cost, revenue = _per_month(cost_rows, "cost_micro"), _per_month(revenue_rows, "amount_micro")
    points = []
    for month in span:
        r, c = revenue.get(month.first_day, 0), cost.get(month.first_day, 0)
        points.append(
            TrendMonth(
                month=month,
                revenue=r,
                cost=c,
                margin=r - c,
                margin_percent=margin_percent(r, c) if r > 0 else None,
                in_progress=month == current,
            )
        )
    return tuple(points)


def _per_month(rows, column: str) -> dict:
    # Cast: PostgreSQL sums bigints as numeric, which would arrive as Decimals.
    sums = rows.values("month").annotate(total=Cast(Sum(column), BigIntegerField()))
    return dict(sums.values_list("month", "total"))


def margin_picture(*, org: Organization, as_of: datetime, period: Month | None = None) -> MarginPicture:
    """The month's margin table, its worst customers and the 12-month trend: one read for two pages."""
    report = margin_table(org=org, period=period, as_of=as_of)
    return MarginPicture(
        report=report,
        worst=tuple(report.table.rows[:WORST_COUNT]),
        trend=margin_trend(org=org, as_of=as_of),
    )
