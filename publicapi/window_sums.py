"""Per-customer sums of a rolling window: cost per spark bucket, revenue per range, read on each request.

Read from the monthly totals and their running sums through each day (margins.selectors.day_sums).
Cost limited to some features is read from the per-feature daily rollups, which have no monthly
totals: a filtered list sums daily rows. Amounts are micro-units; customers without rows are absent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from itertools import pairwise

from billing import selectors as billing_selectors
from margins.costs import selectors as cost_selectors
from margins.selectors import day_sums
from margint.models import Organization
from publicapi.windows import RollingWindow


def revenue_ranges(window: RollingWindow, now: datetime) -> tuple[tuple[date, date], ...]:
    return (
        (window.previous_start, window.start),
        (window.start, window.end),
        billing_selectors.mrr_trailing_range(now),
    )


def cost_sums(
    *,
    org: Organization,
    window: RollingWindow,
    features: Iterable[str] | None = None,
    external_ids: Collection[str] | None = None,
) -> dict[str, tuple[int, ...]]:
    """Cost per external id: the previous window, then each spark bucket (`window.query_edges`).

    `external_ids` names the customers to read (an empty one reads none); one query.
    """
    if external_ids is not None and not external_ids:
        return {}
    if features:
        return cost_selectors.cost_by_customer_buckets(
            org=org, edges=window.query_edges, features=features, external_ids=external_ids
        )
    ranges = tuple(pairwise(window.query_edges))
    return day_sums.cost_by_customer_ranges(org=org, ranges=ranges, external_ids=external_ids)


def revenue_sums(
    *, org: Organization, window: RollingWindow, now: datetime, stripe_ids: Collection[str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Revenue per Stripe customer id: the previous window, the window, the trailing 30 days of MRR.

    `stripe_ids` names the Stripe customers to read (an empty one reads none); one query.
    """
    if stripe_ids is not None and not stripe_ids:
        return {}
    return day_sums.revenue_by_customer_ranges(
        org=org, ranges=revenue_ranges(window, now), stripe_ids=stripe_ids
    )
