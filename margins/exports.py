"""The margin table as the API documents it: JSON field names, microdollars, and the CSV export.

Plain functions from the dataclasses of margins.calculations and margins.selectors to JSON-ready
dicts and CSV text; no queries. A model change cannot change the contract, and serialising
10,000 rows stays a matter of milliseconds.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from billing.selectors import SyncStatus
from margins.calculations import (
    MarginRow,
    MarginSummary,
    Month,
    MonthProgress,
    Projection,
    RankedTable,
    Reconciliation,
    RowFigures,
    SparkPoint,
    Tier,
    margin_percent,
    micros_to_dollars,
    projection_hundredths,
)
from margins.costs.selectors import BreakdownRow
from margins.selectors import CustomerDetail, MarginReport
from margint.formatting import currency_prefix

CSV_COLUMNS = (
    "Customer",
    "Stripe ID",
    "Tag Value",
    "Revenue ($)",
    "Cost ($)",
    "Margin (%)",
    "Margin ($)",
    "Health Tier",
)


def csv_columns(currency: str = "usd") -> tuple[str, ...]:
    """The seed's headers for USD ("Revenue ($)"); the currency's symbol, else its code, otherwise."""
    unit = currency_prefix(currency).strip() if currency.lower() != "usd" else "$"
    return tuple(column.replace("($)", f"({unit})") for column in CSV_COLUMNS)


# A spreadsheet treats a cell starting with one of these as a formula (or strips the
# whitespace and then does); a leading apostrophe makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number such as "-12.50" is data, not a formula; quoting it would turn every
# negative margin into text that no longer sorts or sums.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def timestamp_json(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as the documents write it: 2026-04-05T10:00:00.000Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@lru_cache(maxsize=64)
def _period_text(period: Month) -> str:
    # Every row of a table names the same four months.
    return str(period)


def sparkline_json(points: Iterable[SparkPoint]) -> list[dict[str, Any]]:
    return [
        {"period": _period_text(period), "marginPercent": float(percent), "projected": True}
        if projected
        else {"period": _period_text(period), "marginPercent": float(percent)}
        for period, percent, projected in points
    ]


_TIER_TEXT = {tier: tier.value for tier in Tier}


def row_json(row: MarginRow) -> dict[str, Any]:
    return _row_body(
        row,
        float(row.margin_percent),
        sparkline_json(row.sparkline),
        row.projected_tier_worsening,
        row.budget_suggestion,
        _projection_values(row.projection),
    )


def ranked_rows_json(table: RankedTable) -> list[dict[str, Any]]:
    """Every row of a ranked table as `row_json` writes it, from its figures and their details:
    no MarginRow, SparkPoint nor Decimal in between. A percentage in integer hundredths h is
    written h / 100, the float of the Decimal h / 100 (both are correctly rounded); the month-end
    projection's too, but for a zero (`_projected_values`)."""
    ranked = table.ranked
    texts = [_period_text(month) for month in ranked.spark_months]
    next_text, bounds, rows = _period_text(ranked.next_month), ranked.bounds, []
    for figure in ranked.figures:
        values, projected, worsens, suggestion = ranked.details(figure)
        sparkline = []  # a loop, not a comprehension: no function frame per row (Python 3.11)
        for text, value in zip(texts, values, strict=True):
            if value is not None:
                sparkline.append({"period": text, "marginPercent": value / 100})
        if projected is not None:
            sparkline.append({"period": next_text, "marginPercent": projected / 100, "projected": True})
        ahead = _NO_PROJECTION
        if figure.projected_revenue is not None:
            ahead = _projected_values(figure.projected_revenue, figure.projected_cost, bounds)
        rows.append(_row_body(figure, figure.hundredths / 100, sparkline, worsens, suggestion, ahead))
    return rows


