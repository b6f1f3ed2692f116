"""Rows of the cost side, built directly: cost customers, daily rollups, daily totals.

`add_cost` writes what ingestion leaves behind (daily rows, added to like its upserts do); the
monthly totals follow through the database triggers. The revenue side and the mappings are built by
their own apps' factories, imported here too so that a test of the whole spine has them in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import factory
from django.db.models import F
from django.utils import timezone

from billing.tests.factories import (  # noqa: F401 (re-exported for tests of the whole spine)
    RevenueDailyFactory,
    StripeConnectionFactory,
    StripeCustomerFactory,
    SyncRunFactory,
    add_revenue,
    add_unconverted,
    stripe_customer,
)
from mappings.tests.factories import CustomerMappingFactory, map_tag  # noqa: F401 (re-exported)
from margins.models import Customer, CustomerDailyCost, DailyRollup
from margint.models import Organization
from margint.tests.factories import OrganizationFactory

# When `add_cost` says its customers were first and last seen: long before their cost days, so that
# a tag falls in a lookback window through its cost alone.
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class CostCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("org", "external_id")

    org = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"tag-{n}")
    # Looked up at each call, so a customer "seen now" follows a test's controlled clock.
    first_seen_at = factory.LazyFunction(lambda: timezone.now())
    last_seen_at = factory.LazyFunction(lambda: timezone.now())


class DailyRollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyRollup

    org = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CostCustomerFactory, org=factory.SelfAttribute("..org"))
    day = date(2026, 4, 1)
    feature = "chat"
    model = "gpt-4o"
    provider = "openai"
    cost_micro = 0
    request_count = 1


class CustomerDailyCostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerDailyCost

    org = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CostCustomerFactory, org=factory.SelfAttribute("..org"))
    day = date(2026, 4, 1)
    cost_micro = 0
    request_count = 1


def add_cost(
    org: Organization,
    tag: str,
    day: date,
    cost: int,
    *,
    model: str = "gpt-4o",
    feature: str = "chat",
    provider: str = "openai",
    requests: int = 1,
) -> Customer:
    """Cost as ingestion leaves it: added to the day's rollup row and to the customer's day total."""
    customer = CostCustomerFactory(org=org, external_id=tag, first_seen_at=T0, last_seen_at=T0)
    key = dict(org=org, customer=customer, day=day)
    rollup, _ = DailyRollup.objects.get_or_create(**key, feature=feature, model=model, provider=provider)
    DailyRollup.objects.filter(pk=rollup.pk).update(
        cost_micro=F("cost_micro") + cost, request_count=F("request_count") + requests
    )
    total, _ = CustomerDailyCost.objects.get_or_create(**key)
    CustomerDailyCost.objects.filter(pk=total.pk).update(
        cost_micro=F("cost_micro") + cost, request_count=F("request_count") + requests
    )
    return customer


def twelve_mapped_customers(org: Organization) -> None:
    """A connected org's table of April 2026: twelve mapped customers with revenue and cost (and
    cost in March), a second Stripe account of tag-3, and a Stripe customer mapped to no tag."""
    StripeConnectionFactory(org=org)
    for i in range(12):
        map_tag(org, f"cus_{i}", f"tag-{i}", name=f"Customer {i}")
        add_revenue(org, f"cus_{i}", date(2026, 4, 2), 1000 + 10 * i)
        add_cost(org, f"tag-{i}", date(2026, 3, 2), 300 + i)
        add_cost(org, f"tag-{i}", date(2026, 4, 2), 90 * i)
    map_tag(org, "cus_extra", "tag-3", name="Second account of 3")
    stripe_customer(org, "cus_nobody")
