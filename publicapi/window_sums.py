"""Per-customer sums of a rolling window, kept per process and brought up to date by what changed.

A 90-day row set of 10,000 customers adds up 1.8 million daily cost rows (the window, the one
before it and the spark weeks) and as many revenue rows: about a second on PostgreSQL, while
between two requests ingestion has typically changed a handful of customers. So each process
keeps, per org, range, day and feature filter, the sums it last added up, with the generation
of the org's monthly totals (margins/totals.py) read *before* adding them up. The next request
reads the monthly totals again (their versions and the rows written since, one query), which
names every cost-side customer and Stripe customer whose rows may have changed since that
generation, and adds up the daily rows of those alone.

Why that is exact: every write of a daily cost or revenue row writes its monthly row in the same
statement (margins/monthly.py), so a customer whose daily rows changed after the generation was
read has a monthly row written after it, and `changes_since` names it. The sums added up after
that read may already hold a change: adding its customer up again changes nothing. When the
monthly totals cannot say what changed (a deleted row, a history too long, a new process that
finds no shared copy, a new day), every customer is added up again. A feature filter sums the
per-feature rollups, which ingestion and `rebuild_rollups` write in the same transaction as the
daily cost, so the same monthly rows name their changes.

A process that keeps no sums of a scope (just started) first looks for the ones another process
shared through the cache (Redis when REDIS_URL is set; margins/shared_copies.py), with the monthly
totals they follow (`margins.totals.shared_state`): it adopts those totals (`adopt_state`), and the
same read of the rows written since names every customer that changed after the other process read
them; those alone are added up again, exactly as above. Each process shares its sums after adding
everything up, and after a change at most once a minute: a copy adopted late in the day names the
changes since its process last shared it, not every customer that changed that day. A copy lives 26
hours (its scope includes the day). When this process keeps the monthly totals already (another
range or feature filter of the same months), the copy's totals cannot be adopted and everything
is added up. A failing cache only means nothing is shared.

Only on PostgreSQL outside transactions (`memo.versions_possible()`); elsewhere every request
adds everything up, which is what the tests on SQLite exercise.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from billing import selectors as billing_selectors
from margins import memo, shared_copies
from margins.calculations import Month
from margins.costs import selectors as cost_selectors
from margins.shared_copies import Sharing
from margins.totals import read_totals
from margint.models import Organization
from publicapi.windows import RollingWindow

SHARED_TIMEOUT = 26 * 3600  # a copy's scope includes the day
_FORMAT = 1  # of the shared payload: (cost, revenue)
_WHAT = "window sums"  # in the warning of a failing cache


@dataclass(frozen=True)
class WindowSums:
    """Cost per customer and bucket, revenue per Stripe customer and range, in micro-units.

    `cost[external_id]`: the previous window, then each spark bucket (`window.query_edges`).
    `revenue[stripe_id]`: the previous window, the window, and the trailing 30 days of MRR.
    Customers without rows are absent.
    """

    cost: dict[str, tuple[int, ...]]
    revenue: dict[str, tuple[int, ...]]

    def with_changes(
        self, cost: dict[str, tuple[int, ...]], cost_keys: set[str], revenue: dict, stripe_ids: set[str]
    ) -> WindowSums:
        """These sums with the named customers' sums replaced by the ones read again."""
        return WindowSums(_replaced(self.cost, cost, cost_keys), _replaced(self.revenue, revenue, stripe_ids))


def _replaced(kept: dict, fresh: dict, keys: set[str]) -> dict:
    if not keys:
        return kept
    merged = {key: value for key, value in kept.items() if key not in keys}
    merged.update(fresh)
    return merged


def revenue_ranges(window: RollingWindow, now: datetime) -> tuple[tuple[date, date], ...]:
    return (
        (window.previous_start, window.start),
        (window.start, window.end),
        billing_selectors.mrr_trailing_range(now),
    )


