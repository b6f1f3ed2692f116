"""The v1 customer reads: per cost-side customer, cost and recognized revenue over a rolling window.

Facts come only through the other apps' selectors: cost from margins, revenue and MRR from
billing, the Stripe-customer → customer links from mappings. Amounts stay micro-units here;
`publicapi.presenters` turns them into the document's cents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from billing import selectors as billing_selectors
from billing.models import StripeSubscription, StripeSubscriptionItem
from billing.recognition import SubscriptionFacts
from margins import memo
from margins import selectors as margin_selectors
from margins.calculations import TierThresholds
from margins.costs import selectors as cost_selectors
from margint.models import Organization
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
    links = margin_selectors.counting_links_kept(org=org)
    if external_ids is None:
        sums = window_sums.current_window_sums(org=org, window=window, now=now, features=features)
    else:
        external_ids = set(external_ids)
        linked = {sid for ext in external_ids for sid in links.get(ext, ())}
        sums = window_sums.window_sums(
            org=org, window=window, now=now, features=features, external_ids=external_ids, stripe_ids=linked
        )
    infos = cost_selectors.cost_customer_labels(org=org, external_ids=external_ids)
    trailing = {sid: amounts[2] for sid, amounts in sums.revenue.items() if amounts[2]}
    mrr = billing_selectors.mrr_by_customer(
        org=org, as_of=now, trailing=trailing, subscriptions=_subscription_facts(org)
    )
    zeros = (0,) * (len(window.query_edges) - 1)
    no_revenue = (0, 0, 0)
    rows = []
    for ext, info in infos.items():
        stripe_ids = links.get(ext, ())
        buckets = sums.cost.get(ext, zeros)
        if len(stripe_ids) == 1:  # the common case, without the loops below
            previous_revenue, revenue, _ = sums.revenue.get(stripe_ids[0], no_revenue)
            m = mrr.get(stripe_ids[0])
            mrr_amount, source = (m.amount_micro, m.source) if m else _NO_MRR
        else:
            amounts = [sums.revenue.get(sid, no_revenue) for sid in stripe_ids]
            previous_revenue, revenue = sum(a[0] for a in amounts), sum(a[1] for a in amounts)
            mrrs = [mrr[sid] for sid in stripe_ids if sid in mrr]
            mrr_amount, source = sum(m.amount_micro for m in mrrs), _mrr_source(m.source for m in mrrs)
        spark = buckets[1:]
        rows.append(
            CustomerFigures(
                id=info.id,
                external_id=ext,
                name=info.name,
                email=info.email,
                stripe_ids=stripe_ids,
                cost=sum(spark),
                previous_cost=buckets[0],
                revenue=revenue,
                previous_revenue=previous_revenue,
                mrr=mrr_amount,
                mrr_source=source,
                spark=spark,
            )
        )
    revenue_total = sum(amounts[1] for amounts in sums.revenue.values())
    previous_total = sum(amounts[0] for amounts in sums.revenue.values())
    return WindowFigures(tuple(rows), revenue_total, previous_total)


def _subscription_facts(org: Organization) -> dict[str, list[SubscriptionFacts]]:
    version = None
    if memo.versions_possible():
        models = (StripeSubscription, StripeSubscriptionItem)
        version = memo.rows_version([(memo.rows_version_sql(model), [org.pk]) for model in models])
    return memo.read_through(
        name="publicapi:subscriptions",
        org=org,
        model=StripeSubscription,
        read=lambda: billing_selectors.subscription_facts_by_customer(org=org),
        version=version,
    )


def _mrr_source(sources: Iterable[str]) -> str:
    seen = set(sources)
    return next((source for source in _MRR_SOURCE_ORDER if source in seen), "none")
