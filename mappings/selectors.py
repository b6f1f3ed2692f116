"""Reads of customer mappings: what the margin computation counts, the API lists, and the unmatched queue."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from billing import selectors as billing_selectors
from mappings.models import (
    COUNTING_STATUSES,
    ChangeSource,
    CustomerMapping,
    MappingChange,
    MappingStatus,
    MatchType,
)
from margins.costs import selectors as cost_selectors
from margint.models import Organization

MARGIN_TAG_KEY = "customer"


@dataclass(frozen=True)
class MappingLink:
    id: str
    stripe_customer_id: str
    tag_value: str
    match_type: str
    status: str
    confidence: Decimal | None


def counting_mappings(*, org: Organization) -> list[MappingLink]:
    """Mappings that count in margins: confirmed ones and high-confidence auto matches pending review.

    Several Stripe customers may map to one tag value; their revenue adds up in that tag's row.
    """
    rows = CustomerMapping.objects.filter(
        org=org, tag_key=MARGIN_TAG_KEY, status__in=COUNTING_STATUSES
    ).order_by("tag_value", "stripe_customer_id")
    return [
        MappingLink(str(m.id), m.stripe_customer_id, m.tag_value, m.match_type, m.status, m.confidence)
        for m in rows
    ]


def counting_links(*, org: Organization, tag_value: str | None = None) -> dict[str, tuple[str, ...]]:
    """The Stripe customer ids of each tag value with mappings that count, as `counting_mappings` says.

    Tag values in order, ids sorted: plain tuples, for the margin table of thousands of customers.
    """
    rows = CustomerMapping.objects.filter(org=org, tag_key=MARGIN_TAG_KEY, status__in=COUNTING_STATUSES)
    if tag_value is not None:
        rows = rows.filter(tag_value=tag_value)
    rows = rows.order_by("tag_value", "stripe_customer_id").values_list("tag_value", "stripe_customer_id")
    links: dict[str, list[str]] = {}
    for tag_value, stripe_id in rows:
        links.setdefault(tag_value, []).append(stripe_id)
    return {tag_value: tuple(ids) for tag_value, ids in links.items()}


# The unmatched queue and auto-matching look at the same recent past: the last 90 UTC days,
# today included. Recognized revenue dated after today (the rest of a prepaid period) is not in it.
LOOKBACK_DAYS = 90


def lookback_window(*, as_of: datetime) -> tuple[date, date]:
    """The half-open days [start, end) of the lookback ending with as_of's UTC day."""
    end = as_of.astimezone(UTC).date() + timedelta(days=1)
    return end - timedelta(days=LOOKBACK_DAYS), end


def mappings_for_org(*, org: Organization) -> QuerySet[CustomerMapping]:
    return CustomerMapping.objects.filter(org=org).select_related("org").order_by("-created_at", "id")


def mapping_for_org(*, org: Organization, mapping_id: object) -> CustomerMapping | None:
    """The org's mapping with this id; None when the id is malformed, unknown or another org's."""
    try:
        key = uuid.UUID(str(mapping_id))
    except ValueError:
        return None
    return CustomerMapping.objects.filter(org=org, pk=key).select_related("org").first()


def mapping_history(*, mapping_id: uuid.UUID) -> QuerySet[MappingChange]:
    return MappingChange.objects.filter(mapping_id=mapping_id).select_related("actor")


def mapping_histories(*, org: Organization, mapping_ids: list) -> dict[uuid.UUID, list[MappingChange]]:
    """The audit rows of these mappings, oldest first, in one query."""
    rows = MappingChange.objects.filter(org=org, mapping_id__in=mapping_ids).order_by("at", "id")
    histories: dict[uuid.UUID, list[MappingChange]] = defaultdict(list)
    for change in rows.select_related("actor"):
        histories[change.mapping_id].append(change)
    return histories


