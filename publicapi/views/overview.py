"""The overview (home page): the month's margins summary to date, cost, sync state, mapped customers.

It reads both fact sources and the mappings, so it lives with the surfaces, above all of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from mappings.selectors import counting_mappings
from margins.costs import selectors as cost_selectors
from margins.labels import month_label
from margins.selectors import margin_table
from margint.decorators import member_required
from margint.models import Organization


def _month_start(day: date, back: int = 0) -> date:
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _overview(org: Organization, now: datetime) -> dict:
    """Month-to-date facts; for Pro, the month's figures are the margins summary's, read by the same
    selector as the margins page, so the two always show the same numbers (docs/month-in-progress.md)."""
    today = now.astimezone(UTC).date()
    this_month, last_month, tomorrow = _month_start(today), _month_start(today, 1), today + timedelta(days=1)
    facts = {
        "cost_mtd": cost_selectors.cost_total(org=org, start=this_month, end=tomorrow),
        "cost_last_month": cost_selectors.cost_total(org=org, start=last_month, end=this_month),
        "this_month": this_month,
        "last_month": last_month,
    }
    if org.is_pro:
        report = margin_table(org=org, as_of=now)
        facts["margins"] = report
        facts["projection"] = report.table.summary.projection
        facts["month_label"] = month_label(report.table.progress)
        facts["sync"] = report.sync
        facts["mapped_count"] = len(counting_mappings(org=org))
    return facts


@require_safe  # HEAD answers as GET does (monitors and link checkers send it)
@member_required()
def home(request: HttpRequest) -> HttpResponse:
    facts = _overview(request.org, timezone.now())
    return render(request, "margint/home.html", {"org": request.org, **facts})
