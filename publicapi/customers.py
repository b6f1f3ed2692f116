"""The v1 customer reads: per cost-side customer, cost and recognized revenue over a rolling window.

Facts come only through the other apps' selectors: cost from margins, revenue and MRR from
billing, the Stripe-customer → customer links from mappings. Amounts stay micro-units here;
`publicapi.presenters` turns them into the document's cents. The cost and revenue statements,
the longest reads, run on connections of their own while the rest is read here
(`margint.reads.read_aside`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple

from billing import selectors as billing_selectors
from mappings import selectors as mapping_selectors
from margins.calculations import TierThresholds
from margins.costs import selectors as cost_selectors
from margins.costs.selectors import CustomerLabel
from margint.models import Organization
from margint.reads import read_aside
from publicapi import window_sums
from publicapi.windows import RollingWindow

# Several Stripe customers may map to one customer; the strongest source wins for the row.
_MRR_SOURCE_ORDER = ("subscriptions", "invoices", "none")
_NO_MRR = (0, "none")


class CustomerFigures(NamedTuple):
    """One customer's figures in micro-units (a tuple: a 10,000-row list builds and compares them fast)."""

    id: str
    external_id: str
    name: str
    email: str
    stripe_ids: tuple[str, ...]
    cost: int
    previous_cost: int
    revenue: int
    previous_revenue: int
    mrr: int
    mrr_source: str
    spark: tuple[int, ...]  # cost per spark bucket, oldest first


@dataclass(frozen=True)
class WindowFigures:
    """Every cost-side customer's figures, plus what no customer row accounts for."""

    customers: tuple[CustomerFigures, ...]
    revenue_total: int
    previous_revenue_total: int


def thresholds_of(org: Organization) -> TierThresholds:
    return TierThresholds(
        healthy=org.healthy_threshold, moderate=org.moderate_threshold, at_risk=org.at_risk_threshold
    )


def window_figures(
    *,
    org: Organization,
    window: RollingWindow,
    now: datetime,
    features: Iterable[str] | None = None,
    external_ids: Iterable[str] | None = None,
) -> WindowFigures:
    """Every cost-side customer's figures over the window, or those of `external_ids` alone.

    With `external_ids` (one customer's page) only their Stripe customers' revenue is read, so the
    revenue totals are theirs, not the organization's.
    """
    features = sorted(features) if features else None
    external_ids = None if external_ids is None else set(external_ids)
    cost_read = read_aside(
        partial(window_sums.cost_sums, org=org, window=window, features=features, external_ids=external_ids)
    )
    links = mapping_selectors.counting_links(org=org)
    linked = None if external_ids is None else {sid for ext in external_ids for sid in links.get(ext, ())}
    revenue_read = read_aside(
        partial(window_sums.revenue_sums, org=org, window=window, now=now, stripe_ids=linked)
    )
    infos = cost_selectors.cost_customer_labels(org=org, external_ids=external_ids)
    subscriptions = billing_selectors.subscription_facts_by_customer(org=org)
    revenue_sums = revenue_read.result()
    infos.update(_revenue_only_labels(org, links, revenue_sums, infos, external_ids))
    trailing = {sid: amounts[2] for sid, amounts in revenue_sums.items() if amounts[2]}
    mrr = billing_selectors.mrr_by_customer(
        org=org, as_of=now, trailing=trailing, subscriptions=subscriptions
    )
    cost_sums = cost_read.result()
    zeros = (0,) * (len(window.query_edges) - 1)
    no_revenue = (0, 0, 0)
    rows = []
    # Inline and positional: this loop runs for each of 10,000 customers.
    for ext, (id_, name, email) in infos.items():
        stripe_ids = links.get(ext, ())
        buckets = cost_sums.get(ext, zeros)
        if len(stripe_ids) == 1:  # the common case, without the loops below
            previous_revenue, revenue, _ = revenue_sums.get(stripe_ids[0], no_revenue)
            mrr_amount, source = mrr.get(stripe_ids[0], _NO_MRR)
        else:
            amounts = [revenue_sums.get(sid, no_revenue) for sid in stripe_ids]
            previous_revenue, revenue = sum(a[0] for a in amounts), sum(a[1] for a in amounts)
            mrrs = [mrr[sid] for sid in stripe_ids if sid in mrr]
            mrr_amount, source = sum(m[0] for m in mrrs), _mrr_source(m[1] for m in mrrs)
        spark = buckets[1:]
        rows.append(
            CustomerFigures(
                id_, ext, name, email, stripe_ids, sum(spark), buckets[0], revenue, previous_revenue,
                mrr_amount, source, spark,
            )
        )  # fmt: skip
    revenue_total = sum(amounts[1] for amounts in revenue_sums.values())
    previous_total = sum(amounts[0] for amounts in revenue_sums.values())
    return WindowFigures(tuple(rows), revenue_total, previous_total)


def _revenue_only_labels(
    org: Organization,
    links: dict[str, tuple[str, ...]],
    revenue: dict[str, tuple[int, int, int]],
    known: dict[str, CustomerLabel],
    external_ids: set[str] | None,
) -> dict[str, CustomerLabel]:
    """Mapped customers with revenue in the window but no cost event yet: rows with cost 0, as in
    /v0/profitability. They have no cost-side row, so their id is derived from the org and the tag
    value (stable across requests)."""
    labels = {}
    for ext, stripe_ids in links.items():
        if ext in known or (external_ids is not None and ext not in external_ids):
            continue
        if any(any(revenue.get(sid, (0, 0, 0))[:2]) for sid in stripe_ids):
            derived = uuid.uuid5(uuid.NAMESPACE_URL, f"margint:{org.public_id}:{ext}")
            labels[ext] = CustomerLabel(str(derived), "", "")
    return labels


def _mrr_source(sources: Iterable[str]) -> str:
    seen = set(sources)
    return next((source for source in _MRR_SOURCE_ORDER if source in seen), "none")
