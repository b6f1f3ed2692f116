"""Dashboard pages of the margins app: the margin table (/margins/), its CSV, and one customer.

Every number comes from margins.selectors (the same functions the API reads); these views only
choose which rows to show, in which order, and which page of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mappings.selectors import customer_names, mapped_customers, mappings_for_tag
from margins import exports
from margins.calculations import InvalidPeriod, MarginRow, Month, Tier
from margins.labels import month_label
from margins.selectors import margin_customer_detail, margin_table, month_of
from margint.decorators import member_required
from margint.htmx import page_or_partial
from publicapi.budgets import customer_budget_statuses

PAGE_SIZE = 50
TIER_ORDER = {Tier.CRITICAL: 0, Tier.AT_RISK: 1, Tier.MODERATE: 2, Tier.HEALTHY: 3}
TIER_CHOICES = (
    ("critical", "Critical"),
    ("at_risk", "At risk"),
    ("moderate", "Moderate"),
    ("healthy", "Healthy"),
)


def _name_key(row: MarginRow) -> tuple[str, str]:
    return ((row.customer_name or row.tag_value).casefold(), row.tag_value)


SORT_KEYS: dict[str, Callable[[MarginRow], Any]] = {
    "customer": _name_key,
    "tag": lambda row: row.tag_value,
    "revenue": lambda row: row.revenue,
    "cost": lambda row: row.cost,
    "margin": lambda row: row.margin,
    "percent": lambda row: row.margin_percent,
    "tier": lambda row: TIER_ORDER[row.health_tier],
}


@dataclass(frozen=True)
class TableQuery:
    """What the viewer asked to see: month, sort, tier filter, search and page, all in the URL."""

    period: Month
    sort: str = ""  # "": the table's own order, worst margin first
    descending: bool = False
    tier: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_request(cls, request: HttpRequest, now_period: Month) -> TableQuery:
        params = request.GET
        try:
            period = Month.parse(params.get("period", "")) if params.get("period") else now_period
        except InvalidPeriod:
            period = now_period
        sort = params.get("sort", "")
        tier = params.get("tier", "")
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            period=period,
            sort=sort if sort in SORT_KEYS else "",
            descending=params.get("dir") == "desc",
            tier=tier if tier in dict(TIER_CHOICES) else "",
            q=params.get("q", "").strip()[:200],
            page=page,
        )

    def querystring(self, **changes: Any) -> str:
        """This query as URL parameters, with `changes` applied; defaults are left out."""
        query = replace(self, **changes)
        params = QueryDict(mutable=True)
        params["period"] = str(query.period)
        if query.sort:
            params["sort"] = query.sort
            params["dir"] = "desc" if query.descending else "asc"
        if query.tier:
            params["tier"] = query.tier
        if query.q:
            params["q"] = query.q
        if query.page > 1:
            params["page"] = str(query.page)
        return params.urlencode()


def shown_rows(rows: Sequence[MarginRow], query: TableQuery) -> list[MarginRow]:
    """The rows that pass the tier filter and the search, in the asked order (stable on ties)."""
    needle = query.q.casefold()
    kept = [row for row in rows if query.tier in ("", row.health_tier.value) and _found(row, needle)]
    if query.sort:
        kept.sort(key=SORT_KEYS[query.sort], reverse=query.descending)
    return kept


def _found(row: MarginRow, needle: str) -> bool:
    return not needle or needle in row.tag_value.casefold() or needle in (row.customer_name or "").casefold()


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    numeric: bool
    querystring: str
    aria_sort: str  # "ascending", "descending" or "none"


def _sort_links(query: TableQuery) -> list[SortLink]:
    columns = (
        ("customer", "Customer", False),
        ("tag", "Tag", False),
        ("revenue", "Revenue", True),
        ("cost", "Cost", True),
        ("margin", "Margin", True),
        ("percent", "Margin %", True),
        ("tier", "Health", False),
    )
    links = []
    for key, label, numeric in columns:
        current = query.sort == key
        # A first click on a number shows the largest first; a second click reverses.
        descending = (not query.descending) if current else numeric
        aria = ("descending" if query.descending else "ascending") if current else "none"
        href = query.querystring(sort=key, descending=descending, page=1)
        links.append(SortLink(key, label, numeric, href, aria))
    return links


def _table_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    query = TableQuery.from_request(request, month_of(now))
    report = margin_table(org=request.org, period=query.period, as_of=now)
    rows = shown_rows(report.table.rows, query)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    query = replace(query, page=min(query.page, pages))
    start = (query.page - 1) * PAGE_SIZE
    return {
        "org": request.org,
        "currency": request.org.reporting_currency,
        "report": report,
        "summary": report.table.summary,
        "projection": report.table.summary.projection,
        "month_label": month_label(report.table.progress),
        "sync": report.sync,
        "sync_label": report.sync.status.replace("_", " ").capitalize(),
        "query": query,
        "rows": rows[start : start + PAGE_SIZE],
        "shown_count": len(rows),
        "total_count": len(report.table.rows),
        "first_index": start + 1 if rows else 0,
        "last_index": min(start + PAGE_SIZE, len(rows)),
        "pages": pages,
        "previous_qs": query.querystring(page=query.page - 1) if query.page > 1 else "",
        "next_qs": query.querystring(page=query.page + 1) if query.page < pages else "",
        "sort_links": _sort_links(query),
        "tier_choices": TIER_CHOICES,
        "months": _month_choices(month_of(now), query.period),
        "csv_qs": query.querystring(page=1),
    }


def _month_choices(current: Month, chosen: Month, count: int = 12) -> list[Month]:
    months = list(reversed(current.months_back(count)))
    if chosen not in months:
        months.append(chosen)
    return months


@require_GET
@member_required(pro=True)
def margins_page(request: HttpRequest) -> HttpResponse:
    context = _table_context(request)
    return page_or_partial(request, "margins/margins.html", "margins/partials/_table.html", context)


@require_GET
@member_required(pro=True)
def margins_csv(request: HttpRequest) -> HttpResponse:
    """The rows the table shows with the same month, filter, search and sort: all pages, not one."""
    now = timezone.now()
    query = TableQuery.from_request(request, month_of(now))
    report = margin_table(org=request.org, period=query.period, as_of=now)
    response = HttpResponse(
        exports.rows_csv(shown_rows(report.table.rows, query)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.csv_filename(query.period)}"'
    return response


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    label: str


CHART_HEIGHT = 120


def _bars(detail) -> dict[str, Any]:
    """Revenue and cost bars per month, scaled to the largest amount (integers only, no floats)."""
    series = detail.revenue_over_time
    top = max([max(p.revenue, p.cost) for p in series] + [1])
    groups = []
    for index, point in enumerate(series):
        x = 10 + index * 60
        heights = [max(0, point.revenue) * CHART_HEIGHT // top, max(0, point.cost) * CHART_HEIGHT // top]
        groups.append(
            {
                "point": point,
                "label_x": x + 20,
                "revenue": Bar(x, CHART_HEIGHT - heights[0], heights[0], str(point.period)),
                "cost": Bar(x + 20, CHART_HEIGHT - heights[1], heights[1], str(point.period)),
            }
        )
    return {"groups": groups, "width": 20 + len(series) * 60, "height": CHART_HEIGHT}


def _customer_mappings(org, tag_value: str) -> list[tuple[Any, str | None]]:
    """Every mapping to this tag (suggestions too) with its Stripe customer's name."""
    rows = mappings_for_tag(org=org, tag_value=tag_value)
    names = customer_names(org=org, stripe_ids={m.stripe_customer_id for m in rows})
    return [(m, names.get(m.stripe_customer_id)) for m in rows]


