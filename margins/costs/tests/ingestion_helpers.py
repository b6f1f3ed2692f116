"""Shared by the ingestion tests: a valid event, and what the database holds for an org."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from margins.models import CostEvent, CustomerDailyCost, DailyRollup


def event(now=None, **fields: Any) -> dict[str, Any]:
    """A valid event with an explicit cost, an hour before `now` (default: the clock's now);
    keyword arguments override or add fields, None removes one."""
    base = {
        "customer": "cus_1",
        "feature": "chat",
        "provider": "openai",
        "model": "gpt-4o",
        "inputTokens": 1000,
        "outputTokens": 500,
        "costMicrodollars": 1234,
        "occurredAt": ((now or timezone.now()) - timedelta(hours=1)).isoformat(),
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def totals(org) -> dict[str, int]:
    """Event count and cost next to what both rollup tables say, for one org."""
    events = CostEvent.objects.filter(org=org)
    rollups = DailyRollup.objects.filter(org=org).aggregate(c=Sum("cost_micro"), n=Sum("request_count"))
    daily = CustomerDailyCost.objects.filter(org=org).aggregate(c=Sum("cost_micro"), n=Sum("request_count"))
    return {
        "events": events.count(),
        "cost": events.aggregate(c=Sum("cost_micro"))["c"] or 0,
        "rollup_requests": rollups["n"] or 0,
        "rollup_cost": rollups["c"] or 0,
        "daily_requests": daily["n"] or 0,
        "daily_cost": daily["c"] or 0,
    }
