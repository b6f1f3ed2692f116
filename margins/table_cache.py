"""The rendered margin table (JSON rows, CSV), cached under the version of what it is computed from.

Computing 10,000 rows in full takes seconds (reading mappings, Stripe names and monthly totals,
computing, serialising); serving the same bytes again takes milliseconds. The key carries the
org's thresholds and the inputs' version read by `margins.totals.read_totals`, which changes with
any committed change to the inputs (margins/memo.py), so a cached table is never stale; the
timeout only bounds memory. Each process also keeps its last few tables: a key names one value
that never changes, and a 10,000-row table is 5 MB of JSON not worth fetching from Redis again.

Cost arrives all day, so the version changes between most requests, usually for a handful of
customers. Each process keeps the last table it built per org, month, format and thresholds
(rows in order with their text, and the summary's sums) and brings it up to date: the customers
whose monthly totals changed since (`TotalsRead.changes_since`) are computed again and moved to
their place, every other row is the one computed from the same amounts. A change of mappings or
Stripe names, or changes no longer known, and the table is built in full.

A process that keeps no table of a scope yet (just started) takes the one another process shared
through the cache (margins/shared_copies.py) with the monthly totals it follows: it adopts those
totals, and their next read names every customer that changed after the other process read them,
so only those are computed again, exactly as above; the shared copy carries the versions of the
mappings and Stripe customers it was built from and a change of either builds the table in full.
A process that keeps the months' totals already (it adopted them with the other format's table)
cannot adopt the shared ones: it compares them amount by amount with its own, and the customers
whose amounts differ are computed again. Each process shares a table it built in full, and after a
change at most once a minute; a copy lives 26 hours. A failing cache only means nothing is cached
or shared.

Nothing is cached inside a transaction or without PostgreSQL: every call computes there.
The sync fields of the summary are not cached: they change without the numbers changing.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from django.core.cache import cache

from margins import exports, memo, shared_copies
from margins.calculations import (
    SPARKLINE_MONTHS,
    MarginRow,
    MarginSummary,
    Month,
    MonthProgress,
    Reconciliation,
    Tier,
    month_progress,
    reconcile,
    summary_of,
    worst_first,
)
from margins.selectors import (
    margin_rows_of,
    margin_table,
    org_counted_revenue,
    org_thresholds,
    tags_of_stripe_ids,
    utc_day,
)
from margins.shared_copies import Sharing
from margins.totals import TotalsRead, changes_from_state, read_totals
from margint.models import Organization

CACHE_SECONDS = 300
LOCAL_ENTRIES = 8
# A kept table shared with the other processes: a day old, it names most of the month's customers
# as changed (cost arrives daily), so keeping it longer saves little.
SHARED_TIMEOUT = 26 * 3600
# Of the shared payload (the fields of `_Built` after `generation`, before `sharing`). A copy lives
# across deploys; its key also names the code that built it (`shared_copies.code_version`).
_SHARED_FORMAT = 2
_WHAT = "margin tables"  # in the warning of a failing cache


@dataclass(frozen=True)
class RenderedTable:
    summary: dict[str, Any]
    customers_json: bytes


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as DRF's renderer writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def rendered_table_json(*, org: Organization, period: Month, as_of: datetime) -> RenderedTable:
    return _cached(org, period, as_of, _JSON)


def rendered_table_csv(*, org: Organization, period: Month, as_of: datetime) -> str:
    return _cached(org, period, as_of, _CSV)


@dataclass(frozen=True)
class _Kind:
    """A rendering of the table: each row's text, and the whole from the summary and the rows' texts."""

    name: str
    render: Callable[[MarginRow], Any]
    finish: Callable[[dict[str, Any], list], Any]
    texts: memo.Reuse  # each row's text, kept while the row is unchanged


def _row_json(row: MarginRow) -> bytes:
    return dumps(exports.row_json(row))


_JSON = _Kind(
    "json",
    _row_json,
    lambda summary, texts: RenderedTable(summary, b"[" + b",".join(texts) + b"]"),
    memo.Reuse(LOCAL_ENTRIES),
)
_CSV = _Kind(
    "csv",
    exports.csv_line,
    lambda summary, texts: exports.csv_header() + "".join(texts),
    memo.Reuse(LOCAL_ENTRIES),
)


def _cached(org: Organization, period: Month, as_of: datetime, kind: _Kind) -> Any:
    if not memo.versions_possible():
        progress = month_progress(period, utc_day(as_of))
        return _finished(kind, _built_in_full(org, period, as_of, kind, None), progress)
    months = period.months_back(SPARKLINE_MONTHS)
    progress = month_progress(period, utc_day(as_of))
    # A process that keeps no totals yet (just started) may find the table in the shared cache.
    read = read_totals(org=org, months=months, load=False)
    key = _key(org, period, kind, read, progress)
    value = _local.get(key)
    if value is None:
        value = shared_copies.cache_call(lambda: cache.get(key), _WHAT)
    if value is None:
        scope, adopting = _scope(org, period, kind, progress), not read.loaded
        if adopting:
            # Before the totals are read in full: adopted totals are what that read brings up to date.
            _adopt(org, months, scope)
            read = read_totals(org=org, months=months)
            key = _key(org, period, kind, read, progress)
        built = _built(org, period, as_of, kind, read, scope, compare=not adopting)
        value = _finished(kind, built, progress)
        shared_copies.cache_call(lambda: cache.set(key, value, CACHE_SECONDS), _WHAT)
    _local.put(key, value)
    return value


def _key(org: Organization, period: Month, kind: _Kind, read: TotalsRead, progress: MonthProgress) -> str:
    scope = _scope(org, period, kind, progress)
    return f"margins:table:{scope}:{read.version}"


def _scope(org: Organization, period: Month, kind: _Kind, progress: MonthProgress) -> str:
    """What a kept table is kept (and shared) per: the org, the month, the format, the thresholds,
    and the last day counted: a month in progress counts one more day's revenue each day, with
    no input changed (docs/month-in-progress.md)."""
    return f"{org.pk}:{period}:{kind.name}:{_thresholds(org)}:{progress.as_of}"


def _thresholds(org: Organization) -> str:
    return f"{org.healthy_threshold}/{org.moderate_threshold}/{org.at_risk_threshold}"


@dataclass(frozen=True)
class _Built:
    """A table as this process last built it, to bring up to date when a few customers change."""

    generation: int  # of the totals it was built from
    inputs: tuple[str, str]  # the versions of the mappings and of the Stripe customers
    keys: list  # each row's sort key, worst first
    texts: list  # each row's text, in the same order
    rows: dict[str, tuple]  # by tag value: the row's sort key and its `_sums`
    summary: MarginSummary
    reconciliation: Reconciliation
    sharing: Sharing = Sharing()  # the generation last shared with other processes or adopted, and when


# Per process: (org, period, kind, thresholds) -> the table last built.
_last_built = memo.LocalCopies(LOCAL_ENTRIES, clear_with_memo=True)


def _built(
    org: Organization,
    period: Month,
    as_of: datetime,
    kind: _Kind,
    read: TotalsRead,
    scope: str,
    compare: bool,
) -> _Built:
    """The scope's table of `read`: the kept one brought up to date, or (`compare`) the shared one
    brought up to date from the amounts that differ, or built in full."""
    last = _last_built.get(scope)
    built = None
    if last is not None:
        built = _patched(last, org, as_of, period, kind, read, read.changes_since(last.generation))
    elif compare:
        built = _compared(org, as_of, period, kind, read, scope)
    if built is None:
        built = _built_in_full(org, period, as_of, kind, read)
    built = _shared(org, period, scope, built)
    _last_built.put(scope, built)
    return built


def _adopt(org: Organization, months: tuple[Month, ...], scope: str) -> None:
    """Keep the table another process shared for the scope, with the totals it follows (adopted only
    by a process that keeps no totals of these months: the caller has just seen it keeps none)."""
    found = shared_copies.adopted(key=_shared_key(scope), what=_WHAT, org=org, months=months)
    if found is not None:
        generation, payload = found
        _last_built.put(scope, _Built(generation, *payload, sharing=Sharing(generation, time.monotonic())))


def _compared(
    org: Organization, as_of: datetime, period: Month, kind: _Kind, read: TotalsRead, scope: str
) -> _Built | None:
    """The table another process shared for the scope, brought up to date by computing again the
    customers whose amounts differ from the totals it follows. For a process that keeps totals of
    these months already (the other format's table adopted them), so cannot adopt the shared ones."""
    value = shared_copies.shared_copy(_shared_key(scope), _WHAT)
    if value is None:
        return None
    state, payload = value
    shared = _Built(read.generation, *payload, sharing=Sharing(read.generation, time.monotonic()))
    return _patched(shared, org, as_of, period, kind, read, changes_from_state(state=state, read=read))


def _shared(org: Organization, period: Month, scope: str, built: _Built) -> _Built:
    """`built`, shared when it was built in full, or changed and last shared a minute ago or more."""
    now = time.monotonic()
    if not built.sharing.due(built.generation, now):
        return built
    payload = (built.inputs, built.keys, built.texts, built.rows, built.summary, built.reconciliation)
    shared = shared_copies.share(
        key=_shared_key(scope), what=_WHAT, org=org, months=period.months_back(SPARKLINE_MONTHS),
        generation=built.generation, payload=payload, timeout=SHARED_TIMEOUT,
    )  # fmt: skip
    # Not shared when another thread has read newer totals since: that table shares the next time.
    return replace(built, sharing=Sharing(built.generation, now)) if shared else built


def _shared_key(scope: str) -> str:
    return shared_copies.shared_key(f"margins:table-kept:{_SHARED_FORMAT}", scope)


def _built_in_full(
    org: Organization, period: Month, as_of: datetime, kind: _Kind, read: TotalsRead | None
) -> _Built:
    report = margin_table(org=org, period=period, as_of=as_of, with_sync=False, totals=read)
    rows = report.table.rows
    texts = kind.texts.round(f"{org.pk}:{period}")
    rendered = [texts.value(row.tag_value, row, partial(kind.render, row)) for row in rows]
    texts.keep()  # the next full build (a mapping changed, say) renders only rows that differ
    return _Built(
        generation=read.generation if read is not None else 0,
        inputs=(read.mappings_version, read.stripe_version) if read is not None else ("", ""),
        keys=[worst_first(row) for row in rows],
        texts=rendered,
        rows={row.tag_value: (worst_first(row), _sums(row)) for row in rows},
        summary=report.table.summary,
        reconciliation=report.reconciliation,
    )


def _patched(
    last: _Built,
    org: Organization,
    as_of: datetime,
    period: Month,
    kind: _Kind,
    read: TotalsRead,
    changes: tuple[set[str], set[str]] | None,
) -> _Built | None:
    """`last` with the rows of the customers whose totals changed since computed again.

    `changes`: the cost keys and Stripe ids whose totals may differ between `last` and `read`.
    The same table as built in full: every other row was computed from the same amounts,
    mappings, names and thresholds. None when that cannot be known (mappings or Stripe names
    changed, or the changes since `last` are no longer known).
    """
    if changes is None or last.inputs != (read.mappings_version, read.stripe_version):
        return None
    cost_keys, stripe_ids = changes
    tags = cost_keys | tags_of_stripe_ids(org=org, totals=read, stripe_ids=stripe_ids)
    keys, texts, rows = list(last.keys), list(last.texts), dict(last.rows)
    sums = _summary_sums(last.summary)
    # The month in progress: its rows' revenue is that of the counted days (a bounded period).
    progress = _in_progress(period, as_of)
    changed = margin_rows_of(org=org, period=period, totals=read, tags=tags, progress=progress)
    for tag, row in changed.items():
        old = rows.pop(tag, None)
        if old is not None:
            old_key, old_sums = old
            at = bisect_left(keys, old_key)
            del keys[at], texts[at]
            sums = [total - part for total, part in zip(sums, old_sums, strict=True)]
        if row is not None:
            key = worst_first(row)
            at = bisect_left(keys, key)
            keys.insert(at, key)
            texts.insert(at, kind.render(row))
            rows[tag] = (key, _sums(row))
            sums = [total + part for total, part in zip(sums, rows[tag][1], strict=True)]
    summary = _summary(org, sums, progress)
    # The period is the last of the months read.
    org_revenue = read.org_revenue[-1]
    if progress is not None:
        org_revenue = org_counted_revenue(org=org, progress=progress, whole=org_revenue)
    reconciliation = reconcile(summary, org_revenue=org_revenue, org_cost=read.org_cost[-1])
    return _Built(read.generation, last.inputs, keys, texts, rows, summary, reconciliation, last.sharing)


def _in_progress(period: Month, as_of: datetime) -> MonthProgress | None:
    progress = month_progress(period, utc_day(as_of))
    return progress if progress.is_partial else None


def _summary_sums(summary: MarginSummary) -> list:
    """The sums `_sums` of every row add up to, read back from the summary."""
    projection = summary.projection
    return [
        summary.total_revenue,
        summary.total_cost,
        summary.critical_count,
        summary.at_risk_count,
        projection.revenue if projection else 0,
        (projection.cost or 0) if projection else 0,
    ]


def _summary(org: Organization, sums: list, progress: MonthProgress | None) -> MarginSummary:
    revenue, cost, critical, at_risk, projected_revenue, projected_cost = sums
    projected = (projected_revenue, projected_cost) if progress is not None else None
    return summary_of(
        total_revenue=revenue, total_cost=cost, critical_count=critical, at_risk_count=at_risk,
        projected=projected, thresholds=org_thresholds(org),
    )  # fmt: skip


def _sums(row: MarginRow) -> tuple[int, int, int, int, int, int]:
    """What a row adds to the summary: revenue, cost, 1 when critical, 1 when at risk, and its
    month-end revenue and cost (zeros for a finished month)."""
    projection = row.projection
    return (
        row.revenue,
        row.cost,
        int(row.health_tier is Tier.CRITICAL),
        int(row.health_tier is Tier.AT_RISK),
        projection.revenue if projection else 0,
        (projection.cost or 0) if projection else 0,
    )


def _finished(kind: _Kind, built: _Built, progress: MonthProgress) -> Any:
    summary = exports.summary_numbers_json(built.summary, built.reconciliation, progress)
    return kind.finish(summary, built.texts)


_local = memo.LocalCopies(LOCAL_ENTRIES)


def shared_table_key(*, org: Organization, period: Month, csv: bool = False) -> str:
    """The cache key of the kept table processes share for the org's month (the benchmark weighs it)."""
    return _shared_key(_scope(org, period, _CSV if csv else _JSON))


def clear_local_copies() -> None:
    """Forget this process's copies (tests and the benchmark; the shared cache is untouched)."""
    _local.clear()
    memo.clear()
