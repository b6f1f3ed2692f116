"""The rendered margin table (JSON rows, CSV), cached under the version of what it is computed from.

Rendering 10,000 rows takes about a second (reading mappings and Stripe customers, computing,
serialising); serving the same bytes again takes milliseconds. The cache key carries
`margins.selectors.margin_inputs_version`, which changes with any committed change to the
inputs, and the org's thresholds, so a cached table is never stale; the timeout only bounds
memory. Without PostgreSQL there is no version and every request computes.
The sync fields are not cached: they change without the numbers changing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.cache import cache

from margins import exports
from margins.calculations import SPARKLINE_MONTHS, Month
from margins.selectors import margin_inputs_version, margin_table
from margint.models import Organization

CACHE_SECONDS = 300
T = TypeVar("T")


@dataclass(frozen=True)
class RenderedTable:
    summary: dict[str, Any]
    customers_json: bytes


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as DRF's renderer writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def rendered_table_json(*, org: Organization, period: Month, as_of: datetime) -> RenderedTable:
    def build() -> RenderedTable:
        report = margin_table(org=org, period=period, as_of=as_of)
        rows = [exports.row_json(row) for row in report.table.rows]
        return RenderedTable(exports.summary_json(report), dumps(rows))

    return _cached(org, period, "json", build)


def rendered_table_csv(*, org: Organization, period: Month, as_of: datetime) -> str:
    return _cached(
        org, period, "csv", lambda: exports.table_csv(margin_table(org=org, period=period, as_of=as_of))
    )


def _cached(org: Organization, period: Month, kind: str, build: Callable[[], T]) -> T:
    version = margin_inputs_version(org=org, months=period.months_back(SPARKLINE_MONTHS))
    if version is None:
        return build()
    thresholds = f"{org.healthy_threshold}/{org.moderate_threshold}/{org.at_risk_threshold}"
    key = f"margins:table:{org.pk}:{period}:{kind}:{thresholds}:{version}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value
