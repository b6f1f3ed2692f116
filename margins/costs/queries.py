"""Reads of ingestion's own bookkeeping, the unpriced events (what pages read about cost lives in
margins.selectors)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Max, Min, Q, Sum

from margins.models import CostEvent, DailyRollup
from margint.models import Organization


@dataclass(frozen=True)
class UnpricedModel:
    provider: str
    model: str
    events: int
    customers: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    first_seen_at: datetime
    last_seen_at: datetime


def unpriced_models(*, org: Organization) -> list[UnpricedModel]:
    """Each (provider, model) stored with cost 0 because no price was known, most events first."""
    rows = (
        CostEvent.objects.filter(org=org, priced=False)
        .values("provider", "model")
        .annotate(
            events=Count("id"),
            customers=Count("customer", distinct=True),
            input_sum=Sum("input_tokens"),
            output_sum=Sum("output_tokens"),
            cached_sum=Sum("cached_input_tokens"),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
        )
        .order_by("-events", "provider", "model")
    )
    return [
        UnpricedModel(
            provider=r["provider"],
            model=r["model"],
            events=r["events"],
            customers=r["customers"],
            input_tokens=r["input_sum"],
            output_tokens=r["output_sum"],
            cached_input_tokens=r["cached_sum"],
            first_seen_at=r["first"],
            last_seen_at=r["last"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class UnpricedCount:
    provider: str
    model: str
    events: int


def unpriced_event_counts(*, org: Organization, start: datetime, end: datetime) -> list[UnpricedCount]:
    """Events stored with cost 0 for want of a price that occurred in [start, end), per (provider,
    model), most events first.

    The daily rollups answer for the whole UTC days of the range (their unpriced_count, through a
    partial index of the rows that have one); raw events, through a partial index of unpriced
    events by time, only for the hours before the first whole day and after the last.
    """
    first, after = _whole_days(start, end)
    if first < after:
        counts = _rollup_counts(org, first, after)
        edges = [(start, _midnight(first)), (_midnight(after), end)]
    else:
        counts, edges = Counter(), [(start, end)]
    counts.update(_raw_counts(org, [(lo, hi) for lo, hi in edges if lo < hi]))
    return [
        UnpricedCount(provider, model, events)
        for (provider, model), events in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _rollup_counts(org: Organization, first: date, after: date) -> Counter[tuple[str, str]]:
    rows = (
        DailyRollup.objects.filter(org=org, unpriced_count__gt=0, day__gte=first, day__lt=after)
        .values_list("provider", "model")
        .annotate(Sum("unpriced_count"))
        .order_by()
    )
    return Counter({(provider, model): events for provider, model, events in rows})


def _raw_counts(org: Organization, ranges: list[tuple[datetime, datetime]]) -> Counter[tuple[str, str]]:
    if not ranges:
        return Counter()
    within = reduce(or_, (Q(occurred_at__gte=lo, occurred_at__lt=hi) for lo, hi in ranges))
    rows = (
        CostEvent.objects.filter(within, org=org, priced=False)
        .values_list("provider", "model")
        .annotate(Count("id"))
        .order_by()
    )
    return Counter({(provider, model): events for provider, model, events in rows})


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _whole_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The UTC days [first, after) that lie entirely in [start, end); first >= after when none."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start == _midnight(start.date()) else start.date() + timedelta(days=1)
    return first, end.date()