def _projected_values(revenue: int, cost: int | None, bounds: tuple[int, int, int]) -> tuple:
    """`_projection_values` of a row's `projection_of`, from integers. A zero percent is asked of
    `margin_percent`, whose -0.00 (a loss under 0.005 %) writes -0.0."""
    value, tier = projection_hundredths(revenue, cost, bounds)
    if value is None:
        return revenue, cost, None, None
    percent = value / 100 if value else float(margin_percent(revenue, cost))
    return revenue, cost, percent, _TIER_TEXT[tier] if tier is not None else None


def _row_body(
    row: MarginRow | RowFigures,
    percent: float,
    sparkline: list[dict[str, Any]],
    worsens: bool,
    suggestion: int | None,
    projection: tuple,
) -> dict[str, Any]:
    """`projection`: the values of its fields (`_projection_values`), written in the same dict
    literal as the row's (not a second dict merged in: 10,000 rows)."""
    projected_revenue, projected_cost, projected_percent, projected_tier = projection
    return {
        "stripeCustomerId": row.stripe_customer_id,
        "customerName": row.customer_name,
        "avatarUrl": row.avatar_url,
        "tagValue": row.tag_value,
        "revenueMicrodollars": row.revenue,
        "costMicrodollars": row.cost,
        "marginMicrodollars": row.margin,
        "marginPercent": percent,
        "healthTier": _TIER_TEXT[row.health_tier],
        "sparkline": sparkline,
        "projectedTierWorsening": worsens,
        "budgetSuggestionMicrodollars": suggestion,
        "projectedRevenueMicrodollars": projected_revenue,
        "projectedCostMicrodollars": projected_cost,
        "projectedMarginPercent": projected_percent,
        "projectedHealthTier": projected_tier,
    }


def projection_json(projection: Projection | None) -> dict[str, Any]:
    """The month-end projection of a month in progress; every field null for a finished month."""
    return dict(zip(_PROJECTION_FIELDS, _projection_values(projection), strict=True))


def _projection_values(projection: Projection | None) -> tuple:
    """The JSON values of a projection's fields (`_PROJECTION_FIELDS`); all None without one."""
    if projection is None:
        return _NO_PROJECTION
    revenue, cost, percent, tier = projection
    return (
        revenue,
        cost,
        float(percent) if percent is not None else None,
        _TIER_TEXT[tier] if tier is not None else None,
    )


_PROJECTION_FIELDS = (
    "projectedRevenueMicrodollars",
    "projectedCostMicrodollars",
    "projectedMarginPercent",
    "projectedHealthTier",
)
_NO_PROJECTION = (None, None, None, None)


def progress_json(progress: MonthProgress) -> dict[str, Any]:
    """Which days a month counted: the last one (YYYY-MM-DD; null before the month begins), and
    whether the month is still in progress."""
    return {
        "asOf": progress.as_of.isoformat() if progress.as_of is not None else None,
        "isPartial": progress.is_partial,
    }


def summary_json(report: MarginReport) -> dict[str, Any]:
    """The summary's numbers; `with_sync` adds the sync fields, which change on their own."""
    return summary_numbers_json(report.table.summary, report.reconciliation, report.table.progress)


def summary_numbers_json(
    summary: MarginSummary, reconciliation: Reconciliation, progress: MonthProgress
) -> dict[str, Any]:
    return {
        "blendedMarginPercent": float(summary.blended_margin_percent),
        "totalRevenueMicrodollars": summary.total_revenue,
        "totalCostMicrodollars": summary.total_cost,
        "criticalCount": summary.critical_count,
        "atRiskCount": summary.at_risk_count,
        "unattributedCostMicrodollars": reconciliation.unattributed_cost,
        "unmatchedRevenueMicrodollars": reconciliation.unmatched_revenue,
        **progress_json(progress),
        **projection_json(summary.projection),
    }


_RECONCILIATION_FIELDS = (
    "unattributedCostMicrodollars",
    "unmatchedRevenueMicrodollars",
    "asOf",
    "isPartial",
    *_PROJECTION_FIELDS,
)


