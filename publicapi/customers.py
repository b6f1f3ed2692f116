"""The v1 customer reads: per cost-side customer, cost and recognized revenue over a rolling window.

Facts come only through the other apps' selectors: cost from margins, revenue and MRR from
billing, the Stripe-customer → customer links from mappings. Amounts stay micro-units here;
`publicapi.presenters` turns them into the document's cents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from billing import selectors as billing_selectors
from mappings.selectors import counting_mappings
from margins import selectors as cost_selectors
from margins.calculations import TierThresholds
from margint.models import Organization
from publicapi.windows import RollingWindow

# Several Stripe customers may map to one customer; the strongest source wins for the row.
_MRR_SOURCE_ORDER = ("subscriptions", "invoices", "none")


@dataclass(frozen=True)
class CustomerFigures:
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
    external_ids = list(external_ids) if external_ids is not None else None
    infos = cost_selectors.cost_customers(org=org, external_ids=external_ids)
    costs = cost_selectors.cost_by_customer_buckets(
        org=org, edges=window.query_edges, features=features, external_ids=external_ids
    )
    revenue = billing_selectors.revenue_by_customer(org=org, start=window.start, end=window.end)
    previous = billing_selectors.revenue_by_customer(org=org, start=window.previous_start, end=window.start)
    mrr = billing_selectors.mrr_by_customer(org=org, as_of=now)
    links = _stripe_ids_by_customer(org)
    empty = (0,) * len(window.query_edges[1:])
    rows = []
    for ext, info in infos.items():
        stripe_ids = links.get(ext, ())
        buckets = costs.get(ext, empty)
        source = _mrr_source(mrr[sid].source for sid in stripe_ids if sid in mrr)
        rows.append(
            CustomerFigures(
                id=info.id,
                external_id=ext,
                name=info.name,
                email=info.email,
                stripe_ids=stripe_ids,
                cost=sum(buckets[1:]),
                previous_cost=buckets[0],
                revenue=sum(revenue.get(sid, 0) for sid in stripe_ids),
                previous_revenue=sum(previous.get(sid, 0) for sid in stripe_ids),
                mrr=sum(mrr[sid].amount_micro for sid in stripe_ids if sid in mrr),
                mrr_source=source,
                spark=buckets[1:],
            )
        )
    return WindowFigures(tuple(rows), sum(revenue.values()), sum(previous.values()))


def _stripe_ids_by_customer(org: Organization) -> dict[str, tuple[str, ...]]:
    links: dict[str, list[str]] = defaultdict(list)
    for link in counting_mappings(org=org):
        links[link.tag_value].append(link.stripe_customer_id)
    return {ext: tuple(sorted(ids)) for ext, ids in links.items()}


def _mrr_source(sources: Iterable[str]) -> str:
    seen = set(sources)
    return next((source for source in _MRR_SOURCE_ORDER if source in seen), "none")