def window_sums(
    *,
    org: Organization,
    window: RollingWindow,
    now: datetime,
    features: Iterable[str] | None = None,
    external_ids: Collection[str] | None = None,
    stripe_ids: Collection[str] | None = None,
) -> WindowSums:
    """The sums read from the daily rows: of every customer, or of the named ones (two queries at most).

    `external_ids` and `stripe_ids` name the customers of each side to read; an empty one reads none.
    """
    cost, revenue = {}, {}
    if external_ids is None or external_ids:
        cost = cost_selectors.cost_by_customer_buckets(
            org=org, edges=window.query_edges, features=features, external_ids=external_ids
        )
    if stripe_ids is None or stripe_ids:
        revenue = billing_selectors.revenue_by_customer_ranges(
            org=org, ranges=revenue_ranges(window, now), stripe_ids=stripe_ids
        )
    return WindowSums(cost, revenue)


@dataclass(frozen=True)
class _Kept:
    generation: int
    sums: WindowSums
    sharing: Sharing = Sharing()  # the generation last shared or adopted here, and when


# Per process: (org, range, day, features) -> the sums and the monthly totals' generation they follow.
_kept = memo.LocalCopies(16, clear_with_memo=True)


def current_window_sums(
    *, org: Organization, window: RollingWindow, now: datetime, features: Sequence[str] | None = None
) -> WindowSums:
    """Every customer's sums as of now: kept (or shared) ones brought up to date, or all read again."""
    if not memo.versions_possible():
        return window_sums(org=org, window=window, now=now, features=features)
    ranges = revenue_ranges(window, now)
    first = min(window.previous_start, *(start for start, _ in ranges))
    months = _months(first, max(window.end, *(end for _, end in ranges)))
    scope = f"{org.pk}:{window.range}:{window.end}:{ranges[-1][0]}:{','.join(sorted(features or ()))}"
    # Before the totals are read: adopted totals are what that read brings up to date.
    kept: _Kept | None = _kept.get(scope) or _adopted(org, months, scope)
    totals = read_totals(org=org, months=months)
    changes = totals.changes_since(kept.generation) if kept is not None else None
    if kept is None or changes is None:
        sums = window_sums(org=org, window=window, now=now, features=features)
        kept = _Kept(totals.generation, sums)
    else:
        cost_keys, stripe_ids = changes
        sums = kept.sums
        if cost_keys or stripe_ids:
            fresh = window_sums(
                org=org, window=window, now=now, features=features,
                external_ids=cost_keys, stripe_ids=stripe_ids,
            )  # fmt: skip
            sums = sums.with_changes(fresh.cost, cost_keys, fresh.revenue, stripe_ids)
        kept = replace(kept, generation=totals.generation, sums=sums)
    _kept.put(scope, _shared(org, months, scope, kept))
    return sums


def _adopted(org: Organization, months: Sequence[Month], scope: str) -> _Kept | None:
    """The sums another process shared for the scope, their totals adopted; None if there are none
    or this process keeps totals of these months already."""
    found = shared_copies.adopted(key=_shared_key(scope), what=_WHAT, org=org, months=months)
    if found is None:
        return None
    generation, (cost, revenue) = found
    return _Kept(generation, WindowSums(cost, revenue), Sharing(generation, time.monotonic()))


def _shared(org: Organization, months: Sequence[Month], scope: str, kept: _Kept) -> _Kept:
    """`kept`, shared when it was added up in full, or changed and last shared a minute ago or more."""
    now = time.monotonic()
    if not kept.sharing.due(kept.generation, now):
        return kept
    shared = shared_copies.share(
        key=_shared_key(scope), what=_WHAT, org=org, months=months, generation=kept.generation,
        payload=(kept.sums.cost, kept.sums.revenue), timeout=SHARED_TIMEOUT,
    )  # fmt: skip
    # Not shared when another thread has read newer totals since: those sums share the next time.
    return replace(kept, sharing=Sharing(kept.generation, now)) if shared else kept


def _shared_key(scope: str) -> str:
    return shared_copies.shared_key(f"publicapi:window-sums:{_FORMAT}", scope)


def _months(first: date, end: date) -> tuple[Month, ...]:
    """The calendar months that hold a day of [first, end)."""
    last = Month.containing(end - timedelta(days=1))
    months = [Month.containing(first)]
    while months[-1] < last:
        months.append(months[-1].next())
    return tuple(months)
