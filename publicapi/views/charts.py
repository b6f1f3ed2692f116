"""Month-by-month charts of the dashboard pages: the figures a chart shows, in `margint.charts`' terms.

The overview and the margins page (in its own request, `/margins/trend.html`) chart the
organization's twelve months (`margin_trend`); the customer page charts one customer's months.
The layout is `margint.charts.layout`, drawn by the template `margint/partials/_month_chart.html`
as server-side SVG with a table of the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.http import QueryDict

from margins.calculations import Month, margin_percent
from margins.labels import month_label
from margint import charts

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_values(
    months: Iterable[tuple[Month, int, int, Decimal | None]], *, in_progress: Month | None
) -> list[charts.MonthValues]:
    """(month, revenue, cost, margin %) oldest first, as a chart's months.

    The year shows under the first month and under each January.
    """
    values = []
    for index, (month, revenue, cost, percent) in enumerate(months):
        values.append(
            charts.MonthValues(
                label=str(month),
                short=_MONTH_NAMES[month.month - 1],
                revenue=revenue,
                cost=cost,
                percent=percent,
                in_progress=month == in_progress,
                year=str(month.year) if index == 0 or month.month == 1 else "",
            )
        )
    return values


def trend_chart(trend) -> charts.Chart:
    """The organization's chart from `margins.selectors.trend.margin_trend`'s months."""
    current = next((point.month for point in trend if point.in_progress), None)
    return charts.layout(
        month_values(((p.month, p.revenue, p.cost, p.margin_percent) for p in trend), in_progress=current)
    )


def _percent(revenue: int, cost: int) -> Decimal | None:
    return margin_percent(revenue, cost) if revenue > 0 else None


def customer_chart(series, *, in_progress: Month | None) -> charts.Chart:
    """One customer's chart from its `revenue_over_time` points (period, revenue, cost)."""
    months = ((p.period, p.revenue, p.cost, _percent(p.revenue, p.cost)) for p in series)
    return charts.layout(month_values(months, in_progress=in_progress))


def picture_context(picture, *, period: Month, base_qs: dict[str, str] | None = None) -> dict:
    """What the summary cards, the chart and the worst customers read, for the overview and margins page.

    Both pages render `margins/partials/_summary.html` from this, so their figures are the same.
    `tier_qs`: the margins page's query for each tier card ("Critical 7" opens the table filtered).
    """
    report = picture.report
    tier_qs = {}
    for tier in ("critical", "at_risk"):
        params = QueryDict(mutable=True)
        params.update({"period": str(period), **(base_qs or {}), "tier": tier})
        tier_qs[tier] = params.urlencode()
    # Not the report itself: a template's Context is a reference cycle, so whatever it holds waits
    # for the collector, and the report holds every row of the table (10,000 of them).
    return {
        "reconciliation": report.reconciliation,
        "summary": report.table.summary,
        "projection": report.table.summary.projection,
        "month_label": month_label(report.table.progress),
        "sync": report.sync,
        "sync_label": report.sync.status.replace("_", " ").capitalize(),
        "worst": picture.worst,
        "trend": trend_chart(picture.trend) if picture.trend else None,
        "tier_qs": tier_qs,
    }
