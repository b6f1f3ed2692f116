"""Dashboard pages of the margins app: the margin table (/margins/), its chart, its CSV, and one customer.

Every number comes from margins.selectors (the same functions the API reads); these views only
choose which rows to show, in which order, and which page of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.selectors import ConvertedDocument, converted_documents
from mappings.selectors import counting_mappings, customer_names, mapped_customers, mappings_for_tag
from margins import exports
from margins.calculations import (
    MICROS_PER_CENT,
    InvalidPeriod,
    MarginRow,
    Month,
    RowFigures,
    Tier,
    micros_to_dollars,
)
from margins.labels import month_label
from margins.selectors import margin_customer_detail, month_of, ranked_margin_table
from margins.selectors.trend import MarginPicture, margin_trend
from margint import charts
from margint.decorators import member_required
from margint.htmx import page_or_partial
from margint.models import Role
from publicapi.anomalies.selectors import anomaly_days
from publicapi.budgets.selectors import customer_budget_statuses
from publicapi.views.charts import customer_chart, picture_context, trend_chart
from publicapi.views.table_rows import shown_rows_text

PAGE_SIZE = 50
STRIPE_DASHBOARD_CUSTOMER = "https://dashboard.stripe.com/customers/"
TIER_ORDER = {Tier.CRITICAL: 0, Tier.AT_RISK: 1, Tier.MODERATE: 2, Tier.HEALTHY: 3}
TIER_CHOICES = (
    ("critical", "Critical"),
    ("at_risk", "At risk"),
    ("moderate", "Moderate"),
    ("healthy", "Healthy"),
)


def _name_key(row: RowFigures) -> tuple[str, str]:
    return ((row.customer_name or row.tag_value).casefold(), row.tag_value)


SORT_KEYS: dict[str, Callable[[RowFigures], Any]] = {
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
        descending = params.get("dir") == "desc"
        if "order" in params:  # the sort select of narrow screens: "percent:desc", "" for the default
            sort, _, direction = params["order"].partition(":")
            descending = direction == "desc"
        tier = params.get("tier", "")
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            period=period,
            sort=sort if sort in SORT_KEYS else "",
            descending=descending,
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


def shown_rows(rows: Sequence[RowFigures], query: TableQuery) -> list[RowFigures]:
    """The rows that pass the tier filter and the search, in the asked order (stable on ties)."""
    needle = query.q.casefold()
    if query.tier or needle:
        kept = [row for row in rows if query.tier in ("", row.health_tier.value) and _found(row, needle)]
    else:  # the page's first view: no call per row of 10,000
        kept = list(rows)
    if query.sort:
        kept.sort(key=SORT_KEYS[query.sort], reverse=query.descending)
    return kept


def _found(row: RowFigures, needle: str) -> bool:
    return not needle or needle in row.tag_value.casefold() or needle in (row.customer_name or "").casefold()


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    numeric: bool
    querystring: str
    aria_sort: str  # "ascending", "descending" or "none"


SORT_COLUMNS = (
    ("customer", "Customer", False),
    ("tag", "Tag", False),
    ("revenue", "Revenue", True),
    ("cost", "Cost", True),
    ("margin", "Margin", True),
    ("percent", "Margin %", True),
    ("tier", "Health", False),
)
TEXT_SORTS = {"customer", "tag"}


def _sort_links(query: TableQuery) -> list[SortLink]:
    links = []
    for key, label, numeric in SORT_COLUMNS:
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
    # The page's first answer carries no chart: it follows in its own request (margins_trend), so
    # the table is not kept waiting by the trend's two statements. The worst five are the overview's.
    picture = MarginPicture(ranked_margin_table(org=request.org, period=query.period, as_of=now), (), ())
    report = picture.report
    rows = shown_rows(report.table.rows, query)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    query = replace(query, page=min(query.page, pages))
    start = (query.page - 1) * PAGE_SIZE
    # Every row is filtered and sorted on its figures; the page's rows alone get their sparkline.
    shown = report.table.complete(rows[start : start + PAGE_SIZE])
    return {
        "org": request.org,
        "currency": request.org.reporting_currency,
        **picture_context(picture, period=query.period),
        "query": query,
        "rows": shown_rows_text(
            shown,
            currency=request.org.reporting_currency,
            period=query.period,
            anomalies=anomaly_days(
                org=request.org,
                start=query.period.first_day,
                end=query.period.next().first_day,
                external_ids=[row.tag_value for row in shown],
            ),
        ),
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
        "sort_options": _sort_options(query),
    }


def _sort_options(query: TableQuery) -> list[tuple[str, str, bool]]:
    """The sort select of narrow screens: (value "key:dir", label, selected), the table's own order first."""
    options = [("", "Worst margin first", not query.sort)]
    for key, label, _numeric in SORT_COLUMNS:
        words = ("A–Z", "Z–A") if key in TEXT_SORTS else ("low to high", "high to low")
        for descending in (False, True):
            value = f"{key}:{'desc' if descending else 'asc'}"
            chosen = query.sort == key and query.descending == descending
            options.append((value, f"{label}, {words[descending]}", chosen))
    return options


