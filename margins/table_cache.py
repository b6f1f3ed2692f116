"""The rendered margin table (JSON rows, CSV), cached under the version of what it is computed from.

Rendering 10,000 rows takes about a second (reading mappings and Stripe customers, computing,
serialising); serving the same bytes again takes milliseconds. The cache key carries
`margins.selectors.margin_inputs_version`, which changes with any committed change to the
inputs, and the org's thresholds, so a cached table is never stale; the timeout only bounds
memory. Without PostgreSQL there is no version and every request computes.
The sync fields are not cached: they change without the numbers changing.

Each process also keeps the last few rendered tables in memory: a key names one immutable
value, so a copy can never be stale, and a 10,000-row table (5 MB of JSON) is then not fetched
from Redis again by the same process.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
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
    value = _local.get(key)
    if value is None:
        value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    _local.put(key, value)
    return value


class _LocalCopies:
    """The most recently used rendered tables of this process (values never change under a key)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_local = _LocalCopies(LOCAL_ENTRIES)


def clear_local_copies() -> None:
    """Forget this process's copies (tests and the benchmark; the shared cache is untouched)."""
    _local.clear()