def customer_names(*, org: Organization, stripe_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Stripe customer id → name, for the customers that have one."""
    ids = None if stripe_ids is None else list(stripe_ids)
    customers = billing_selectors.stripe_customers(org=org, stripe_ids=ids)
    return {sid: info.name for sid, info in customers.items() if info.name}


@dataclass(frozen=True)
class UnmatchedStripeCustomer:
    stripe_customer_id: str
    customer_name: str | None
    customer_email: str | None
    total_revenue_micro: int


@dataclass(frozen=True)
class UnmappedTagValue:
    tag_value: str
    total_cost_micro: int
    request_count: int


# What each auto-matching signal (mappings.matching) means, for a person reviewing the match.
SIGNAL_REASONS = {
    "metadata": "Stripe metadata names the tag",
    "stripe_id": "the Stripe id is the tag",
    "email": "same email",
    "name": "similar name",
}


@dataclass(frozen=True)
class AwaitingReview:
    id: str
    stripe_customer_id: str
    customer_name: str | None
    tag_value: str
    confidence: Decimal | None
    status: str
    signal: str = ""  # the matching signal that proposed it, "" when unknown
    revenue_micro: int = 0  # of the Stripe customer, in the lookback window
    cost_micro: int = 0  # of the tag value, in the lookback window

    @property
    def reason(self) -> str:
        return SIGNAL_REASONS.get(self.signal, "")


@dataclass(frozen=True)
class UnmatchedQueue:
    start: date
    end: date
    unmatched_stripe_customers: tuple[UnmatchedStripeCustomer, ...]
    unmapped_tag_values: tuple[UnmappedTagValue, ...]
    pending_auto_matches: tuple[AwaitingReview, ...]
    customer_names: dict[str, str]

    @property
    def unmatched_count(self) -> int:
        """What waits for a mapping on either side: the Unmatched tab's count."""
        return len(self.unmatched_stripe_customers) + len(self.unmapped_tag_values)


def _unmatched_stripe(
    counted: set[str], stripe, revenue: dict[str, int]
) -> tuple[UnmatchedStripeCustomer, ...]:
    # Every live Stripe customer without a counting mapping, and any (even deleted) whose revenue
    # in the window would otherwise go unattributed.
    ids = {sid for sid, info in stripe.items() if not info.deleted}
    ids |= {sid for sid, amount in revenue.items() if amount}
    rows = []
    for sid in ids - counted:
        info = stripe.get(sid)
        name = info.name if info and info.name else None
        email = info.email if info and info.email else None
        rows.append(UnmatchedStripeCustomer(sid, name, email, revenue.get(sid, 0)))
    rows.sort(key=lambda r: (-r.total_revenue_micro, r.stripe_customer_id))
    return tuple(rows)


def _unmapped_tags(org, start, counted: set[str], costs) -> tuple[UnmappedTagValue, ...]:
    since = datetime.combine(start, time.min, tzinfo=UTC)
    seen = cost_selectors.cost_customers(org=org, seen_since=since)
    nothing = cost_selectors.CostTotals(0, 0)
    rows = []
    for tag in (set(costs) | set(seen)) - counted:
        totals = costs.get(tag, nothing)
        rows.append(UnmappedTagValue(tag, totals.cost_micro, totals.request_count))
    rows.sort(key=lambda r: (-r.total_cost_micro, -r.request_count, r.tag_value))
    return tuple(rows)


def _signals(org, mapping_ids: list) -> dict[str, str]:
    """The signal each auto-match was proposed on, as its audit row recorded it."""
    rows = MappingChange.objects.filter(
        org=org, mapping_id__in=mapping_ids, source=ChangeSource.AUTOMATCH, after__isnull=False
    ).values_list("mapping_id", "after")
    return {str(mapping_id): (after or {}).get("signal", "") for mapping_id, after in rows}


def _awaiting_review(
    org, names: dict[str, str], revenue: dict[str, int], costs
) -> tuple[AwaitingReview, ...]:
    rows = list(
        CustomerMapping.objects.filter(
            org=org, match_type=MatchType.AUTO, status__in=(MappingStatus.PENDING, MappingStatus.SUGGESTED)
        ).order_by(F("confidence").desc(nulls_last=True), "stripe_customer_id", "tag_value")
    )
    signals = _signals(org, [m.id for m in rows])
    nothing = cost_selectors.CostTotals(0, 0)
    return tuple(
        AwaitingReview(
            id=str(m.id),
            stripe_customer_id=m.stripe_customer_id,
            customer_name=names.get(m.stripe_customer_id),
            tag_value=m.tag_value,
            confidence=m.confidence,
            status=m.status,
            signal=signals.get(str(m.id), ""),
            revenue_micro=revenue.get(m.stripe_customer_id, 0),
            cost_micro=costs.get(m.tag_value, nothing).cost_micro,
        )
        for m in rows
    )


def unmatched_queue(*, org: Organization, as_of: datetime) -> UnmatchedQueue:
    """What is not attributed yet: revenue and cost outside every counting mapping, largest first,
    and the automatic matches waiting for a person."""
    start, end = lookback_window(as_of=as_of)
    links = counting_mappings(org=org)
    stripe = billing_selectors.stripe_customers(org=org)
    names = {sid: info.name for sid, info in stripe.items() if info.name}
    revenue = billing_selectors.revenue_by_customer(org=org, start=start, end=end)
    costs = cost_selectors.cost_by_customer(org=org, start=start, end=end)
    return UnmatchedQueue(
        start=start,
        end=end,
        unmatched_stripe_customers=_unmatched_stripe({m.stripe_customer_id for m in links}, stripe, revenue),
        unmapped_tag_values=_unmapped_tags(org, start, {m.tag_value for m in links}, costs),
        pending_auto_matches=_awaiting_review(org, names, revenue, costs),
        customer_names=names,
    )


def mappings_for_tag(*, org: Organization, tag_value: str) -> list[CustomerMapping]:
    """Every mapping of the org to this tag value (counting or not), confirmed ones first."""
    rows = CustomerMapping.objects.filter(org=org, tag_key=MARGIN_TAG_KEY, tag_value=tag_value)
    return sorted(rows, key=lambda m: (m.status != MappingStatus.CONFIRMED, m.stripe_customer_id))


def mappings_matching(*, org: Organization, q: str) -> QuerySet[CustomerMapping]:
    """The org's mappings, newest first; with `q`, those whose Stripe id, name or tag value holds it."""
    rows = mappings_for_org(org=org)
    if not q:
        return rows
    named = [info.stripe_id for info in billing_selectors.stripe_customer_search(org=org, q=q, limit=1000)]
    return rows.filter(
        Q(stripe_customer_id__icontains=q) | Q(tag_value__icontains=q) | Q(stripe_customer_id__in=named)
    )


MAX_SUGGESTION_QUERY = 100


@dataclass(frozen=True)
class Suggestion:
    value: str
    label: str


def mapping_suggestions(*, org: Organization, side: str, q: str, limit: int = 20) -> list[Suggestion]:
    """Type-ahead for the mapping form: Stripe customers (side "stripe") or tag values (side "tag")."""
    q = q.strip()[:MAX_SUGGESTION_QUERY]
    if side == "stripe":
        found = billing_selectors.stripe_customer_search(org=org, q=q, limit=limit)
        return [Suggestion(c.stripe_id, " · ".join(filter(None, (c.name, c.email)))) for c in found]
    found = cost_selectors.cost_customer_search(org=org, q=q, limit=limit)
    return [Suggestion(c.external_id, " · ".join(filter(None, (c.name, c.email)))) for c in found]


@dataclass(frozen=True)
class MappedCustomer:
    tag_value: str
    name: str | None
    stripe_customer_ids: tuple[str, ...]
    awaiting_review: bool  # one of its counting mappings is an auto-match still pending
    last_seen_at: datetime | None  # of its cost, None when it has sent none


def mapped_customers(*, org: Organization) -> list[MappedCustomer]:
    """Every tag value with a mapping that counts in margins, by name: the customers of the dashboard.

    The name is a mapped Stripe customer's (as in the margin table), else the cost side's own.
    """
    links = counting_mappings(org=org)
    links_by_tag: dict[str, list[MappingLink]] = defaultdict(list)
    for link in links:
        links_by_tag[link.tag_value].append(link)
    cost_side = cost_selectors.cost_customers(org=org, external_ids=list(links_by_tag))
    names = customer_names(org=org, stripe_ids={link.stripe_customer_id for link in links})
    rows = []
    for tag, tag_links in links_by_tag.items():
        info = cost_side.get(tag)
        stripe_names = [names[sid] for sid in (link.stripe_customer_id for link in tag_links) if sid in names]
        rows.append(
            MappedCustomer(
                tag_value=tag,
                name=next(iter(stripe_names), None) or (info.name if info and info.name else None),
                stripe_customer_ids=tuple(link.stripe_customer_id for link in tag_links),
                awaiting_review=any(link.status == MappingStatus.PENDING for link in tag_links),
                last_seen_at=info.last_seen_at if info else None,
            )
        )
    rows.sort(key=lambda r: ((r.name or r.tag_value).casefold(), r.tag_value))
    return rows
