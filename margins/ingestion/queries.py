"""Reads of ingestion's own bookkeeping (what pages read about cost lives in margins.selectors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Sum

from margins.models import CostEvent
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