def _month_choices(current: Month, chosen: Month, count: int = 12) -> list[Month]:
    months = list(reversed(current.months_back(count)))
    if chosen not in months:
        months.append(chosen)
    return months


@require_GET
@member_required(pro=True)
def margins_page(request: HttpRequest) -> HttpResponse:
    context = {**_table_context(request), "chart_viewbox": f"0 0 {charts.WIDTH} {charts.HEIGHT}"}
    return page_or_partial(request, "margins/margins.html", "margins/partials/_table.html", context)


@require_GET
@member_required(pro=True)
def margins_trend(request: HttpRequest) -> HttpResponse:
    """The margins page's twelve-month chart, which the page loads right after itself (HTMX).

    The same months and figures as the overview's chart (margin_trend). Without JavaScript the
    page links here, and the chart comes as a page of its own.
    """
    trend = margin_trend(org=request.org, as_of=timezone.now())
    context = {"org": request.org, "currency": request.org.reporting_currency, "trend": trend_chart(trend)}
    return page_or_partial(request, "margins/trend.html", "margins/partials/_trend.html", context)


@require_GET
@member_required(pro=True)
def margins_csv(request: HttpRequest) -> HttpResponse:
    """The rows the table shows with the same month, filter, search and sort: all pages, not one."""
    now = timezone.now()
    query = TableQuery.from_request(request, month_of(now))
    report = ranked_margin_table(org=request.org, period=query.period, as_of=now, with_sync=False)
    response = HttpResponse(
        exports.rows_csv(shown_rows(report.table.rows, query), request.org.reporting_currency),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.csv_filename(query.period)}"'
    return response


def cost_per_request(cost: int, requests: int) -> str:
    """Cost over requests in whole currency units with four decimals ("0.0031"); "—" without requests."""
    if requests <= 0:
        return "—"
    return f"{(Decimal(cost) / Decimal(requests) / 1_000_000).quantize(Decimal('0.0001')):,}"


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
    requests = sum(r.request_count for r in detail.model_breakdown)
    current = month_of(now)
    budgets = customer_budget_statuses(org=request.org, customer=customer, today=now.date())
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
            "previous_period": query.period.previous(),
            "next_period": query.period.next() if query.period < current else None,
            "chart": customer_chart(detail.revenue_over_time, in_progress=current),
            "requests": requests,
            "cost_per_request": cost_per_request(detail.row.cost if detail.row else 0, requests),
            "stripe_url": STRIPE_DASHBOARD_CUSTOMER + detail.customer.stripe_customer_id,
            "back_qs": query.querystring(page=1),
            "mappings": _customer_mappings(request.org, customer),
            "budgets": budgets,
            "own_budget": next((s for s in budgets if s.rule.scope == "customer"), None),
            "can_set_budget": request.membership.has_role(Role.ADMIN),
            "budget_link": _budget_link(customer, detail.row),
            "documents": _converted_documents(request.org, customer, query.period),
            "anomaly_days": anomaly_days(
                org=request.org,
                start=query.period.first_day,
                end=query.period.next().first_day,
                external_ids=[customer],
            ).get(customer, []),
        },
    )


def _budget_link(tag_value: str, row: MarginRow | None) -> str | None:
    """The budgets page's query string that fills its form with this customer's suggested budget
    (a block budget: the cost past it is what the margin cannot carry); None without a suggestion."""
    # Down to the cent the form takes: a limit rounded up would let the margin fall below healthy.
    cents = row.budget_suggestion // MICROS_PER_CENT if row is not None and row.budget_suggestion else 0
    if cents < 1:
        return None
    limit = micros_to_dollars(cents * MICROS_PER_CENT)  # whole cents: written, not rounded
    return urlencode({"scope": "customer", "customer": tag_value, "monthly_limit": limit, "action": "block"})


def _converted_documents(org, tag_value: str, period: Month) -> list[ConvertedDocument]:
    """Invoice by invoice, how this customer's revenue of the period became the reporting currency."""
    stripe_ids = [
        link.stripe_customer_id for link in counting_mappings(org=org) if link.tag_value == tag_value
    ]
    start, end = period.bounds
    return converted_documents(org=org, stripe_ids=stripe_ids, start=start, end=end)


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