def with_sync(numbers: dict[str, Any], sync: SyncStatus) -> dict[str, Any]:
    """The document's summary fields in its order, then the fields it does not have: the
    reconciliation, the days counted and the month-end projection."""
    documented = {key: value for key, value in numbers.items() if key not in _RECONCILIATION_FIELDS}
    added = {key: numbers[key] for key in _RECONCILIATION_FIELDS}
    return {**documented, **sync_json(sync), **added}


def sync_json(sync: SyncStatus) -> dict[str, Any]:
    return {
        "lastSyncAt": timestamp_json(sync.last_sync_at),
        "syncStatus": sync.status,
        "skippedCurrencies": dict(sync.skipped_currencies),
    }


def _breakdown_json(rows: Iterable[BreakdownRow], key: str) -> list[dict[str, Any]]:
    return [{key: row.key, "cost": row.cost_micro, "requestCount": row.request_count} for row in rows]


def detail_json(detail: CustomerDetail) -> dict[str, Any]:
    """The customer endpoint's body: the row's fields, then the series and the breakdowns.

    A mapped customer with neither revenue nor cost in the period still answers, with zero
    amounts and `healthTier` null: no activity has no health.
    """
    body = row_json(detail.row) if detail.row is not None else _idle_row_json(detail)
    body.update(progress_json(detail.progress))
    body["revenueOverTime"] = [
        {"period": str(p.period), "revenue": p.revenue, "cost": p.cost} for p in detail.revenue_over_time
    ]
    body["modelBreakdown"] = _breakdown_json(detail.model_breakdown, "model")
    body["featureBreakdown"] = _breakdown_json(detail.feature_breakdown, "feature")
    return body


def _idle_row_json(detail: CustomerDetail) -> dict[str, Any]:
    customer = detail.customer
    return {
        "stripeCustomerId": customer.stripe_customer_id,
        "customerName": customer.customer_name,
        "avatarUrl": customer.avatar_url,
        "tagValue": customer.tag_value,
        "revenueMicrodollars": 0,
        "costMicrodollars": 0,
        "marginMicrodollars": 0,
        "marginPercent": float(margin_percent(0, 0)),
        "healthTier": None,
        "sparkline": sparkline_json(detail.sparkline),
        "projectedTierWorsening": False,
        "budgetSuggestionMicrodollars": None,
        **projection_json(None),
    }


def neutralize_cell(value: str) -> str:
    """Defuse spreadsheet formula injection: text starting with = + - @ tab or CR gets a leading '."""
    if value.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(row: MarginRow | RowFigures) -> list[str]:
    # Only the text cells can hold a formula: the amounts and percent are plain numbers.
    return [
        neutralize_cell(row.customer_name or ""),
        neutralize_cell(row.stripe_customer_id),
        neutralize_cell(row.tag_value),
        micros_to_dollars(row.revenue),
        micros_to_dollars(row.cost),
        str(row.margin_percent),
        micros_to_dollars(row.margin),
        _TIER_TEXT[row.health_tier],
    ]


def rows_csv(rows: Iterable[MarginRow | RowFigures], currency: str = "usd") -> str:
    """RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote or a line break."""
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    writer.writerow(csv_columns(currency))
    writer.writerows(csv_row(row) for row in rows)
    return buffer.getvalue()


def csv_header(currency: str = "usd") -> str:
    """The first line of `rows_csv`; with `csv_line` of each row, the same text line by line."""
    return rows_csv((), currency)


def csv_line(row: MarginRow | RowFigures) -> str:
    buffer = io.StringIO()
    _csv_writer(buffer).writerow(csv_row(row))
    return buffer.getvalue()


def _csv_writer(buffer: io.StringIO) -> Any:
    return csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def csv_filename(period: Month) -> str:
    return f"margins-{period}.csv"
