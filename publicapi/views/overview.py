"""The overview (home page): the month's margins summary to date, cost, sync state, mapped customers.

It reads both fact sources and the mappings, so it lives with the surfaces, above all of them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from mappings.selectors import counting_mappings
from margins.costs import selectors as cost_selectors
from margins.selectors import month_of
from margins.selectors.trend import margin_picture
from margint.decorators import member_required
from margint.models import Organization
from publicapi.views.charts import picture_context


def _month_start(day: date, back: int = 0) -> date:
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _overview(org: Organization, today: date) -> dict:
    """Month-to-date cost from the same selectors the APIs read. For Pro, the month's margin figures
    are the margins page's own (`ranked_margin_table` in `margin_picture`, added by `home`): the
    same days, the same sums."""
    this_month, last_month, tomorrow = _month_start(today), _month_start(today, 1), today + timedelta(days=1)
    facts = {
        "cost_mtd": cost_selectors.cost_total(org=org, start=this_month, end=tomorrow),
        "cost_last_month": cost_selectors.cost_total(org=org, start=last_month, end=this_month),
        "this_month": this_month,
        "last_month": last_month,
    }
    if org.is_pro:
        facts["mapped_count"] = len(counting_mappings(org=org))
    return facts


@require_safe  # HEAD answers as GET does (monitors and link checkers send it)
@member_required()
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    facts = _overview(request.org, now.date())
    if request.org.is_pro:
        # The margins page's own table of this month (ranked_margin_table inside margin_picture).
        period = month_of(now)
        picture = margin_picture(org=request.org, period=period, as_of=now)
        facts.update(picture_context(picture, period=period), query={"period": period})
    context = {"org": request.org, "currency": request.org.reporting_currency, **facts}
    return render(request, "margint/home.html", context)
