"""Per-customer sums of a rolling window: cost per spark bucket, revenue per range, read on each request.

Read from the monthly totals and their running sums through each day (margins.selectors.day_sums).
Cost limited to some features is read from the per-feature daily rollups, which have no monthly
or monthly totals: a filtered list sums daily rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from billing import selectors as billing_selectors
from margins.costs import selectors as cost_selectors
from margins.selectors import day_sums
from margint.models import Organization
from publicapi.windows import RollingWindow


@dataclass(frozen=True)
class WindowSums:
    """Cost per customer and bucket, revenue per Stripe customer and range, in micro-units.

    `cost[external_id]`: the previous window, then each spark bucket (`window.query_edges`).
    `revenue[stripe_id]`: the previous window, the window, and the trailing 30 days of MRR.
    Customers without rows are absent.
    """

    cost: dict[str, tuple[int, ...]]
    revenue: dict[str, tuple[int, ...]]


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
    """The sums of every customer, or of the named ones (two queries at most).

    `external_ids` and `stripe_ids` name the customers of each side to read; an empty one reads none.
    """
    cost, revenue = {}, {}
    if features and (external_ids is None or external_ids):
        cost = cost_selectors.cost_by_customer_buckets(
            org=org, edges=window.query_edges, features=features, external_ids=external_ids
        )
    elif external_ids is None or external_ids:
        ranges = tuple(pairwise(window.query_edges))
        cost = day_sums.cost_by_customer_ranges(org=org, ranges=ranges, external_ids=external_ids)
    if stripe_ids is None or stripe_ids:
        revenue = day_sums.revenue_by_customer_ranges(
            org=org, ranges=revenue_ranges(window, now), stripe_ids=stripe_ids
        )
    return WindowSums(cost, revenue)