@require_GET
@member_required(pro=True)
def customer_page(request: HttpRequest, customer: str) -> HttpResponse:
    now = timezone.now()
    query = TableQuery.from_request(request, month_of(now))
    detail = margin_customer_detail(org=request.org, tag_value=customer, period=query.period, as_of=now)
    if detail is None:
        raise Http404("No customer mapping with this tag value.")
    return render(
        request,
        "margins/customer.html",
        {
            "org": request.org,
            "currency": request.org.reporting_currency,
            "detail": detail,
            "row": detail.row,
            "projection": detail.row.projection if detail.row else None,
            "month_label": month_label(detail.progress),
            "period": query.period,
            "chart": _bars(detail),
            "back_qs": query.querystring(page=1),
            "mappings": _customer_mappings(request.org, customer),
            "budgets": customer_budget_statuses(org=request.org, customer=customer, today=now.date()),
        },
    )


CUSTOMERS_PAGE_SIZE = 50


def _customers_context(request: HttpRequest) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()[:200]
    needle = q.casefold()
    rows = [
        row
        for row in mapped_customers(org=request.org)
        if not needle or needle in row.tag_value.casefold() or needle in (row.name or "").casefold()
    ]
    page = Paginator(rows, CUSTOMERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "org": request.org,
        "q": q,
        "page": page,
        "previous_qs": _customers_qs(q, page.previous_page_number()) if page.has_previous() else "",
        "next_qs": _customers_qs(q, page.next_page_number()) if page.has_next() else "",
    }


def _customers_qs(q: str, number: int) -> str:
    params = QueryDict(mutable=True)
    if q:
        params["q"] = q
    if number > 1:
        params["page"] = str(number)
    return params.urlencode()


@require_GET
@member_required(pro=True)
def customers_page(request: HttpRequest) -> HttpResponse:
    """Every customer with a mapping that counts in margins, by name, each linking to its page."""
    return page_or_partial(
        request,
        "margins/customers.html",
        "margins/partials/_customers_table.html",
        _customers_context(request),
    )
