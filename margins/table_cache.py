"""The rendered margin table (JSON rows, CSV), cached under the version of what it is computed from.

Rendering 10,000 rows takes seconds (reading mappings and Stripe customers, computing,
serialising); serving the same bytes again takes milliseconds. The key carries the org's
thresholds and `margins.selectors.margin_inputs_version`, which changes with any committed change
to the inputs (margins/memo.py), so a cached table is never stale; the timeout only bounds memory.
Each process also keeps its last few tables: a key names one value that never changes, and a
10,000-row table is 5 MB of JSON not worth fetching from Redis again.

Nothing is cached inside a transaction or without PostgreSQL: every call computes there.
The sync fields of the summary are not cached: they change without the numbers changing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from django.core.cache import cache

from margins import exports, memo
from margins.calculations import SPARKLINE_MONTHS, MarginRow, Month
from margins.selectors import margin_table
from margins.totals import TotalsRead, read_totals
from margint.models import Organization

CACHE_SECONDS = 300
LOCAL_ENTRIES = 8
T = TypeVar("T")


@dataclass(frozen=True)
class RenderedTable:
    summary: dict[str, Any]
    customers_json: bytes


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as DRF's renderer writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def rendered_table_json(*, org: Organization, period: Month, as_of: datetime) -> RenderedTable:
    def build(read: TotalsRead | None) -> RenderedTable:
        report = margin_table(org=org, period=period, as_of=as_of, with_sync=False, totals=read)
        rows = _rendered_rows(_json_rows, f"{org.pk}:{period}", report.table.rows, _row_json)
        return RenderedTable(exports.summary_json(report), b"[" + b",".join(rows) + b"]")

    return _cached(org, period, "json", build)


def rendered_table_csv(*, org: Organization, period: Month, as_of: datetime) -> str:
    def build(read: TotalsRead | None) -> str:
        report = margin_table(org=org, period=period, as_of=as_of, with_sync=False, totals=read)
        rows = _rendered_rows(_csv_rows, f"{org.pk}:{period}", report.table.rows, exports.csv_line)
        return exports.csv_header() + "".join(rows)

    return _cached(org, period, "csv", build)


# Each row's text, kept per org and month while the row is unchanged: a table computed again
# after new cost renders only the rows that changed.
_json_rows = memo.Reuse(LOCAL_ENTRIES)
_csv_rows = memo.Reuse(LOCAL_ENTRIES)


def _rendered_rows(
    reuse: memo.Reuse, scope: str, rows: Sequence[MarginRow], render: Callable[[MarginRow], T]
) -> list[T]:
    rendering = reuse.round(scope)
    rendered = [rendering.value(row.tag_value, row, partial(render, row)) for row in rows]
    rendering.keep()
    return rendered


def _row_json(row: MarginRow) -> bytes:
    return dumps(exports.row_json(row))


def _cached(org: Organization, period: Month, kind: str, build: Callable[[TotalsRead | None], T]) -> T:
    if not memo.versions_possible():
        return build(None)
    read = read_totals(org=org, months=period.months_back(SPARKLINE_MONTHS))
    thresholds = f"{org.healthy_threshold}/{org.moderate_threshold}/{org.at_risk_threshold}"
    key = f"margins:table:{org.pk}:{period}:{kind}:{thresholds}:{read.version}"
    value = _local.get(key)
    if value is None:
        value = cache.get(key)
    if value is None:
        value = build(read)
        cache.set(key, value, CACHE_SECONDS)
    _local.put(key, value)
    return value


_local = memo.LocalCopies(LOCAL_ENTRIES)


def clear_local_copies() -> None:
    """Forget this process's copies (tests and the benchmark; the shared cache is untouched)."""
    _local.clear()
    memo.clear()
