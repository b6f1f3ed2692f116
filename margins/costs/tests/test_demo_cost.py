from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from django.db.models import Count, Min, Sum

from margins.calculations import MonthAmounts, Tier, TierThresholds, health_tier
from margins.costs.demo import demo_events
from margins.costs.demo_customers import DEMO_CUSTOMERS
from margins.costs.rollups import rollups_check
from margins.models import CostEvent, Customer, CustomerDailyCost
from publicapi.demo import load_demo

TODAY = date(2026, 11, 21)


def test_demo_customer_list_has_sixty_entries_with_a_few_cost_only_tags():
    ids = [c[0] for c in DEMO_CUSTOMERS]
    assert len(DEMO_CUSTOMERS) == 60 and len(set(ids)) == 60
    cost_only = [c for c in DEMO_CUSTOMERS if c[5] is None]
    assert [c[3] for c in cost_only] == [0, 0, 0, 0]
    assert all(c[1] and "@" in c[2] and c[3] > 0 for c in DEMO_CUSTOMERS if c[5] is not None)


def test_demo_events_are_the_same_every_time():
    now = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    first, second = demo_events(TODAY, now), demo_events(TODAY, now)
    assert first == second
    assert max(e["occurredAt"] for e in first) <= now.isoformat()
    assert len({e["idempotencyKey"] for e in first}) == len(first)


@pytest.mark.slow
def test_demo_ingests_months_of_cost_spread_over_every_tier(db):
    org = load_demo(today=TODAY, log=lambda _: None).org
    customers = Customer.objects.filter(org=org)
    assert customers.count() == 60
    named = customers.exclude(name="").values_list("external_id", "name", "email")
    assert sorted(named) == sorted((c[0], c[1], c[2]) for c in DEMO_CUSTOMERS if c[5] is not None)

    events = CostEvent.objects.filter(org=org)
    stats = events.aggregate(n=Count("id"), first=Min("occurred_at"))
    assert 30_000 <= stats["n"] <= 50_000
    # June to November, as billed: five full months and this one.
    assert stats["first"].date() == date(2026, 6, 1)
    assert set(events.values_list("provider", flat=True)) == {"openai", "anthropic", "google", "acme"}
    assert events.values("feature").distinct().count() == 5
    assert 0 < events.filter(priced=False).count() < 500
    assert rollups_check(org=org).mismatches == ()

    october = dict(
        CustomerDailyCost.objects.filter(org=org, day__gte=date(2026, 10, 1), day__lt=date(2026, 11, 1))
        .values_list("customer__external_id")
        .annotate(cost=Sum("cost_micro"))
    )
    for external_id, *_, target, _plan in DEMO_CUSTOMERS:
        assert 0.75 * target <= october[external_id] <= 1.25 * target, external_id
    tiers = Counter(
        health_tier(MonthAmounts(revenue=c[3] * 10_000, cost=october[c[0]]), TierThresholds())
        for c in DEMO_CUSTOMERS
        if c[5] is not None
    )
    assert all(tiers[tier] >= 5 for tier in Tier), tiers
