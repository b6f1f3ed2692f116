"""GET /v0/profitability: facts from the other apps' selectors, arithmetic in `profit_calc`.

A row is a customer as the margins see it: the external id the integrator tags cost with,
with the revenue of every Stripe customer mapped to it. Revenue of unmapped Stripe customers
belongs to no row, and cost events stored at cost 0 for want of a price add nothing to theirs:
both are reported in `warnings`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from billing import selectors as billing_selectors
from mappings.selectors import counting_mappings
from margins.costs import selectors as cost_selectors
from margins.costs.queries import UnpricedCount, unpriced_event_counts
from margint.fx.rates import RateBook, convert_micro
from margint.fx.selectors import rate_book
from margint.models import Organization
from publicapi.profit_calc import (
    CustomerAmounts,
    SummaryRow,
    SummaryWindow,
    amount_between,
    micros_to_minor,
    minor_string,
    summary_rows,
)

MAX_WARNINGS = 100
MODELS_NAMED = 5  # an unpriced-events warning names this many models, then counts the rest


def profitability_summary(
    *, org: Organization, window: SummaryWindow, top_n: int, today: date, currency: str | None = None
) -> dict[str, Any]:
    """The summary in the reporting currency, or in `currency` (one with rates): each customer's
    amount of each day converted at that day's rate, rounded once, half to even.

    `today` (UTC): revenue counts on the days up to and including it, like the cost that can
    exist (docs/month-in-progress.md); revenue already recognized for later days does not."""
    reporting = org.reporting_currency
    currency = (currency or reporting).lower()
    first, after = window.fact_days()
    counted_end = min(after, today + timedelta(days=1))
    revenue_days = billing_selectors.revenue_by_customer_day(org=org, start=first, end=counted_end)
    cost_days = cost_selectors.cost_by_customer_day(org=org, start=first, end=after)
    if currency != reporting:
        book = rate_book(currencies=(reporting, currency), start=first, end=after)
        revenue_days, cost_days = (
            _converted(days, book, reporting, currency) for days in (revenue_days, cost_days)
        )
    tag_of = {link.stripe_customer_id: link.tag_value for link in counting_mappings(org=org)}
    revenue: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    unmapped: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for (stripe_id, day), amount in revenue_days.items():
        if stripe_id in tag_of:
            revenue[tag_of[stripe_id]][day] += amount
        else:
            unmapped[stripe_id][day] += amount
    cost: dict[str, dict[date, int]] = defaultdict(dict)
    for (ext, day), amount in cost_days.items():
        cost[ext][day] = amount
    ids = sorted(set(revenue) | set(cost))
    names = _names(org, ids, tag_of)
    customers = [
        CustomerAmounts(ext, names.get(ext) or ext, revenue.get(ext, {}), cost.get(ext, {})) for ext in ids
    ]
    rows = summary_rows(customers, window, currency=currency, top_n=top_n)
    warnings = (
        _future_warnings(window, today)
        + _sync_warnings(org, window)
        + _unmapped_warnings(unmapped, window, currency)
        + _unpriced_warnings(unpriced_event_counts(org=org, start=window.start, end=window.end))
    )
    return {
        "object": "profitability_summary",
        "currency": currency.upper(),
        "rows": [row_json(row, currency) for row in rows],
        "warnings": warnings[:MAX_WARNINGS],
    }


def _names(org: Organization, ids: list[str], tag_of: dict[str, str]) -> dict[str, str]:
    """The cost side's name, else the name of the first Stripe customer mapped to it."""
    names = {ext: info.name for ext, info in cost_selectors.cost_customers(org=org, external_ids=ids).items()}
    missing = set(ids) - {ext for ext, name in names.items() if name}
    stripe_ids = sorted(sid for sid, tag in tag_of.items() if tag in missing)
    for sid, info in billing_selectors.stripe_customers(org=org, stripe_ids=stripe_ids).items():
        if info.name and not names.get(tag_of[sid]):
            names[tag_of[sid]] = info.name
    return names


def row_json(row: SummaryRow, currency: str) -> dict[str, Any]:
    change = row.period_change
    return {
        "customerId": row.customer_id,
        "customerName": row.name,
        "netRevenue": minor_string(row.revenue, currency),
        "totalCost": minor_string(row.cost, currency),
        "profit": minor_string(row.profit, currency),
        "marginPct": format(row.margin_pct, "f"),
        "trend": {
            "values": [minor_string(value, currency) for value in row.trend],
            "periodChange": float(change) if change is not None else None,
        },
        "isOther": row.is_other,
    }


def _future_warnings(window: SummaryWindow, today: date) -> list[str]:
    if window.end <= datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC):
        return []
    return [
        f"The range ends after today ({today.isoformat()}, UTC): revenue recognized for later days "
        "is not counted, as their cost is not known yet."
    ]


def _converted(
    amounts: dict[tuple[str, date], int], book: RateBook, source: str, target: str
) -> dict[tuple[str, date], int]:
    rates = {day: book.rate(source, target, day) for day in {day for _, day in amounts}}
    missing = sorted(day for day, rate in rates.items() if rate is None)
    if missing:
        raise NoRateForDay(
            f"No exchange rate from {source.upper()} to {target.upper()} on or before {missing[0]}."
        )
    return {(key, day): convert_micro(amount, rates[day]) for (key, day), amount in amounts.items()}


class NoRateForDay(LookupError):
    """A day of the range has no rate for the requested currency (before its first rate)."""


def _sync_warnings(org: Organization, window: SummaryWindow) -> list[str]:
    start, end = window.start.date(), (window.end - timedelta(microseconds=1)).date() + timedelta(days=1)
    status = billing_selectors.sync_status(org=org, start=start, end=end)
    reporting = org.reporting_currency.upper()
    return [
        f"{minor_string(micros_to_minor(amount, code), code)} {code.upper()} of revenue in this range could "
        f"not be converted into {reporting}: no exchange rate for {code.upper()} on or before those days."
        for code, amount in sorted(status.skipped_currencies.items())
    ]


def _unmapped_warnings(
    unmapped: dict[str, dict[date, int]], window: SummaryWindow, currency: str
) -> list[str]:
    amounts = [amount_between(daily, window.start, window.end) for daily in unmapped.values()]
    amounts = [amount for amount in amounts if amount]
    if not amounts:
        return []
    total = minor_string(micros_to_minor(sum(amounts), currency), currency)
    return [
        f"{len(amounts)} Stripe customer(s) with {total} {currency.upper()} of revenue in this range "
        "are not mapped to a customer: their revenue is in no row."
    ]


def _unpriced_warnings(counts: list[UnpricedCount]) -> list[str]:
    if not counts:
        return []
    shown, rest = counts[:MODELS_NAMED], counts[MODELS_NAMED:]
    parts = [f"{_model_name(c)}: {c.events}" for c in shown]
    if rest:
        parts.append(f"{len(rest)} more model(s): {sum(c.events for c in rest)}")
    return [
        f"{sum(c.events for c in counts)} cost event(s) in this range could not be priced and were "
        f"stored at cost 0 ({', '.join(parts)}): their cost is missing from totalCost, so profit is "
        "overstated."
    ]


def _model_name(count: UnpricedCount) -> str:
    return "/".join(part for part in (count.provider, count.model) if part) or "no model"
