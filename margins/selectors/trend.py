"""The organization's margin month by month, and the one picture the overview and margins page share.

`margin_picture` is what the overview reads: the month's margin table (`ranked_margin_table`, the
same function the API, the CSV and the margins page read), its five worst customers and twelve
months of the mapped customers' revenue, cost and margin. The margins page reads the same table
with the same arguments and loads the same `margin_trend` in a request of its own after itself,
so the blended margin, the counts, the worst customers and the chart agree figure for figure.

The trend counts the same customers the table counts (tag values with a mapping that counts),
so its point for a month is that month's table summary: revenue, cost and blended margin.
It reads the monthly totals summed per month, two grouped queries whatever the customer count;
the month in progress counts its revenue on the days so far, as the table does (two more).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import BigIntegerField, Sum
from django.db.models.functions import Cast

from billing.models import StripeCustomer
from billing.selectors import revenue_by_customer_through
from mappings.models import COUNTING_STATUSES, CustomerMapping
from mappings.selectors import MARGIN_TAG_KEY, counting_links
from margins.calculations import MarginRow, Month, margin_percent, month_progress
from margins.models import Customer, CustomerMonthlyCost, CustomerMonthlyRevenue
from margins.selectors.table import MarginReport, month_of, ranked_margin_table, utc_day
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


def margin_trend(
    *, org: Organization, as_of: datetime, months: int = TREND_MONTHS, revenue_to_date: int | None = None
) -> tuple[TrendMonth, ...]:
    """Revenue, cost and margin of the customers the margin table counts, `months` months to `as_of`'s.

    `revenue_to_date`: the month in progress's revenue on its counted days when the caller has
    it (its margin table's total); read here otherwise.
    """
    current = month_of(as_of)
    span = current.months_back(months)
    days = [m.first_day for m in span]
    # The mappings that count, as the table's statement joins them (margins/selectors/month_amounts.py).
    # The mapped ids are found first (10,000 at most), so the monthly rows are matched on an integer
    # id rather than each joined to its customer and matched on text.
    counting = CustomerMapping.objects.filter(org=org, tag_key=MARGIN_TAG_KEY, status__in=COUNTING_STATUSES)
    customer_ids = Customer.objects.filter(org=org, external_id__in=counting.values("tag_value")).values("id")
    stripe = StripeCustomer.objects.filter(org=org, stripe_id__in=counting.values("stripe_customer_id"))
    cost_rows = CustomerMonthlyCost.objects.filter(org=org, month__in=days, customer__in=customer_ids)
    revenue_rows = CustomerMonthlyRevenue.objects.filter(
        org=org, month__in=days, stripe_customer__in=stripe.values("id")
    )
    cost, revenue = _per_month(cost_rows, "cost_micro"), _per_month(revenue_rows, "amount_micro")
    if revenue_to_date is None:
        revenue_to_date = _revenue_to_date(org, month_progress(current, utc_day(as_of)).as_of)
    revenue[current.first_day] = revenue_to_date
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


def _revenue_to_date(org: Organization, today) -> int:
    """The counted Stripe customers' revenue of the month in progress on its days up to `today`."""
    stripe_ids = {sid for sids in counting_links(org=org).values() for sid in sids}
    read = revenue_by_customer_through(org=org, start=today.replace(day=1), last_day=today)
    return sum(amount for sid, amount in read.items() if sid in stripe_ids)


def _per_month(rows, column: str) -> dict:
    # Cast: PostgreSQL sums bigints as numeric, which would arrive as Decimals.
    sums = rows.values("month").annotate(total=Cast(Sum(column), BigIntegerField()))
    return dict(sums.values_list("month", "total"))


def margin_picture(*, org: Organization, as_of: datetime, period: Month | None = None) -> MarginPicture:
    """The month's margin table, its worst customers and the 12-month trend: one read for two pages.

    The table stays ranked (`ranked_margin_table`): a page completes the rows it shows, and the
    worst five here.
    """
    report = ranked_margin_table(org=org, period=period, as_of=as_of)
    # The table of the month in progress already counted its revenue to date: the trend's point.
    summary, current = report.table.summary, report.table.period == month_of(as_of)
    return MarginPicture(
        report=report,
        worst=tuple(report.table.complete(report.table.rows[:WORST_COUNT])),
        trend=margin_trend(org=org, as_of=as_of, revenue_to_date=summary.total_revenue if current else None),
    )
