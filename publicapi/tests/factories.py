"""Spine rows for public API tests, written directly: cost rollups, revenue days, mappings, keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

import factory

from billing.models import RevenueDaily, StripeCustomer
from mappings.models import CustomerMapping
from margins.models import Customer, CustomerDailyCost, DailyRollup
from publicapi.keys import api_key_create

SEEN = datetime(2026, 1, 1, tzinfo=UTC)


class CostCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("org", "external_id")

    external_id = factory.Sequence(lambda n: f"cust-{n}")
    first_seen_at = SEEN
    last_seen_at = SEEN


class StripeCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeCustomer
        django_get_or_create = ("org", "stripe_id")

    stripe_id = factory.Sequence(lambda n: f"cus_{n:06d}")


class CustomerMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMapping

    status = "confirmed"


def add_cost(
    org,
    external_id: str,
    day: date,
    cost_micro: int,
    *,
    feature: str = "chat",
    model: str = "gpt-4o",
    provider: str = "openai",
    requests: int = 1,
) -> Customer:
    """One rollup row and its share of the customer's daily total, as the rollup job keeps them."""
    customer = CostCustomerFactory(org=org, external_id=external_id)
    rollup, _ = DailyRollup.objects.get_or_create(
        org=org, customer=customer, day=day, feature=feature, model=model, provider=provider
    )
    total, _ = CustomerDailyCost.objects.get_or_create(org=org, customer=customer, day=day)
    for row in (rollup, total):
        row.cost_micro += cost_micro
        row.request_count += requests
        row.save()
    return customer


def add_revenue(org, stripe_id: str, day: date, amount_micro: int) -> None:
    customer = StripeCustomerFactory(org=org, stripe_id=stripe_id)
    row, _ = RevenueDaily.objects.get_or_create(org=org, stripe_customer=customer, day=day)
    row.amount_micro += amount_micro
    row.save()


def link(org, stripe_id: str, external_id: str, **kwargs) -> CustomerMapping:
    StripeCustomerFactory(org=org, stripe_id=stripe_id)
    return CustomerMappingFactory(org=org, stripe_customer_id=stripe_id, tag_value=external_id, **kwargs)


def secret_for(org, scopes: tuple[str, ...] = ("read", "write"), name: str = "backend") -> str:
    return api_key_create(org=org, name=name, scopes=scopes).secret
